//! Microsoft Entra ID tokens through Microsoft's own `azure_identity` crate (feature
//! `azure-identity`): the Azure CLI or developer tools a user is logged in with, a managed
//! identity, a client secret or workload identity, with AI Agents' scope
//! `https://ai.azure.com/.default`. Tokens are cached and refreshed before expiry by the
//! crate's one [`crate::auth::token_cache::TokenCache`], one refresh at a time.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use azure_core::credentials::{Secret, TokenCredential};
use azure_identity::{
    AzureCliCredential, ClientSecretCredential, DeveloperToolsCredential,
    ManagedIdentityCredential, ManagedIdentityCredentialOptions, UserAssignedId,
    WorkloadIdentityCredential,
};
use secrecy::SecretString;

use crate::Error;
use crate::auth::token_cache::{Fetched, TokenCache};
use crate::auth::{AuthError, TokenFuture, TokenProvider};

/// The scope of Azure AI Foundry Agents.
pub const AI_AGENTS_SCOPE: &str = "https://ai.azure.com/.default";

/// Entra ID tokens for one scope from an `azure_identity` credential.
///
/// ```no_run
/// # fn run() -> Result<(), upload_clients::Error> {
/// use upload_clients::auth::Credential;
/// use upload_clients::auth::entra::EntraTokens;
///
/// // Whoever is logged in with `az login` (or `azd auth login`).
/// let credential = Credential::provider(EntraTokens::developer_tools()?);
/// # Ok(()) }
/// ```
pub struct EntraTokens {
    credential: Arc<dyn TokenCredential>,
    scope: String,
    source: &'static str,
    cache: TokenCache,
}

impl std::fmt::Debug for EntraTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntraTokens")
            .field("source", &self.source)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// An `azure_identity` constructor's error, as bad input (nothing was sent).
fn invalid(what: &str, error: azure_core::Error) -> Error {
    Error::InvalidInput(format!("cannot set up {what}: {error}"))
}

impl EntraTokens {
    /// Tokens for `scope` from any `azure_identity` credential.
    pub fn new(credential: Arc<dyn TokenCredential>, scope: impl Into<String>) -> Self {
        Self {
            credential,
            scope: scope.into(),
            source: "an Azure credential",
            cache: TokenCache::default(),
        }
    }

    fn named(credential: Arc<dyn TokenCredential>, source: &'static str) -> Self {
        Self {
            source,
            ..Self::new(credential, AI_AGENTS_SCOPE)
        }
    }

    /// AI Agents tokens from the developer tools a user is logged in with: the Azure CLI
    /// (`az login`), then the Azure Developer CLI (`azd auth login`).
    pub fn developer_tools() -> Result<Self, Error> {
        let credential = DeveloperToolsCredential::new(None)
            .map_err(|e| invalid("the developer tools credential", e))?;
        Ok(Self::named(
            credential,
            "the Azure developer tools (az, azd)",
        ))
    }

    /// AI Agents tokens from the Azure CLI (`az account get-access-token`).
    pub fn azure_cli() -> Result<Self, Error> {
        let credential =
            AzureCliCredential::new(None).map_err(|e| invalid("the Azure CLI credential", e))?;
        Ok(Self::named(credential, "the Azure CLI"))
    }

    /// AI Agents tokens from the managed identity of the Azure host (App Service, Functions,
    /// VMs, …): the system-assigned one, or the user-assigned one with this client id.
    pub fn managed_identity(client_id: Option<String>) -> Result<Self, Error> {
        let options = ManagedIdentityCredentialOptions {
            user_assigned_id: client_id.map(UserAssignedId::ClientId),
            ..Default::default()
        };
        let credential = ManagedIdentityCredential::new(Some(options))
            .map_err(|e| invalid("the managed identity credential", e))?;
        Ok(Self::named(credential, "the managed identity"))
    }

    /// AI Agents tokens for an app registration with a client secret.
    pub fn client_secret(
        tenant_id: &str,
        client_id: &str,
        secret: SecretString,
    ) -> Result<Self, Error> {
        use secrecy::ExposeSecret as _;
        let credential = ClientSecretCredential::new(
            tenant_id,
            client_id.to_owned(),
            Secret::new(secret.expose_secret().to_owned()),
            None,
        )
        .map_err(|e| invalid("the client secret credential", e))?;
        Ok(Self::named(credential, "the client secret"))
    }

    /// AI Agents tokens from workload identity federation (Kubernetes): `AZURE_CLIENT_ID`,
    /// `AZURE_TENANT_ID` and `AZURE_FEDERATED_TOKEN_FILE`, as AKS sets them.
    pub fn workload_identity() -> Result<Self, Error> {
        let credential = WorkloadIdentityCredential::new(None)
            .map_err(|e| invalid("the workload identity credential", e))?;
        Ok(Self::named(credential, "workload identity"))
    }

    async fn fetch(&self) -> Result<Fetched, AuthError> {
        let token = self
            .credential
            .get_token(&[self.scope.as_str()], None)
            .await
            .map_err(|e| self.error(&e))?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let lifetime = Duration::from_secs(
            token.expires_on.unix_timestamp().saturating_sub(now).max(0) as u64,
        );
        Ok(Fetched {
            token: SecretString::from(token.token.secret().to_owned()),
            lifetime,
        })
    }

    /// A failure as retried (the service unreachable or busy) or refused.
    fn error(&self, error: &azure_core::Error) -> AuthError {
        use azure_core::error::ErrorKind;
        let message = crate::error::causes(error);
        let transient = match error.kind() {
            ErrorKind::Io => true,
            ErrorKind::HttpResponse { status, .. } => {
                let status = u16::from(*status);
                status == 429 || status >= 500
            }
            _ => false,
        };
        if transient {
            AuthError::Unavailable {
                provider: self.source.to_owned(),
                message,
            }
        } else {
            AuthError::Refused(format!(
                "{} gave no token for {}: {message}",
                self.source, self.scope
            ))
        }
    }
}

impl TokenProvider for EntraTokens {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(self.cache.get(|| self.fetch()))
    }
}

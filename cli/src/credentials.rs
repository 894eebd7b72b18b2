//! Where each service's credential comes from: `--auth` picks a source; by default the token a
//! user gave (`--token`, `--token-file`, the service's variable) comes first, then the
//! platform's usual chain when there is a sign of it (a Google key or ADC file, an ACS
//! connection string, Azure's environment, `az` or `azd` on `PATH`).

use std::io::Read as _;
use std::path::Path;

use clap::ValueEnum;
use secrecy::SecretString;
use upload_clients::Error;
use upload_clients::auth::Credential;
use upload_clients::auth::acs_identity::AcsIdentityTokens;
use upload_clients::auth::entra::EntraTokens;
use upload_clients::auth::google::{GoogleServiceAccount, RBM_SCOPE, ServiceAccountKey};
use upload_clients::auth::google_adc::{GoogleAdc, adc_file, google_credential};

use crate::args::Common;

/// Where a credential comes from (`--auth`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AuthSource {
    /// A token or API key: --token, --token-file, or the service's variable.
    Token,
    /// ACS: user tokens issued from ACS_CONNECTION_STRING (or --token-file holding it).
    ConnectionString,
    /// RBM: Google Application Default Credentials (a key or gcloud file, the metadata server).
    Google,
    /// AI Agents: whoever is logged in with `az login` or `azd auth login`.
    DeveloperTools,
    /// AI Agents: the Azure CLI.
    AzureCli,
    /// AI Agents: the host's managed identity (AZURE_CLIENT_ID for a user-assigned one).
    ManagedIdentity,
    /// AI Agents: workload identity (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE).
    WorkloadIdentity,
    /// AI Agents: an app's client secret (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET).
    ClientSecret,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The token or key the user gave: `--token`, `--token-file` (`-`: standard input), or
/// `variable`; `None` when none was given.
fn given(common: &Common, variable: &str) -> Result<Option<SecretString>, Error> {
    if let Some(token) = &common.token {
        return Ok(Some(SecretString::from(token.clone())));
    }
    if let Some(path) = &common.token_file {
        return read_token_file(path).map(Some);
    }
    Ok(env(variable).map(SecretString::from))
}

/// The first line of `path` (or of standard input for `-`), trimmed.
fn read_token_file(path: &Path) -> Result<SecretString, Error> {
    let mut text = String::new();
    let read = if path == Path::new("-") {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::read_to_string(path).map(|t| text = t)
    };
    read.map_err(|e| {
        Error::InvalidInput(format!(
            "cannot read the token from {}: {e}",
            path.display()
        ))
    })?;
    let token = text.lines().next().unwrap_or_default().trim().to_owned();
    if token.is_empty() {
        return Err(Error::InvalidInput(format!(
            "{} holds no token",
            path.display()
        )));
    }
    Ok(SecretString::from(token))
}

fn unsupported(service: &str, source: AuthSource, choices: &str) -> Error {
    Error::InvalidInput(format!(
        "--auth {} does not apply to {service}; use one of: {choices}",
        source
            .to_possible_value()
            .map(|v| v.get_name().to_owned())
            .unwrap_or_default()
    ))
}

fn missing(what: &str, variable: &str) -> Error {
    Error::InvalidInput(format!(
        "no credential: {what} (pass --token or --token-file, or set {variable})"
    ))
}

/// A token source for a service that only takes tokens or keys (MaiAgent).
pub fn token_only(common: &Common, service: &str, variable: &str) -> Result<SecretString, Error> {
    match common.auth {
        None | Some(AuthSource::Token) => {
            given(common, variable)?.ok_or_else(|| missing("a token or key is needed", variable))
        }
        Some(other) => Err(unsupported(service, other, "token")),
    }
}

/// ACS: a token, or user tokens issued from a connection string.
pub fn acs_credential(common: &Common) -> Result<Credential, Error> {
    let from_connection_string = |text: &str| -> Result<Credential, Error> {
        Ok(Credential::provider(AcsIdentityTokens::chat(text)?))
    };
    match common.auth {
        Some(AuthSource::Token) => given(common, "ACS_ACCESS_TOKEN")?
            .map(Credential::Bearer)
            .ok_or_else(|| missing("an ACS user token is needed", "ACS_ACCESS_TOKEN")),
        Some(AuthSource::ConnectionString) => {
            use secrecy::ExposeSecret as _;
            let text = match &common.token_file {
                Some(path) => read_token_file(path)?.expose_secret().to_owned(),
                None => env("ACS_CONNECTION_STRING").ok_or_else(|| {
                    missing(
                        "--auth connection-string needs a connection string",
                        "ACS_CONNECTION_STRING",
                    )
                })?,
            };
            from_connection_string(&text)
        }
        Some(other) => Err(unsupported("acs-chat", other, "token, connection-string")),
        None => match (
            given(common, "ACS_ACCESS_TOKEN")?,
            env("ACS_CONNECTION_STRING"),
        ) {
            (Some(token), _) => Ok(Credential::Bearer(token)),
            (None, Some(text)) => from_connection_string(&text),
            (None, None) => Err(missing(
                "an ACS user token, or a connection string in ACS_CONNECTION_STRING",
                "ACS_ACCESS_TOKEN",
            )),
        },
    }
}

/// RBM: a token, a service-account key (`--credentials`), or Application Default Credentials.
pub async fn rbm_credential(common: &Common) -> Result<Credential, Error> {
    match common.auth {
        Some(AuthSource::Token) => given(common, "RBM_ACCESS_TOKEN")?
            .map(Credential::Bearer)
            .ok_or_else(|| missing("an OAuth access token is needed", "RBM_ACCESS_TOKEN")),
        Some(AuthSource::Google) => match &common.credentials {
            Some(path) => service_account(path).await,
            None => google_credential(RBM_SCOPE).await,
        },
        Some(other) => Err(unsupported("rbm", other, "token, google")),
        None => {
            if let Some(path) = &common.credentials {
                return service_account(path).await;
            }
            if let Some(token) = given(common, "RBM_ACCESS_TOKEN")? {
                return Ok(Credential::Bearer(token));
            }
            if adc_file().is_some() {
                return google_credential(RBM_SCOPE).await;
            }
            // The metadata server only when told where it is: probing for it off Google Cloud
            // would stall every run without a credential.
            if env("GCE_METADATA_HOST").is_some() {
                return Ok(Credential::provider(GoogleAdc::new(RBM_SCOPE)?));
            }
            Err(missing(
                "an OAuth token, a service-account key (--credentials or GOOGLE_APPLICATION_CREDENTIALS), gcloud's application-default login, or --auth google on Google Cloud",
                "RBM_ACCESS_TOKEN",
            ))
        }
    }
}

/// The service-account key at `path`, exchanged for tokens by this crate's grant.
async fn service_account(path: &Path) -> Result<Credential, Error> {
    let key = ServiceAccountKey::from_file(path).await?;
    Ok(Credential::provider(GoogleServiceAccount::new(
        key, RBM_SCOPE,
    )?))
}

/// Whether `program` is an executable file on `PATH`.
fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// AI Agents: a token, or Entra ID tokens from the source asked for; by default the token
/// first, then Azure's environment (client secret, workload identity, App Service's managed
/// identity), then the developer tools when `az` or `azd` is installed.
pub fn agents_credential(common: &Common) -> Result<Credential, Error> {
    let provider = |tokens: EntraTokens| Ok(Credential::provider(tokens));
    let client_secret = || -> Result<Credential, Error> {
        let (Some(tenant), Some(client), Some(secret)) = (
            env("AZURE_TENANT_ID"),
            env("AZURE_CLIENT_ID"),
            env("AZURE_CLIENT_SECRET"),
        ) else {
            return Err(missing(
                "--auth client-secret needs AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET",
                "them",
            ));
        };
        provider(EntraTokens::client_secret(
            &tenant,
            &client,
            SecretString::from(secret),
        )?)
    };
    match common.auth {
        Some(AuthSource::Token) => given(common, "AZURE_AI_ACCESS_TOKEN")?
            .map(Credential::Bearer)
            .ok_or_else(|| missing("an Entra access token is needed", "AZURE_AI_ACCESS_TOKEN")),
        Some(AuthSource::DeveloperTools) => provider(EntraTokens::developer_tools()?),
        Some(AuthSource::AzureCli) => provider(EntraTokens::azure_cli()?),
        Some(AuthSource::ManagedIdentity) => {
            provider(EntraTokens::managed_identity(env("AZURE_CLIENT_ID"))?)
        }
        Some(AuthSource::WorkloadIdentity) => provider(EntraTokens::workload_identity()?),
        Some(AuthSource::ClientSecret) => client_secret(),
        Some(other) => Err(unsupported(
            "agents",
            other,
            "token, developer-tools, azure-cli, managed-identity, workload-identity, client-secret",
        )),
        None => {
            if let Some(token) = given(common, "AZURE_AI_ACCESS_TOKEN")? {
                return Ok(Credential::Bearer(token));
            }
            if env("AZURE_CLIENT_SECRET").is_some() {
                return client_secret();
            }
            if env("AZURE_FEDERATED_TOKEN_FILE").is_some() {
                return provider(EntraTokens::workload_identity()?);
            }
            if env("IDENTITY_ENDPOINT").is_some() {
                return provider(EntraTokens::managed_identity(env("AZURE_CLIENT_ID"))?);
            }
            if on_path("az") || on_path("azd") {
                return provider(EntraTokens::developer_tools()?);
            }
            Err(missing(
                "an Entra token, `az login`, or --auth managed-identity on Azure",
                "AZURE_AI_ACCESS_TOKEN",
            ))
        }
    }
}

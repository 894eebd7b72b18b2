//! Where each service's credential comes from: `--token`, the service's variable, or (RBM) a
//! service-account key.

use std::path::PathBuf;

use upload_clients::Error;
use upload_clients::auth::Credential;
use upload_clients::google_auth::{GoogleServiceAccount, RBM_SCOPE, ServiceAccountKey};

use crate::args::Common;

/// RBM's credential: `--token` or `RBM_ACCESS_TOKEN`, else a service-account key from
/// `--credentials` or `GOOGLE_APPLICATION_CREDENTIALS`.
pub async fn rbm_credential(common: &Common) -> Result<Credential, Error> {
    let key_file = common
        .credentials
        .clone()
        .or_else(|| std::env::var_os("GOOGLE_APPLICATION_CREDENTIALS").map(PathBuf::from));
    match (token(common, "RBM_ACCESS_TOKEN"), key_file) {
        (Ok(token), _) if common.credentials.is_none() => Ok(Credential::bearer(token)),
        (_, Some(path)) => {
            let key = ServiceAccountKey::from_file(&path).await?;
            Ok(Credential::provider(GoogleServiceAccount::new(key, RBM_SCOPE)?))
        }
        (Ok(token), None) => Ok(Credential::bearer(token)),
        (Err(_), None) => Err(Error::InvalidInput(
            "no credential: pass --token, set RBM_ACCESS_TOKEN, or give a service-account key with --credentials or GOOGLE_APPLICATION_CREDENTIALS".into(),
        )),
    }
}

/// `--token`, else the service's environment variable; a missing one is a usage error.
pub fn token(common: &Common, variable: &str) -> Result<String, Error> {
    common
        .token
        .clone()
        .or_else(|| std::env::var(variable).ok())
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| {
            Error::InvalidInput(format!("no credential: pass --token or set {variable}"))
        })
}

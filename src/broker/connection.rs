//! How to reach one cluster's management API: endpoints, credentials, TLS material.

use std::path::PathBuf;
use std::time::Duration;

/// The timeout used when nothing else is configured.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

pub use crate::model::secret_value::Secret;

/// Everything `HttpBroker::new` needs; `urls` are management endpoints of one cluster, tried in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionSettings {
    /// Base URLs such as `http://host:15672` (a trailing `/api` is accepted too).
    pub urls: Vec<String>,
    pub user: String,
    pub password: Secret,
    /// PEM file with extra CA certificates to trust.
    pub ca_cert: Option<PathBuf>,
    /// PEM client certificate (chain); needs `client_key`.
    pub client_cert: Option<PathBuf>,
    /// PEM private key for `client_cert`.
    pub client_key: Option<PathBuf>,
    /// Accept any server certificate; never the default.
    pub insecure: bool,
    /// Per-request timeout, also used as the connect timeout.
    pub timeout: Duration,
}

impl ConnectionSettings {
    /// Settings with no TLS material and the default timeout.
    pub fn new(urls: Vec<String>, user: impl Into<String>, password: impl Into<Secret>) -> Self {
        ConnectionSettings {
            urls,
            user: user.into(),
            password: password.into(),
            ca_cert: None,
            client_cert: None,
            client_key: None,
            insecure: false,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_prints() {
        let settings = ConnectionSettings::new(vec!["http://h:15672".into()], "u", "hunter2");
        assert_eq!(settings.password.to_string(), "***");
        assert!(!format!("{settings:?}").contains("hunter2"));
        assert_eq!(settings.password.expose(), "hunter2");
    }
}

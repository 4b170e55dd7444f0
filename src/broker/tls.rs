//! TLS material for the HTTP client, and telling TLS failures apart from network ones.

use std::path::Path;

use reqwest::{Certificate, ClientBuilder, Identity};

use super::connection::ConnectionSettings;
use super::error::{BrokerError, Result};

/// Makes ring rustls's cryptography for this process; a second call changes nothing.
pub(crate) fn install_crypto_provider() {
    // Err means a provider is installed already, which is all that is needed.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Adds the CA bundle, client identity and (only if asked) certificate leniency.
pub(crate) fn configure(
    mut builder: ClientBuilder,
    settings: &ConnectionSettings,
) -> Result<ClientBuilder> {
    if let Some(ca) = &settings.ca_cert {
        let pem = read(ca, "CA certificate")?;
        let certs = Certificate::from_pem_bundle(&pem).map_err(|e| invalid(ca, &e))?;
        if certs.is_empty() {
            return Err(BrokerError::Tls {
                reason: format!("no PEM certificate in {}", ca.display()),
            });
        }
        builder = builder.tls_certs_merge(certs);
    }
    match (&settings.client_cert, &settings.client_key) {
        (Some(cert), Some(key)) => {
            // rustls wants key and certificate chain in one PEM buffer.
            let mut pem = read(key, "client key")?;
            pem.push(b'\n');
            pem.extend(read(cert, "client certificate")?);
            let identity = Identity::from_pem(&pem).map_err(|e| invalid(cert, &e))?;
            builder = builder.identity(identity);
        }
        (None, None) => {}
        _ => {
            return Err(BrokerError::Tls {
                reason: "a client certificate and its key must be given together".to_owned(),
            })
        }
    }
    if settings.insecure {
        tracing::warn!("TLS certificate verification is disabled (--insecure)");
        builder = builder.tls_danger_accept_invalid_certs(true);
    }
    Ok(builder)
}

fn read(path: &Path, what: &str) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| BrokerError::Tls {
        reason: format!("cannot read the {what} {}: {e}", path.display()),
    })
}

fn invalid(path: &Path, err: &reqwest::Error) -> BrokerError {
    let cause = std::error::Error::source(err).map(ToString::to_string);
    BrokerError::Tls {
        reason: format!(
            "{}: {}",
            path.display(),
            cause.unwrap_or_else(|| err.to_string())
        ),
    }
}

/// Marks of a TLS failure in an error chain (rustls errors do not reach us as types).
const TLS_MARKS: &[&str] = &[
    "invalid peer certificate",
    "certificate",
    "received fatal alert",
    "received corrupt message",
    "InvalidContentType",
    "tls handshake",
    "peer is incompatible",
    "peer misbehaved",
];

/// `Some(reason)` when a request failed in the TLS layer: retrying elsewhere will not help.
pub(crate) fn failure_reason(endpoint: &str, chain: &str) -> Option<String> {
    let parts: Vec<&str> = chain.split(": ").collect();
    let first = parts
        .iter()
        .position(|part| TLS_MARKS.iter().any(|mark| part.contains(mark)))?;
    let reason = parts[first..].join(": ");
    let hint = if reason.contains("UnknownIssuer") {
        " (is --ca-cert the CA that signed the server certificate?)"
    } else if reason.contains("CertificateRequired") {
        " (the server wants a client certificate: --client-cert and --client-key)"
    } else if reason.contains("InvalidContentType") {
        " (is this an https URL for a plain-HTTP port?)"
    } else {
        ""
    };
    Some(format!("{endpoint}: {reason}{hint}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_failures_are_recognised_and_shortened() {
        let chain = "invalid peer certificate: UnknownIssuer";
        assert_eq!(
            failure_reason("https://h", chain).unwrap(),
            "https://h: invalid peer certificate: UnknownIssuer \
             (is --ca-cert the CA that signed the server certificate?)"
        );
        let chain = "connection error: received fatal alert: CertificateRequired";
        let reason = failure_reason("https://h", chain).unwrap();
        assert!(reason.starts_with("https://h: received fatal alert: CertificateRequired"));
        let refused = "tcp connect error: Connection refused (os error 111)";
        assert_eq!(failure_reason("http://h", refused), None);
    }
}

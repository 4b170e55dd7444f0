//! What can go wrong talking to the management API; URLs here never carry credentials.

use serde::Deserialize;

/// Longest broker reason kept in an error, so an HTML error page cannot flood the terminal.
const MAX_REASON_CHARS: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    #[error("{method} {url} failed with HTTP {status}: {reason}")]
    Http {
        method: String,
        url: String,
        status: u16,
        /// The broker's own `reason`, or its trimmed body when it sent no JSON.
        reason: String,
    },
    /// 401: the user is named so a wrong one is seen at once; the password never is.
    #[error("authentication failed for user `{user}` ({method} {url} answered HTTP 401): check --user and the password (--password-file, RABBITMQ_MANAGEMENT_PASSWORD or `broker: {{ password }}`)")]
    Unauthorized {
        method: String,
        url: String,
        user: String,
    },
    #[error("no management endpoint reachable (tried {}): {message}", urls.join(", "))]
    Unreachable { urls: Vec<String>, message: String },
    #[error("{method} {url} timed out")]
    Timeout { method: String, url: String },
    #[error("{method} {url}: the connection broke before the answer was complete: {message}")]
    Interrupted {
        method: String,
        url: String,
        message: String,
    },
    #[error("TLS: {reason}")]
    Tls { reason: String },
    #[error("cannot decode the response of {url}: {reason}")]
    Decode { url: String, reason: String },
    #[error("invalid management URL {url}: {reason}")]
    InvalidUrl { url: String, reason: String },
}

pub type Result<T, E = BrokerError> = std::result::Result<T, E>;

impl BrokerError {
    /// The HTTP status the broker answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            BrokerError::Http { status, .. } => Some(*status),
            BrokerError::Unauthorized { .. } => Some(401),
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    reason: Option<serde_json::Value>,
    error: Option<serde_json::Value>,
}

/// The broker's explanation from an error body: its JSON `reason` (or `error`), else the text.
pub fn reason_from_body(body: &[u8]) -> String {
    let parsed = serde_json::from_slice::<ErrorBody>(body).ok();
    let field = parsed.and_then(|b| b.reason.or(b.error));
    let text = match field {
        Some(serde_json::Value::String(s)) => s,
        Some(other) if !other.is_null() => other.to_string(),
        _ => String::from_utf8_lossy(body).into_owned(),
    };
    truncate(text.trim())
}

fn truncate(text: &str) -> String {
    match text.char_indices().nth(MAX_REASON_CHARS) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_brokers_reason() {
        let body = br#"{"error":"bad_request","reason":"inequivalent arg 'x-message-ttl' for queue 'q1' in vhost 'plain': received '5' but current is '3600000'"}"#;
        assert_eq!(
            reason_from_body(body),
            "inequivalent arg 'x-message-ttl' for queue 'q1' in vhost 'plain': received '5' but current is '3600000'"
        );
        let body = br#"{"error":"not_authorized","reason":"Login failed"}"#;
        assert_eq!(reason_from_body(body), "Login failed");
    }

    #[test]
    fn multi_line_reason_is_trimmed() {
        let body = br#"{"error":"bad_request","reason":"Validation failed\n\napply-to 'classic_queues' unrecognised\n"}"#;
        assert_eq!(
            reason_from_body(body),
            "Validation failed\n\napply-to 'classic_queues' unrecognised"
        );
    }

    #[test]
    fn falls_back_to_error_then_body_text() {
        assert_eq!(reason_from_body(br#"{"error":"boom"}"#), "boom");
        assert_eq!(
            reason_from_body(b"  <html>502 Bad Gateway</html>\n"),
            "<html>502 Bad Gateway</html>"
        );
        assert_eq!(reason_from_body(br#"{"reason":{"a":1}}"#), r#"{"a":1}"#);
    }

    #[test]
    fn long_bodies_are_cut_at_500_chars() {
        let body = "é".repeat(600);
        let reason = reason_from_body(body.as_bytes());
        assert_eq!(reason.chars().count(), 503);
        assert!(reason.ends_with("..."));
    }

    #[test]
    fn display_says_what_the_broker_said() {
        let err = BrokerError::Http {
            method: "PUT".into(),
            url: "http://h:15672/api/queues/%2F/q".into(),
            status: 400,
            reason: "inequivalent arg".into(),
        };
        assert_eq!(
            err.to_string(),
            "PUT http://h:15672/api/queues/%2F/q failed with HTTP 400: inequivalent arg"
        );
        assert_eq!(err.status(), Some(400));
        let err = BrokerError::Unreachable {
            urls: vec!["http://a".into(), "http://b".into()],
            message: "connection refused".into(),
        };
        assert_eq!(
            err.to_string(),
            "no management endpoint reachable (tried http://a, http://b): connection refused"
        );
    }
}

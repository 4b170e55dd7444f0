//! One management endpoint: a base URL with any credentials taken out of it.

use percent_encoding::percent_decode_str;
use reqwest::Url;

use super::connection::Secret;
use super::error::{BrokerError, Result};
use super::path::ApiPath;

/// A base URL safe to print, plus the credentials its userinfo carried (if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    /// `scheme://host:port[/prefix]`, no userinfo, no trailing `/` or `/api`.
    pub base: String,
    pub url_credentials: Option<(String, Secret)>,
}

impl Endpoint {
    pub fn parse(raw: &str) -> Result<Self> {
        let mut url = Url::parse(raw.trim()).map_err(|e| BrokerError::InvalidUrl {
            url: redact_userinfo(raw),
            reason: e.to_string(),
        })?;
        let invalid = |reason: &str| BrokerError::InvalidUrl {
            url: redact_userinfo(raw),
            reason: reason.to_owned(),
        };
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid("the scheme must be http or https"));
        }
        if url.host_str().is_none() {
            return Err(invalid("no host"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("a base URL takes no query or fragment"));
        }
        let url_credentials = (!url.username().is_empty()).then(|| {
            let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
            let password = url.password().map(decode).unwrap_or_default();
            (decode(url.username()), Secret::new(password))
        });
        // Setting userinfo only fails for URLs that cannot have it, excluded above.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        let mut base = url.to_string();
        while base.ends_with('/') {
            base.pop();
        }
        if let Some(stripped) = base.strip_suffix("/api") {
            base = stripped.to_owned();
        }
        Ok(Endpoint {
            base,
            url_credentials,
        })
    }

    /// Plain HTTP: nothing sent here needs TLS.
    pub fn is_plain_http(&self) -> bool {
        self.base.starts_with("http://")
    }

    /// The full URL of `path` here; refuses names the URL parser would rewrite (`.`, `..`).
    pub fn url(&self, path: &ApiPath) -> Result<Url> {
        let text = format!("{}{}", self.base, path.to_request_target());
        let url = Url::parse(&text).map_err(|e| BrokerError::InvalidUrl {
            url: text.clone(),
            reason: e.to_string(),
        })?;
        if !url.path().ends_with(path.path()) {
            return Err(BrokerError::InvalidUrl {
                url: text,
                reason: "a name made only of dots cannot be addressed over HTTP".to_owned(),
            });
        }
        Ok(url)
    }

    /// What errors and logs show for `path`.
    pub fn display(&self, path: &ApiPath) -> String {
        format!("{}{}", self.base, path)
    }
}

/// A URL for messages when it could not even be parsed: drop everything before `@`.
fn redact_userinfo(raw: &str) -> String {
    match (raw.find("://"), raw.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}://***@{}", &raw[..scheme_end], &raw[at + 1..])
        }
        _ => raw.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_is_normalised() {
        for raw in [
            "http://h:15672",
            "http://h:15672/",
            "http://h:15672/api",
            "http://h:15672/api/",
        ] {
            assert_eq!(
                Endpoint::parse(raw).unwrap().base,
                "http://h:15672",
                "{raw}"
            );
        }
        let prefixed = Endpoint::parse("https://h/rabbitmq/").unwrap();
        assert_eq!(prefixed.base, "https://h/rabbitmq");
        let url = prefixed.url(&ApiPath::vhost("/")).unwrap();
        assert_eq!(url.as_str(), "https://h/rabbitmq/api/vhosts/%2F");
    }

    #[test]
    fn only_http_urls_are_plain() {
        assert!(Endpoint::parse("HTTP://h:15672").unwrap().is_plain_http());
        assert!(!Endpoint::parse("https://h:15671").unwrap().is_plain_http());
    }

    #[test]
    fn credentials_are_taken_out_of_the_url() {
        let endpoint = Endpoint::parse("http://ad%40min:s3cr%3At@h:15672").unwrap();
        assert_eq!(endpoint.base, "http://h:15672");
        let (user, password) = endpoint.url_credentials.unwrap();
        assert_eq!((user.as_str(), password.expose()), ("ad@min", "s3cr:t"));
        let err = Endpoint::parse("ftp://u:hunter2@h")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("hunter2"), "{err}");
        let err = Endpoint::parse("http://u:hunter2@")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn rejects_what_is_not_a_base_url() {
        assert!(Endpoint::parse("h:15672").is_err());
        assert!(Endpoint::parse("http://h:15672/?x=1").is_err());
        assert!(Endpoint::parse("not a url").is_err());
    }

    #[test]
    fn dot_names_cannot_be_addressed() {
        let endpoint = Endpoint::parse("http://h:15672").unwrap();
        for name in [".", ".."] {
            let err = endpoint.url(&ApiPath::vhost(name)).unwrap_err();
            assert!(matches!(err, BrokerError::InvalidUrl { .. }), "{name}");
        }
        assert!(endpoint.url(&ApiPath::vhost("...")).is_ok());
        let url = endpoint.url(&ApiPath::queue("/", "a b")).unwrap();
        assert_eq!(url.as_str(), "http://h:15672/api/queues/%2F/a%20b");
    }
}

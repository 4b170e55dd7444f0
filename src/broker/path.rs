//! Management API paths built from typed segments, each one percent-encoded on its own.

use std::fmt;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::model::DestinationType;

/// Everything but RFC 3986 unreserved characters, so a name can never split or end a path.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment or query component.
pub fn encode_segment(raw: &str) -> String {
    utf8_percent_encode(raw, SEGMENT).to_string()
}

/// The letter the API uses for a binding's destination in
/// `/api/bindings/{vhost}/e/{source}/{q|e}/...`.
fn letter(destination: DestinationType) -> &'static str {
    match destination {
        DestinationType::Queue => "q",
        DestinationType::Exchange => "e",
    }
}

/// A path below the API root, such as `/api/queues/%2F/q1?if-empty=true`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ApiPath {
    path: String,
    query: String,
}

impl ApiPath {
    /// `/api`
    pub fn root() -> Self {
        ApiPath {
            path: "/api".to_owned(),
            query: String::new(),
        }
    }

    /// `/api/{segments...}`, every segment encoded.
    pub fn new<'a>(segments: impl IntoIterator<Item = &'a str>) -> Self {
        segments.into_iter().fold(Self::root(), Self::segment)
    }

    /// Appends one encoded segment.
    pub fn segment(mut self, raw: &str) -> Self {
        self.path.push('/');
        self.path.push_str(&encode_segment(raw));
        self
    }

    /// Appends `key=value` to the query string, both encoded.
    pub fn query(mut self, key: &str, value: &str) -> Self {
        self.query
            .push(if self.query.is_empty() { '?' } else { '&' });
        self.query.push_str(&encode_segment(key));
        self.query.push('=');
        self.query.push_str(&encode_segment(value));
        self
    }

    /// The path without the query string (for logs and URL checks).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Path and query, ready to append to a base URL.
    pub fn to_request_target(&self) -> String {
        format!("{}{}", self.path, self.query)
    }

    pub fn overview() -> Self {
        Self::new(["overview"])
    }

    pub fn definitions() -> Self {
        Self::new(["definitions"])
    }

    pub fn vhosts() -> Self {
        Self::new(["vhosts"])
    }

    /// Every exchange of every vhost.
    pub fn exchanges() -> Self {
        Self::new(["exchanges"])
    }

    pub fn vhost(name: &str) -> Self {
        Self::new(["vhosts", name])
    }

    pub fn user(name: &str) -> Self {
        Self::new(["users", name])
    }

    pub fn user_limit(user: &str, limit: &str) -> Self {
        Self::new(["user-limits", user, limit])
    }

    pub fn vhost_limit(vhost: &str, limit: &str) -> Self {
        Self::new(["vhost-limits", vhost, limit])
    }

    pub fn permission(vhost: &str, user: &str) -> Self {
        Self::new(["permissions", vhost, user])
    }

    /// `PUT` sets one exchange's topic permission; `DELETE` removes all of the user's in the vhost.
    pub fn topic_permission(vhost: &str, user: &str) -> Self {
        Self::new(["topic-permissions", vhost, user])
    }

    pub fn exchange(vhost: &str, name: &str) -> Self {
        Self::new(["exchanges", vhost, name])
    }

    pub fn queue(vhost: &str, name: &str) -> Self {
        Self::new(["queues", vhost, name])
    }

    /// All queues, or one vhost's.
    pub fn queues(vhost: Option<&str>) -> Self {
        vhost.into_iter().fold(Self::new(["queues"]), Self::segment)
    }

    pub fn bindings() -> Self {
        Self::new(["bindings"])
    }

    /// `POST` target creating a binding from `source` to `destination`.
    pub fn binding_create(
        vhost: &str,
        source: &str,
        kind: DestinationType,
        destination: &str,
    ) -> Self {
        Self::new(["bindings", vhost, "e", source, letter(kind), destination])
    }

    /// One binding; `properties_key` must come from the live binding, never be computed.
    pub fn binding(
        vhost: &str,
        source: &str,
        kind: DestinationType,
        destination: &str,
        properties_key: &str,
    ) -> Self {
        Self::binding_create(vhost, source, kind, destination).segment(properties_key)
    }

    pub fn policy(vhost: &str, name: &str) -> Self {
        Self::new(["policies", vhost, name])
    }

    pub fn operator_policy(vhost: &str, name: &str) -> Self {
        Self::new(["operator-policies", vhost, name])
    }

    pub fn parameter(component: &str, vhost: &str, name: &str) -> Self {
        Self::new(["parameters", component, vhost, name])
    }

    pub fn global_parameter(name: &str) -> Self {
        Self::new(["global-parameters", name])
    }
}

impl fmt::Display for ApiPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.path, self.query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_vhost_is_encoded() {
        assert_eq!(ApiPath::queue("/", "q1").to_string(), "/api/queues/%2F/q1");
    }

    #[test]
    fn reserved_and_special_characters_are_encoded() {
        assert_eq!(encode_segment("a b"), "a%20b");
        assert_eq!(encode_segment("100%"), "100%25");
        assert_eq!(encode_segment("a#b"), "a%23b");
        assert_eq!(encode_segment("svc@host"), "svc%40host");
        assert_eq!(encode_segment("what?x=1&y"), "what%3Fx%3D1%26y");
        assert_eq!(encode_segment("a+b"), "a%2Bb");
        assert_eq!(encode_segment("a/b"), "a%2Fb");
        assert_eq!(encode_segment("q.name-1_x~"), "q.name-1_x~");
    }

    #[test]
    fn unicode_is_encoded_as_utf8() {
        assert_eq!(encode_segment("é"), "%C3%A9");
        assert_eq!(encode_segment("队列"), "%E9%98%9F%E5%88%97");
    }

    #[test]
    fn a_name_cannot_add_segments() {
        let path = ApiPath::permission("/prod", "ops/../admin");
        assert_eq!(path.path(), "/api/permissions/%2Fprod/ops%2F..%2Fadmin");
    }

    #[test]
    fn binding_paths() {
        let path = ApiPath::binding("/", "ex a", DestinationType::Queue, "q#1", "rk+2");
        assert_eq!(path.path(), "/api/bindings/%2F/e/ex%20a/q/q%231/rk%2B2");
        let path = ApiPath::binding_create("v", "s", DestinationType::Exchange, "d");
        assert_eq!(path.path(), "/api/bindings/v/e/s/e/d");
        assert_eq!(
            DestinationType::parse("queue"),
            Some(DestinationType::Queue)
        );
        assert_eq!(DestinationType::parse("stream"), None);
    }

    #[test]
    fn query_is_encoded_and_kept_apart() {
        let path = ApiPath::queue("/", "q")
            .query("if-empty", "true")
            .query("columns", "name,vhost");
        assert_eq!(path.path(), "/api/queues/%2F/q");
        assert_eq!(
            path.to_string(),
            "/api/queues/%2F/q?if-empty=true&columns=name%2Cvhost"
        );
        assert_eq!(ApiPath::queues(None).path(), "/api/queues");
        assert_eq!(ApiPath::queues(Some("/")).path(), "/api/queues/%2F");
    }
}

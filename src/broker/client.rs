//! `HttpBroker`: the management API over HTTP(S), with retries and endpoint failover.

use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::{Method, StatusCode};
use serde::de::{DeserializeOwned, DeserializeSeed};
use serde::Serialize;
use serde_json::Value;

use super::connection::{ConnectionSettings, Secret};
use super::endpoint::Endpoint;
use super::error::{reason_from_body, BrokerError, Result};
use super::path::ApiPath;
use super::tls;
use crate::format::uri_credentials::{decode_password, split_password};

/// How often and how patiently a request is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total tries per request, at least 1.
    pub attempts: u32,
    /// Delay before the second try; doubles each time, plus up to 50% jitter.
    pub base_delay: Duration,
}

impl Default for RetryPolicy {
    /// Six tries over about eight seconds (250 ms, doubling, plus jitter): long enough for a
    /// node restart's refused connections or a load balancer's 503s to pass.
    fn default() -> Self {
        RetryPolicy {
            attempts: 6,
            base_delay: Duration::from_millis(250),
        }
    }
}

/// A client for one cluster; cheap to share by reference across concurrent tasks.
#[derive(Debug)]
pub struct HttpBroker {
    client: reqwest::Client,
    endpoints: Vec<Endpoint>,
    user: String,
    password: Secret,
    /// Index of the endpoint that answered last; the next request starts there.
    preferred: AtomicUsize,
    requests: AtomicU64,
    retry: RetryPolicy,
    /// `--timeout`: how long one request may take (a definitions import gets it per
    /// `IMPORT_OBJECTS_PER_TIMEOUT` objects).
    timeout: Duration,
}

/// A definitions import gets one `--timeout` per this many objects: a loaded node imports a
/// few hundred a second, and an import cut off by the timeout only has to be sent again.
pub const IMPORT_OBJECTS_PER_TIMEOUT: usize = 1000;

/// Why one try failed, before deciding whether to try again.
enum Failure {
    /// The broker answered with a non-2xx status.
    Status {
        url: String,
        status: StatusCode,
        body: Bytes,
    },
    /// No endpoint accepted a connection: the request was never sent.
    Unreachable(String),
    /// Sent, but the connection broke before the answer was complete.
    Interrupted {
        url: String,
        message: String,
    },
    Timeout {
        url: String,
    },
    Fatal(BrokerError),
}

impl Failure {
    /// Every request warren sends is safe to repeat: PUTs and DELETEs are idempotent, and
    /// its POSTs create a binding (the same binding again is no change) or import
    /// definitions of objects that do not exist yet. A timeout is not tried again: every
    /// endpoint already had its `--timeout`.
    fn retryable(&self, read: bool) -> bool {
        match self {
            // Khepri without quorum (4.x) refused the write before doing any of it.
            Failure::Status { body, .. } if metadata_store_unavailable(body) => true,
            // 3.10 answers reads with 500 while a stream is being declared or deleted; 4.x
            // answers a vhost PUT or DELETE that timed out waiting for its metadata store.
            Failure::Status { status, body, .. } if status.as_u16() == 500 => {
                read || timed_out(body)
            }
            Failure::Status { status, .. } => is_transient(*status),
            Failure::Unreachable(_) | Failure::Interrupted { .. } => true,
            Failure::Timeout { .. } | Failure::Fatal(_) => false,
        }
    }

    fn describe(&self) -> String {
        match self {
            Failure::Status { url, status, .. } => format!("{url}: HTTP {status}"),
            Failure::Unreachable(message) => message.clone(),
            Failure::Interrupted { url, message } => format!("{url}: {message}"),
            Failure::Timeout { url } => format!("{url}: timed out"),
            Failure::Fatal(err) => err.to_string(),
        }
    }
}

impl HttpBroker {
    pub fn new(settings: &ConnectionSettings) -> Result<Self> {
        if settings.urls.is_empty() {
            return Err(BrokerError::InvalidUrl {
                url: String::new(),
                reason: "no management URL given".to_owned(),
            });
        }
        let endpoints = settings
            .urls
            .iter()
            .map(|url| Endpoint::parse(url))
            .collect::<Result<Vec<_>>>()?;
        tls::install_crypto_provider();
        let builder = reqwest::Client::builder()
            .tls_backend_rustls()
            .connect_timeout(settings.timeout)
            .timeout(settings.timeout)
            .user_agent(concat!("warren/", env!("CARGO_PKG_VERSION")));
        // No endpoint speaks TLS: reading the system's CA directory would be wasted.
        let plain = endpoints.iter().all(Endpoint::is_plain_http) && settings.ca_cert.is_none();
        let builder = if plain {
            builder.tls_certs_only([])
        } else {
            builder
        };
        let client = tls::configure(builder, settings)?
            .build()
            .map_err(|e| BrokerError::Tls {
                reason: error_chain(&e),
            })?;
        Ok(HttpBroker {
            client,
            endpoints,
            user: settings.user.clone(),
            password: settings.password.clone(),
            preferred: AtomicUsize::new(0),
            requests: AtomicU64::new(0),
            retry: RetryPolicy::default(),
            timeout: settings.timeout,
        })
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = RetryPolicy {
            attempts: retry.attempts.max(1),
            ..retry
        };
        self
    }

    /// HTTP requests sent so far, retries and failovers included.
    pub fn request_count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// The base URL requests currently go to (no credentials).
    pub fn current_url(&self) -> &str {
        &self.endpoints[self.preferred.load(Ordering::Relaxed)].base
    }

    pub async fn get_json<T: DeserializeOwned>(&self, path: &ApiPath) -> Result<T> {
        self.get_body(path).await?.read(PhantomData)
    }

    /// A GET's JSON answer, kept as bytes until what reads it is ready.
    pub async fn get_body(&self, path: &ApiPath) -> Result<JsonBody> {
        let (url, bytes) = self.send(Method::GET, path, None, self.timeout).await?;
        Ok(JsonBody { url, bytes })
    }

    pub async fn put_json<B: Serialize + ?Sized>(&self, path: &ApiPath, body: &B) -> Result<()> {
        let body = to_json(path, body)?;
        self.send(Method::PUT, path, Some(&body), self.timeout)
            .await
            .map(drop)
    }

    /// Retried like every request (warren's POSTs are safe to repeat, see `Failure::retryable`).
    pub async fn post_json<B: Serialize + ?Sized>(&self, path: &ApiPath, body: &B) -> Result<()> {
        let body = to_json(path, body)?;
        self.send(Method::POST, path, Some(&body), self.timeout)
            .await
            .map(drop)
    }

    /// `POST /api/definitions` of `objects` objects, with a timeout that grows with them.
    pub async fn import_definitions<B: Serialize + ?Sized>(
        &self,
        body: &B,
        objects: usize,
    ) -> Result<()> {
        let path = ApiPath::definitions();
        let body = to_json(&path, body)?;
        let timeouts = objects.div_ceil(IMPORT_OBJECTS_PER_TIMEOUT).max(1);
        let timeout = self.timeout.saturating_mul(timeouts as u32);
        self.send(Method::POST, &path, Some(&body), timeout)
            .await
            .map(drop)
    }

    /// Query parameters such as `if-empty=true` go on the path.
    pub async fn delete(&self, path: &ApiPath) -> Result<()> {
        self.send(Method::DELETE, path, None, self.timeout)
            .await
            .map(drop)
    }

    async fn send(
        &self,
        method: Method,
        path: &ApiPath,
        body: Option<&Bytes>,
        timeout: Duration,
    ) -> Result<(String, Bytes)> {
        let mut attempt = 1;
        loop {
            let failure = match self.try_endpoints(&method, path, body, timeout).await {
                Ok(answer) => return Ok(answer),
                Err(failure) => failure,
            };
            if attempt >= self.retry.attempts || !failure.retryable(method == Method::GET) {
                return Err(self.give_up(failure, &method, body));
            }
            let delay = backoff(self.retry.base_delay, attempt);
            tracing::debug!(%method, path = path.path(), attempt, ?delay, reason = %failure.describe(), "retrying");
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    fn give_up(&self, failure: Failure, method: &Method, body: Option<&Bytes>) -> BrokerError {
        let method = method.to_string();
        match failure {
            Failure::Status {
                url,
                status,
                body: answer,
            } => BrokerError::Http {
                method,
                url,
                status: status.as_u16(),
                reason: redact(reason_from_body(&answer), body.map(|b| &b[..])),
            },
            Failure::Unreachable(message) => BrokerError::Unreachable {
                urls: self.endpoints.iter().map(|e| e.base.clone()).collect(),
                message,
            },
            Failure::Interrupted { url, message } => BrokerError::Interrupted {
                method,
                url,
                message,
            },
            Failure::Timeout { url } => BrokerError::Timeout { method, url },
            Failure::Fatal(err) => err,
        }
    }

    /// One try: endpoints in order from the preferred one, moving on from one that refuses
    /// the connection, breaks it, or does not answer within `--timeout`; the first answer,
    /// whatever its status, ends the try.
    async fn try_endpoints(
        &self,
        method: &Method,
        path: &ApiPath,
        body: Option<&Bytes>,
        timeout: Duration,
    ) -> std::result::Result<(String, Bytes), Failure> {
        let count = self.endpoints.len();
        let start = self.preferred.load(Ordering::Relaxed);
        let mut refused = Vec::new();
        let mut worst: Option<Failure> = None;
        for index in (0..count).map(|i| (start + i) % count) {
            let endpoint = &self.endpoints[index];
            let display = endpoint.display(path);
            let url = endpoint.url(path).map_err(Failure::Fatal)?;
            let (user, password) = match &endpoint.url_credentials {
                Some((user, password)) if self.user.is_empty() => (user, password),
                _ => (&self.user, &self.password),
            };
            let mut request = self
                .client
                .request(method.clone(), url)
                .timeout(timeout)
                .basic_auth(user, Some(password.expose()));
            if let Some(body) = body {
                // Bytes are shared, not copied: a large import is serialized once for all tries.
                request = request
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }
            self.requests.fetch_add(1, Ordering::Relaxed);
            let started = Instant::now();
            let outcome = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    // Kept as received: a copy would double a large answer while it is parsed.
                    response.bytes().await.map(|b| (status, b))
                }
                Err(e) => Err(e),
            };
            let elapsed_ms = started.elapsed().as_millis() as u64;
            match outcome {
                Ok((status, bytes)) => {
                    tracing::debug!(%method, path = path.path(), status = status.as_u16(), elapsed_ms, endpoint = %endpoint.base);
                    self.preferred.store(index, Ordering::Relaxed);
                    if status.is_success() {
                        return Ok((display, bytes));
                    }
                    if status == StatusCode::UNAUTHORIZED {
                        return Err(Failure::Fatal(BrokerError::Unauthorized {
                            method: method.to_string(),
                            url: display,
                            user: user.clone(),
                        }));
                    }
                    let (url, body) = (display, bytes);
                    return Err(Failure::Status { url, status, body });
                }
                Err(e) => {
                    let message = error_chain(&e);
                    tracing::debug!(%method, path = path.path(), error = %message, elapsed_ms, endpoint = %endpoint.base);
                    if let Some(reason) = tls::failure_reason(&endpoint.base, &message) {
                        return Err(Failure::Fatal(BrokerError::Tls { reason }));
                    }
                    if e.is_connect() {
                        refused.push(format!("{}: {message}", endpoint.base));
                        continue;
                    }
                    // The next endpoint may answer; a timeout outranks a broken connection.
                    let failure = if e.is_timeout() {
                        Failure::Timeout { url: display }
                    } else {
                        Failure::Interrupted {
                            url: display,
                            message,
                        }
                    };
                    if !matches!(worst, Some(Failure::Timeout { .. })) {
                        worst = Some(failure);
                    }
                }
            }
        }
        Err(worst.unwrap_or_else(|| Failure::Unreachable(refused.join("; "))))
    }
}

/// 4.x's answer while its metadata store has no quorum ("Please try again").
fn metadata_store_unavailable(body: &[u8]) -> bool {
    reason_from_body(body).contains("Metadata store is unavailable")
}

/// `{"error":"timeout", ...}`: the broker gave up waiting, nothing was changed.
fn timed_out(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body)
        .is_ok_and(|v| v.get("error").and_then(Value::as_str) == Some("timeout"))
}

/// 502/503/504: a proxy or a booting node; worth another try.
fn is_transient(status: StatusCode) -> bool {
    matches!(status.as_u16(), 502..=504)
}

fn backoff(base: Duration, attempt: u32) -> Duration {
    let exponential = base.saturating_mul(1 << (attempt - 1).min(16));
    let jitter_ms = rand::random::<u64>() % (exponential.as_millis() as u64 / 2 + 1);
    exponential + Duration::from_millis(jitter_ms)
}

/// An answer's body and where it came from, for the error if it is not the JSON expected.
pub struct JsonBody {
    url: String,
    bytes: Bytes,
}

impl JsonBody {
    /// Parses the body with `seed`, which can take the document apart as it goes.
    pub fn read<'de, S: DeserializeSeed<'de>>(&'de self, seed: S) -> Result<S::Value> {
        // Checked as UTF-8 once, the parser need not check every string again; a body that is
        // not UTF-8 is parsed as bytes, for the parser's own account of where it goes wrong.
        let parsed = match std::str::from_utf8(&self.bytes) {
            Ok(text) => parse_with(serde_json::Deserializer::from_str(text), seed),
            Err(_) => parse_with(serde_json::Deserializer::from_slice(&self.bytes), seed),
        };
        parsed.map_err(|e| BrokerError::Decode {
            url: self.url.clone(),
            reason: not_json_reason(&self.bytes, &e),
        })
    }
}

/// The whole input read by `seed`, with nothing but whitespace after it.
fn parse_with<'de, R: serde_json::de::Read<'de>, S: DeserializeSeed<'de>>(
    mut parser: serde_json::Deserializer<R>,
    seed: S,
) -> serde_json::Result<S::Value> {
    let value = seed.deserialize(&mut parser)?;
    parser.end()?;
    Ok(value)
}

/// Why an answer is not what was expected, naming an HTML page (a proxy's login or error
/// page, a wrong URL) by its title rather than by the JSON parser's first complaint.
fn not_json_reason(body: &[u8], err: &serde_json::Error) -> String {
    let text = String::from_utf8_lossy(body);
    if !text.trim_start().starts_with('<') {
        return err.to_string();
    }
    let title = text
        .split_once("<title>")
        .and_then(|(_, rest)| rest.split_once("</title>"))
        .map(|(title, _)| {
            let shown = title.trim().chars().filter(|c| !c.is_control());
            shown.take(80).collect::<String>()
        })
        .filter(|title| !title.is_empty());
    match title {
        Some(title) => format!(
            "an HTML page (\"{title}\") came back instead of JSON; is this the management API's URL?"
        ),
        None => "an HTML page came back instead of JSON; is this the management API's URL?"
            .to_string(),
    }
}

/// A request's body as the JSON text sent, written straight from `body` with no tree between.
fn to_json<B: Serialize + ?Sized>(path: &ApiPath, body: &B) -> Result<Bytes> {
    serde_json::to_vec(body)
        .map(Bytes::from)
        .map_err(|e| BrokerError::Decode {
            url: path.to_string(),
            reason: format!("cannot encode the request body: {e}"),
        })
}

/// The error and its causes on one line, without reqwest's and hyper's generic wrappers.
fn error_chain(err: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source: Option<&dyn std::error::Error> = Some(err);
    while let Some(cause) = source {
        let text = cause.to_string();
        let generic =
            text.starts_with("error sending request") || text.starts_with("client error (");
        if !generic && !parts.last().is_some_and(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    if parts.is_empty() {
        return err.to_string();
    }
    parts.join(": ")
}

/// Hides any password or hash the request carried should the broker echo it (the body is
/// read again only on this path, an error's).
fn redact(mut reason: String, body: Option<&[u8]>) -> String {
    let mut secrets = Vec::new();
    if let Some(Ok(body)) = body.map(serde_json::from_slice::<Value>) {
        collect_secrets(&body, &mut secrets);
    }
    for secret in secrets.into_iter().filter(|s| !s.is_empty()) {
        reason = reason.replace(&secret, "***");
    }
    reason
}

fn collect_secrets(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match value {
                    Value::String(s) if key.contains("password") => out.push(s.clone()),
                    other => collect_secrets(other, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_secrets(v, out)),
        // A shovel or federation URI's password, as written and decoded.
        Value::String(s) => {
            if let Some((_, encoded)) = split_password(s) {
                out.extend(decode_password(&encoded));
                out.push(encoded);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;

//! `HttpBroker` against a scripted in-process HTTP server (fault injection only).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

use super::*;
use crate::model::DestinationType;

/// One scripted answer: `None` means accept and never reply (a hung node); status 0 means
/// close the connection without an answer (a reset).
type Reply = Option<(u16, &'static str)>;

/// A one-thread HTTP/1.1 server answering each connection with the next scripted reply.
struct FakeServer {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl FakeServer {
    fn start(replies: Vec<Reply>) -> Self {
        Self::answering_after(Duration::ZERO, replies)
    }

    /// Each reply sent `delay` after its request arrived.
    fn answering_after(delay: Duration, replies: Vec<Reply>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            let mut hung = Vec::new();
            for reply in replies {
                let Ok((stream, _)) = listener.accept() else {
                    return;
                };
                let request = read_request(&stream);
                log.lock().unwrap().push(request);
                std::thread::sleep(delay);
                match reply {
                    Some((status, body)) => respond(stream, status, body),
                    None => hung.push(stream),
                }
            }
            std::thread::sleep(Duration::from_secs(5));
        });
        FakeServer { url, seen }
    }

    fn requests(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

/// Request line, headers and body as text.
fn read_request(stream: &TcpStream) -> String {
    let mut reader = BufReader::new(stream);
    let mut text = String::new();
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap();
        }
        text.push_str(&line);
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    text + &String::from_utf8_lossy(&body)
}

fn respond(mut stream: TcpStream, status: u16, body: &str) {
    if status == 0 {
        return;
    }
    let head = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body.as_bytes());
}

/// A URL nothing listens on.
fn closed_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", listener.local_addr().unwrap())
}

fn client(urls: Vec<String>) -> HttpBroker {
    let mut settings = ConnectionSettings::new(urls, "warren", "hunter2");
    settings.timeout = Duration::from_millis(300);
    HttpBroker::new(&settings).unwrap().with_retry(RetryPolicy {
        attempts: 3,
        base_delay: Duration::from_millis(5),
    })
}

#[tokio::test]
async fn get_sends_encoded_path_and_basic_auth() {
    let server = FakeServer::start(vec![Some((200, r#"{"name":"a b"}"#))]);
    let broker = client(vec![server.url.clone()]);
    let value: serde_json::Value = broker.get_json(&ApiPath::vhost("a b/c")).await.unwrap();
    assert_eq!(value, json!({"name": "a b"}));
    let request = &server.requests()[0];
    assert!(
        request.starts_with("GET /api/vhosts/a%20b%2Fc HTTP/1.1"),
        "{request}"
    );
    // base64("warren:hunter2")
    assert!(request.contains("d2FycmVuOmh1bnRlcjI="), "{request}");
    assert_eq!(broker.request_count(), 1);
}

#[tokio::test]
async fn idempotent_requests_retry_on_503() {
    let server = FakeServer::start(vec![Some((503, "busy")), Some((204, ""))]);
    let broker = client(vec![server.url.clone()]);
    broker
        .put_json(&ApiPath::vhost("v"), &json!({}))
        .await
        .unwrap();
    assert_eq!(broker.request_count(), 2);
}

/// RabbitMQ 4.x answers while Khepri has no quorum; the bodies are as rabbit_definitions and
/// rabbit_mgmt_wm_vhost build them (4.1 to 4.3 source, see tests/recorded/README.md).
const STORE_UNAVAILABLE: &str =
    r#"{"error":"bad_request","reason":"Metadata store is unavailable. Please try again."}"#;
const STORE_TIMEOUT: &str =
    r#"{"error":"timeout","reason":"Timed out waiting for the vhost to initialise"}"#;

#[tokio::test]
async fn an_unavailable_metadata_store_is_retried_even_for_a_post() {
    let server = FakeServer::start(vec![Some((400, STORE_UNAVAILABLE)), Some((204, ""))]);
    let broker = client(vec![server.url.clone()]);
    broker
        .post_json(&ApiPath::definitions(), &json!({}))
        .await
        .unwrap();
    assert_eq!(broker.request_count(), 2);
    let server = FakeServer::start(vec![Some((500, STORE_TIMEOUT)), Some((201, ""))]);
    let broker = client(vec![server.url.clone()]);
    broker
        .put_json(&ApiPath::vhost("v"), &json!({}))
        .await
        .unwrap();
    assert_eq!(broker.request_count(), 2);
}

#[tokio::test]
async fn other_refusals_are_not_retried() {
    let refusal = r#"{"error":"bad_request","reason":"inequivalent arg 'durable'"}"#;
    let server = FakeServer::start(vec![Some((400, refusal)), Some((204, ""))]);
    let broker = client(vec![server.url.clone()]);
    let err = broker
        .put_json(&ApiPath::queue("v", "q"), &json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert_eq!(broker.request_count(), 1);
}

#[tokio::test]
async fn posts_are_retried_too() {
    // Creating a binding again is no change: a POST of warren's is safe to repeat.
    let server = FakeServer::start(vec![Some((503, "busy")), None, Some((201, ""))]);
    let broker = client(vec![server.url.clone()]);
    let path = ApiPath::binding_create("v", "e", DestinationType::Queue, "q");
    let err = broker.post_json(&path, &json!({})).await;
    assert!(matches!(err, Err(BrokerError::Timeout { .. })), "{err:?}");
    assert_eq!(
        broker.request_count(),
        2,
        "a 503, then a timeout, which ends it"
    );
    let server = FakeServer::start(vec![Some((503, "busy")), Some((502, "")), Some((201, ""))]);
    let broker = client(vec![server.url.clone()]);
    broker.post_json(&path, &json!({})).await.unwrap();
    assert_eq!(broker.request_count(), 3);
}

#[tokio::test]
async fn fails_over_and_remembers_the_working_endpoint() {
    let server = FakeServer::start(vec![Some((200, "{}")), Some((200, "{}"))]);
    let broker = client(vec![closed_url(), server.url.clone()]);
    let _: serde_json::Value = broker.get_json(&ApiPath::overview()).await.unwrap();
    assert_eq!(broker.request_count(), 2);
    assert_eq!(broker.current_url(), server.url);
    broker.delete(&ApiPath::queue("/", "q")).await.unwrap();
    assert_eq!(broker.request_count(), 3);
}

#[tokio::test]
async fn unreachable_names_every_endpoint_without_credentials() {
    let (a, b) = (closed_url(), closed_url());
    let creds = a.replace("http://", "http://u:s3cret@");
    let broker = client(vec![creds, b.clone()]);
    let err = broker
        .get_json::<serde_json::Value>(&ApiPath::overview())
        .await;
    let err = err.unwrap_err();
    let BrokerError::Unreachable { urls, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(urls, &[a, b]);
    assert!(!err.to_string().contains("s3cret"));
    assert_eq!(broker.request_count(), 6);
}

#[tokio::test]
async fn a_hung_node_costs_one_timeout_before_the_next_serves() {
    let hung = FakeServer::start(vec![None]);
    let healthy = FakeServer::start(vec![Some((200, "[]")), Some((200, "[]"))]);
    let broker = client(vec![hung.url.clone(), healthy.url.clone()]);
    let started = std::time::Instant::now();
    let queues: Vec<serde_json::Value> = broker.get_json(&ApiPath::queues(None)).await.unwrap();
    assert!(queues.is_empty());
    assert_eq!(broker.request_count(), 2);
    // One --timeout (300 ms here) for the hung node, then the healthy one answers, and it
    // is where the next request starts.
    assert!(
        started.elapsed() < Duration::from_millis(600),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(broker.current_url(), healthy.url);
    let _: serde_json::Value = broker.get_json(&ApiPath::queues(None)).await.unwrap();
    assert_eq!(broker.request_count(), 3);
}

#[tokio::test]
async fn a_timeout_everywhere_is_not_tried_again() {
    let server = FakeServer::start(vec![None, Some((200, "[]"))]);
    let broker = client(vec![server.url.clone()]);
    let err = broker.post_json(&ApiPath::definitions(), &json!({})).await;
    assert!(matches!(err, Err(BrokerError::Timeout { .. })), "{err:?}");
    assert_eq!(broker.request_count(), 1);
}

#[tokio::test]
async fn a_large_import_gets_a_timeout_per_thousand_objects() {
    // Answers take 700 ms; the timeout is 300 ms.
    let slow = || FakeServer::answering_after(Duration::from_millis(700), vec![Some((204, ""))]);
    let small = slow();
    let err = client(vec![small.url.clone()])
        .import_definitions(&json!({}), 1000)
        .await;
    assert!(matches!(err, Err(BrokerError::Timeout { .. })), "{err:?}");
    let large = slow();
    client(vec![large.url.clone()])
        .import_definitions(&json!({}), 3001)
        .await
        .expect("four timeouts (1.2 s) for 3,001 objects");
    let request = &large.requests()[0];
    assert!(request.starts_with("POST /api/definitions "), "{request}");
    assert!(
        request
            .to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{request}"
    );
    assert!(request.ends_with("{}"), "{request}");
}

#[tokio::test]
async fn a_broken_connection_is_not_called_unreachable() {
    let server = FakeServer::start(vec![Some((0, "")), Some((0, "")), Some((0, ""))]);
    let mut broker = client(vec![server.url.clone()]);
    broker = broker.with_retry(RetryPolicy {
        attempts: 3,
        base_delay: Duration::from_millis(5),
    });
    let err = broker
        .get_json::<serde_json::Value>(&ApiPath::overview())
        .await
        .unwrap_err();
    assert!(matches!(err, BrokerError::Interrupted { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("the connection broke before the answer was complete"),
        "{err}"
    );
    assert_eq!(broker.request_count(), 3, "retried");
}

#[tokio::test]
async fn http_errors_carry_the_reason_and_never_the_password() {
    let echo = r#"{"error":"bad_request","reason":"bad user {password,<<\"p@ss\">>} hash abc="}"#;
    let server = FakeServer::start(vec![Some((400, echo))]);
    let broker = client(vec![server.url.clone()]);
    let body = json!({"password": "p@ss", "password_hash": "abc=", "tags": ""});
    let err = broker
        .put_json(&ApiPath::user("u"), &body)
        .await
        .unwrap_err();
    let BrokerError::Http {
        status,
        reason,
        url,
        method,
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!((*status, method.as_str()), (400, "PUT"));
    assert_eq!(url, &format!("{}/api/users/u", server.url));
    assert_eq!(reason, r#"bad user {password,<<"***">>} hash ***"#);
    assert_eq!(broker.request_count(), 1);
}

#[tokio::test]
async fn delete_keeps_its_query_and_404_is_not_found() {
    let server = FakeServer::start(vec![Some((
        404,
        r#"{"error":"Object Not Found","reason":"Not Found"}"#,
    ))]);
    let broker = client(vec![server.url.clone()]);
    let path = ApiPath::queue("/", "q").query("if-empty", "true");
    let err = broker.delete(&path).await.unwrap_err();
    assert!(err.is_not_found());
    assert!(server.requests()[0].starts_with("DELETE /api/queues/%2F/q?if-empty=true "));
}

#[tokio::test]
async fn undecodable_bodies_are_decode_errors() {
    let server = FakeServer::start(vec![Some((200, "<html>"))]);
    let broker = client(vec![server.url.clone()]);
    let err = broker
        .get_json::<serde_json::Value>(&ApiPath::overview())
        .await;
    assert!(matches!(err, Err(BrokerError::Decode { .. })), "{err:?}");
}

#[test]
fn settings_errors() {
    let none = ConnectionSettings::new(vec![], "u", "p");
    assert!(matches!(
        HttpBroker::new(&none),
        Err(BrokerError::InvalidUrl { .. })
    ));
    let mut half = ConnectionSettings::new(vec!["https://h".into()], "u", "p");
    half.client_cert = Some("/nonexistent.pem".into());
    assert!(matches!(
        HttpBroker::new(&half),
        Err(BrokerError::Tls { .. })
    ));
    let mut missing = ConnectionSettings::new(vec!["https://h".into()], "u", "p");
    missing.ca_cert = Some("/nonexistent/ca.pem".into());
    let err = HttpBroker::new(&missing).unwrap_err().to_string();
    assert!(err.contains("/nonexistent/ca.pem"), "{err}");
}

#[test]
fn backoff_doubles() {
    let base = Duration::from_millis(200);
    let first = backoff(base, 1);
    assert!(first >= base && first <= base * 3 / 2, "{first:?}");
    let third = backoff(base, 3);
    assert!(third >= base * 4 && third <= base * 6, "{third:?}");
}

#[test]
fn a_uri_password_the_broker_echoes_in_its_reason_is_hidden() {
    let body = json!({ "value": { "src-uri": ["amqp://u:p%40ss@h?heartbeat=x"], "n": 1 } });
    let reason = "\"amqp://u:p%40ss@h?heartbeat=x\" not a valid URI (p@ss)".to_string();
    assert_eq!(
        redact(reason, Some(&serde_json::to_vec(&body).unwrap())),
        "\"amqp://u:***@h?heartbeat=x\" not a valid URI (***)"
    );
}

#[test]
fn a_body_is_read_as_text_or_refused_with_the_parsers_reason_when_it_is_not_utf8() {
    let body = |bytes: &[u8]| JsonBody {
        url: "http://broker/api/definitions".to_string(),
        bytes: Bytes::copy_from_slice(bytes),
    };
    let read = |b: &JsonBody| b.read(std::marker::PhantomData::<Vec<String>>);
    assert_eq!(read(&body(br#"["a", "\u00e9"]"#)).unwrap(), ["a", "é"]);
    let Err(BrokerError::Decode { reason, .. }) = read(&body(b"[\"a\xff\"]")) else {
        panic!("a body that is not UTF-8 must be refused");
    };
    assert!(reason.contains("line 1 column"), "{reason}");
    let Err(BrokerError::Decode { reason, .. }) = read(&body(br#"["a"] x"#)) else {
        panic!("trailing characters must be refused");
    };
    assert!(reason.contains("trailing characters"), "{reason}");
}

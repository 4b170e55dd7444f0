//! A loopback HTTP proxy in front of a node's management port that injects faults into the
//! requests a rule matches: delays (a write that lands late), resets, error answers, stalls.
//! Each request gets a connection of its own to the node; the answer closes the connection.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// What happens to a matching request.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Forwarded after this long.
    Delay(Duration),
    /// The connection is closed without an answer.
    Reset,
    /// Answered by the proxy with this status and a JSON error body; not forwarded.
    Status(u16),
    /// Never answered (the connection stays open until the proxy stops).
    Stall,
    /// Answered `201 Created` by the proxy, never forwarded: the broker never sees it.
    Swallow,
    /// Forwarded, but only the first half of the node's answer comes back.
    Truncate,
    /// Answered by the proxy with this status and an HTML page, as a load balancer does.
    Html(u16),
    /// Answered `200 OK` by the proxy with this JSON, not forwarded: an answer as the node
    /// gives it at a moment a test cannot bring about (a statistic one interval late).
    Answer(String),
}

/// A fault for requests whose first line contains `matching`: every `every`-th of them
/// (1: each one), at most `times` times, and none once a request whose first line contains
/// `until` has come.
#[derive(Clone, Debug)]
pub struct Rule {
    pub matching: String,
    pub fault: Fault,
    pub every: usize,
    pub times: usize,
    pub until: Option<String>,
    /// How many requests containing `until` pass before the rule stops (0: the first stops it).
    pub until_after: usize,
}

impl Rule {
    /// The fault for the first `times` matching requests.
    pub fn first(matching: &str, fault: Fault, times: usize) -> Rule {
        Rule {
            matching: matching.to_string(),
            fault,
            every: 1,
            times,
            until: None,
            until_after: 0,
        }
    }

    /// The fault for every matching request until one containing `until` comes.
    pub fn until(matching: &str, fault: Fault, until: &str) -> Rule {
        Rule::until_nth(matching, fault, until, 1)
    }

    /// The fault for every matching request until the `nth` one containing `until` comes.
    pub fn until_nth(matching: &str, fault: Fault, until: &str, nth: usize) -> Rule {
        Rule {
            until: Some(until.to_string()),
            until_after: nth.saturating_sub(1),
            ..Rule::first(matching, fault, usize::MAX)
        }
    }
}

/// Per rule: faults left to give, matching requests seen, `until` requests left to pass.
type Left = (AtomicUsize, AtomicUsize, AtomicUsize);

pub struct FaultProxy {
    pub port: u16,
    /// Requests whose rule fired.
    pub faults: Arc<AtomicUsize>,
}

impl FaultProxy {
    pub fn start(upstream: u16, rules: Vec<Rule>) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let faults = Arc::new(AtomicUsize::new(0));
        let left: Arc<Vec<Left>> = Arc::new(
            rules
                .iter()
                .map(|r| {
                    let times = AtomicUsize::new(r.times);
                    (times, AtomicUsize::new(0), AtomicUsize::new(r.until_after))
                })
                .collect(),
        );
        let rules = Arc::new(rules);
        let fired = Arc::clone(&faults);
        std::thread::spawn(move || {
            for client in listener.incoming().map_while(Result::ok) {
                let (rules, left, fired) =
                    (Arc::clone(&rules), Arc::clone(&left), Arc::clone(&fired));
                std::thread::spawn(move || serve(client, upstream, &rules, &left, &fired));
            }
        });
        FaultProxy { port, faults }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

fn serve(client: TcpStream, upstream: u16, rules: &[Rule], left: &[Left], fired: &AtomicUsize) {
    let Some(request) = read_request(&client) else {
        return;
    };
    let first_line =
        String::from_utf8_lossy(request.split(|b| *b == b'\n').next().unwrap_or(&[])).to_string();
    for (i, r) in rules.iter().enumerate() {
        if r.until.as_ref().is_some_and(|u| first_line.contains(u)) {
            let passing = &left[i].2;
            if passing
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_err()
            {
                left[i].0.store(0, Ordering::SeqCst);
            }
        }
    }
    let rule = rules.iter().enumerate().find(|(i, r)| {
        if !first_line.contains(&r.matching) {
            return false;
        }
        let (times, seen, _) = &left[*i];
        let nth = seen.fetch_add(1, Ordering::SeqCst) + 1;
        nth % r.every.max(1) == 0
            && times
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
    });
    let mut client = client;
    if let Some((_, rule)) = rule {
        fired.fetch_add(1, Ordering::SeqCst);
        match &rule.fault {
            Fault::Delay(by) => std::thread::sleep(*by),
            Fault::Reset => return,
            Fault::Status(code) => {
                let body = format!(
                    "{{\"error\":\"injected\",\"reason\":\"fault proxy answered {code}\"}}"
                );
                let _ = write!(
                    client,
                    "HTTP/1.1 {code} Injected\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                return;
            }
            Fault::Stall => {
                std::thread::sleep(Duration::from_secs(600));
                return;
            }
            Fault::Html(code) => {
                let body = format!("<html><head><title>{code} Bad Gateway</title></head><body><center><h1>{code}</h1></center></body></html>");
                let _ = write!(
                    client,
                    "HTTP/1.1 {code} Bad Gateway\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                return;
            }
            Fault::Truncate => {
                if let Some(answer) = forward(&request, upstream) {
                    let _ = client.write_all(&answer[..answer.len() / 2]);
                }
                return;
            }
            Fault::Answer(body) => {
                let _ = write!(
                    client,
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                return;
            }
            Fault::Swallow => {
                let _ = write!(
                    client,
                    "HTTP/1.1 201 Created\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                );
                return;
            }
        }
    }
    if let Some(answer) = forward(&request, upstream) {
        let _ = client.write_all(&answer);
    }
}

/// The node's whole answer to `request`.
fn forward(request: &[u8], upstream: u16) -> Option<Vec<u8>> {
    let mut node = TcpStream::connect(("127.0.0.1", upstream)).ok()?;
    node.write_all(request).ok()?;
    let mut answer = Vec::new();
    node.read_to_end(&mut answer).ok()?;
    Some(answer)
}

/// One request, with `connection: close` so that the node ends its answer with EOF.
fn read_request(stream: &TcpStream) -> Option<Vec<u8>> {
    let mut reader = BufReader::new(stream);
    let mut head = Vec::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("content-length:") {
            length = value.trim().parse().ok()?;
        }
        if lower.starts_with("connection:") {
            continue;
        }
        if line == "\r\n" {
            head.extend_from_slice(b"connection: close\r\n\r\n");
            break;
        }
        head.extend_from_slice(line.as_bytes());
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).ok()?;
    head.extend_from_slice(&body);
    Some(head)
}

//! Empty nodes lent to one test at a time. Emptying a node through its API takes well under
//! a second; booting one takes several seconds of CPU, which the whole suite shares.
//!
//! An emptied node is what a fresh one is to these tests: only an empty `/`, `guest`/`guest`
//! (administrator, all permissions on `/`), no connections and no global parameters but
//! the node's own. `guest` does the emptying: a test that took its login away leaves a
//! node the pool replaces with a new one.

use std::ops::Deref;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use serde_json::Value;

use super::node::{curl, encode, BrokerNode};

const ALL: &str = r#"{"configure":".*","write":".*","read":".*"}"#;

/// A node of the pool, emptied for the test that holds it.
pub struct Lent {
    slot: MutexGuard<'static, Option<BrokerNode>>,
}

impl Deref for Lent {
    type Target = BrokerNode;
    fn deref(&self) -> &BrokerNode {
        self.slot.as_ref().expect("a lent slot holds a node")
    }
}

/// How many nodes the pool boots at most (`WARREN_TEST_POOL`, default 2).
fn slots() -> &'static [Mutex<Option<BrokerNode>>] {
    static SLOTS: OnceLock<Vec<Mutex<Option<BrokerNode>>>> = OnceLock::new();
    SLOTS.get_or_init(|| {
        let size = std::env::var("WARREN_TEST_POOL")
            .ok()
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n > 0)
            .unwrap_or(2);
        (0..size).map(|_| Mutex::new(None)).collect()
    })
}

/// An empty node of the pool for this test alone; waits while every node is lent.
pub fn lend() -> Lent {
    loop {
        for slot in slots() {
            let mut guard = match slot.try_lock() {
                Ok(guard) => guard,
                // A test that panicked while holding it: the node is emptied below anyway.
                Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
                Err(std::sync::TryLockError::WouldBlock) => continue,
            };
            match guard.take() {
                Some(node) if empty(&node) => *guard = Some(node),
                // Never lent, or no login works any more: a new node.
                _ => *guard = Some(BrokerNode::start_kept()),
            }
            return Lent { slot: guard };
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Empties `node` back to a fresh node's state; false when no login works to do it, or
/// when the node no longer answers (its log's end is printed: why it went).
fn empty(node: &BrokerNode) -> bool {
    if std::net::TcpStream::connect(("127.0.0.1", node.mgmt_port)).is_err() {
        eprintln!(
            "pool: {} no longer answers on {}; a new node replaces it. Its log ends:\n{}",
            node.name,
            node.url(),
            log_tail(node, 40)
        );
        return false;
    }
    let base = node.url();
    let admin = |method: &str, path: &str, body: Option<&str>| {
        curl(
            &base,
            "guest",
            "guest",
            method,
            path,
            body.map(str::as_bytes),
        )
    };
    let (status, whoami) = admin("GET", "/api/whoami", None);
    if status != 200 || !whoami.contains("administrator") {
        return false;
    }
    let names = |path: &str| -> Vec<String> {
        let (status, text) = admin("GET", path, None);
        assert_eq!(status, 200, "GET {path}: {text}");
        let list: Value = serde_json::from_str(&text).expect("JSON list");
        list.as_array()
            .into_iter()
            .flatten()
            .filter_map(|o| o["name"].as_str().map(str::to_string))
            .collect()
    };
    let call = |method: &str, path: &str, body: Option<&str>| {
        let (status, text) = admin(method, path, body);
        assert!(
            (200..300).contains(&status) || (method == "DELETE" && status == 404),
            "emptying a pool node: {method} {path}: {status} {text}"
        );
    };
    for connection in names("/api/connections") {
        call(
            "DELETE",
            &format!("/api/connections/{}", encode(&connection)),
            None,
        );
    }
    for vhost in names("/api/vhosts") {
        call("DELETE", &format!("/api/vhosts/{}", encode(&vhost)), None);
    }
    call("PUT", "/api/vhosts/%2F", Some("{}"));
    for user in names("/api/users") {
        if user != "guest" {
            call("DELETE", &format!("/api/users/{}", encode(&user)), None);
        }
    }
    let guest = r#"{"password":"guest","tags":"administrator"}"#;
    call("PUT", "/api/users/guest", Some(guest));
    call("PUT", "/api/permissions/%2F/guest", Some(ALL));
    for name in names("/api/global-parameters") {
        if name != "cluster_name" && name != "internal_cluster_id" {
            call(
                "DELETE",
                &format!("/api/global-parameters/{}", encode(&name)),
                None,
            );
        }
    }
    true
}

/// The last `lines` lines of each of the node's log files.
fn log_tail(node: &BrokerNode, lines: usize) -> String {
    let Ok(entries) = std::fs::read_dir(node.dir().join("log")) else {
        return "(no log directory)".to_string();
    };
    let mut tail = String::new();
    for entry in entries.flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        tail.push_str(&format!("== {}\n", entry.path().display()));
        for line in &all[all.len().saturating_sub(lines)..] {
            tail.push_str(line);
            tail.push('\n');
        }
    }
    tail
}

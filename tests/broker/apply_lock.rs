//! The apply lock, a queue the broker guards: a second apply waits for the first or fails
//! naming the holder and how to clear it; `warren unlock` clears it by id; a holder gone
//! from this machine is taken over at once; two applies never interleave, even when one's
//! claim reaches the broker late.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::common::{apply, call, warren, warren_as, TempEnv};
use crate::support::fault_proxy::{Fault, FaultProxy, Rule};
use crate::support::BrokerNode;
use serde_json::{json, Value};

const LOCK: &str = "/api/queues/%2F/warren.apply-lock";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn queues_env(vhost: &str, count: usize) -> TempEnv {
    let mut yaml = format!("local: true\nvhosts:\n  {vhost}:\n    exchanges:\n      ex: {{ type: direct }}\n    queues:\n");
    for i in 0..count {
        yaml.push_str(&format!(
            "      q.{i:04}: {{ bindings: [{{ exchange: ex, routing_key: k{i} }}] }}\n"
        ));
    }
    TempEnv::new(&yaml)
}

/// The lock queue as another apply would have declared it.
fn hold_lock(node: &BrokerNode, id: &str, process: Value) {
    let arguments = json!({
        "x-queue-type": "classic",
        "x-expires": 60_000,
        "x-dead-letter-exchange": "warren.apply-lock",
        "x-dead-letter-routing-key": id,
        "x-warren-holder": "ci@elsewhere pid 4242",
        "x-warren-environment": "production",
        "x-warren-acquired-at": now() - 30,
    });
    let mut arguments = arguments;
    if !process.is_null() {
        arguments["x-warren-process"] = process;
    }
    let body = json!({ "durable": true, "auto_delete": false, "arguments": arguments });
    call(node, "PUT", LOCK, Some(&body), &[201, 204]);
}

/// This machine's boot and pid namespace, with the pid and start time of a process that
/// has ended.
fn a_gone_process() -> Value {
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").unwrap();
    let ns = std::fs::read_link("/proc/self/ns/pid").unwrap();
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    child.wait().unwrap();
    let started: u64 = stat
        .rsplit_once(") ")
        .and_then(|(_, rest)| rest.split(' ').nth(19))
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    json!({ "boot_id": boot.trim(), "pid_namespace": ns.to_string_lossy(), "pid": pid, "started": started })
}

/// `warren apply` in the background through `url`, its progress lines timestamped.
fn spawn_apply(url: &str, env: &TempEnv) -> (Child, JoinHandle<Vec<(Instant, String)>>) {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("warren"));
    cmd.env("NO_COLOR", "1")
        .env_remove("RABBITMQ_MANAGEMENT_API_URL")
        .args(["apply", "--env", env.arg(), "--auto-approve", "--url", url])
        .args(["--user", "guest", "--password", "guest"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn warren");
    let stderr = child.stderr.take().unwrap();
    let lines = std::thread::spawn(move || {
        BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
            .map(|line| (Instant::now(), line))
            .collect::<Vec<_>>()
    });
    (child, lines)
}

/// Both applies succeed and their steps never interleave.
fn assert_one_after_the_other(
    a: (Child, JoinHandle<Vec<(Instant, String)>>),
    b: (Child, JoinHandle<Vec<(Instant, String)>>),
) {
    let ((mut a, a_lines), (mut b, b_lines)) = (a, b);
    let (a_ok, b_ok) = (a.wait().unwrap().success(), b.wait().unwrap().success());
    let (a_lines, b_lines) = (a_lines.join().unwrap(), b_lines.join().unwrap());
    let text = |lines: &[(Instant, String)]| {
        lines
            .iter()
            .map(|(_, l)| l.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(a_ok, "first apply:\n{}", text(&a_lines));
    assert!(b_ok, "second apply:\n{}", text(&b_lines));
    let window = |lines: &[(Instant, String)]| {
        let steps: Vec<Instant> = lines
            .iter()
            .filter(|(_, l)| l.starts_with('['))
            .map(|(t, _)| *t)
            .collect();
        (
            *steps.first().expect("progress lines"),
            *steps.last().unwrap(),
        )
    };
    let (a_start, a_end) = window(&a_lines);
    let (b_start, b_end) = window(&b_lines);
    assert!(
        a_end < b_start || b_end < a_start,
        "the two applies' steps interleaved"
    );
    let waited = a_lines
        .iter()
        .chain(&b_lines)
        .any(|(_, l)| l.contains("Waiting for the lock"));
    assert!(waited, "one apply said it was waiting for the other");
}

/// These tests share one lock on one node: they run one after another in a single test.
#[test]
fn the_apply_lock() {
    let node = BrokerNode::start();

    // Held by someone else elsewhere: the apply waits, then fails naming the holder and
    // the command that clears the lock.
    hold_lock(&node, "0123456789abcdef", Value::Null);
    let env = queues_env("/lock-held", 3);
    let plan = warren(&node, &["plan", "--env", env.arg(), "--format", "json"]);
    plan.expect_code(0, "plan while the lock is held");
    assert!(
        !plan.stdout.contains("warren.apply-lock"),
        "the lock is never part of a plan"
    );
    let started = Instant::now();
    let refused = apply(&node, env.arg(), &["--lock-timeout", "2"]);
    refused.expect_code(1, "apply while another holds the lock");
    let text = refused.flat();
    assert!(
        text.contains("lock 0123456789abcdef held by ci@elsewhere pid 4242 (applying environment \"production\", for "),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "warren unlock --env {} 0123456789abcdef",
            env.arg()
        )),
        "{text}"
    );
    assert!(
        started.elapsed().as_secs() >= 2,
        "it waited for the lock first"
    );
    let (status, _) = node.api("GET", "/api/vhosts/%2Flock-held", None);
    assert_eq!(status, 404, "nothing was applied");

    // warren unlock clears it only by its id.
    let wrong = warren(&node, &["unlock", "--env", env.arg(), "fedcba9876543210"]);
    wrong.expect_code(1, "unlock with another id");
    assert!(
        wrong.flat().contains("not fedcba9876543210"),
        "{}",
        wrong.flat()
    );
    let cleared = warren(&node, &["unlock", "--env", env.arg(), "0123456789abcdef"]);
    cleared.expect_code(0, "unlock with the lock's id");
    let (status, _) = node.api("GET", LOCK, None);
    assert_eq!(status, 404, "the lock is gone");
    apply(&node, env.arg(), &[]).expect_code(0, "apply once the lock is cleared");
    let (status, _) = node.api("GET", LOCK, None);
    assert_eq!(status, 404, "the lock is released after apply");

    // A holder that ran on this machine and is gone: taken over at once.
    hold_lock(&node, "1111111111111111", a_gone_process());
    let env = queues_env("/lock-gone", 3);
    let started = Instant::now();
    let run = apply(&node, env.arg(), &[]);
    run.expect_code(0, "apply over a dead holder's lock");
    assert!(
        run.stderr.contains("is no longer running on this machine"),
        "{}",
        run.stderr
    );
    // At once, not after the 60 s lease (generous: other tests share the machine).
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );

    // An apply killed with SIGKILL while it holds the lock blocks the next one briefly. The
    // vhost exists first: a kill inside the broker's vhost creation can leave the vhost
    // without the grant to its creator, which is not what this part is about.
    let (status, _) = node.api("PUT", "/api/vhosts/%2Flock-killed", Some(&json!({})));
    assert!(status == 201 || status == 204, "vhost created: {status}");
    let big = queues_env("/lock-killed", 300);
    let (mut killed, lines) = spawn_apply(&node.url(), &big);
    let deadline = Instant::now() + Duration::from_secs(60);
    while node.api("GET", LOCK, None).0 != 200 {
        assert!(Instant::now() < deadline, "the apply never took the lock");
        std::thread::sleep(Duration::from_millis(20));
    }
    killed.kill().unwrap();
    killed.wait().unwrap();
    lines.join().unwrap();
    // With at most 4 s to wait, the next apply still gets the lock: the holder is seen gone.
    let next = apply(&node, big.arg(), &["--lock-timeout", "4"]);
    next.expect_code(0, "apply after a killed one");
    assert!(
        next.stderr.contains("is no longer running on this machine"),
        "{}",
        next.stderr
    );

    // Two applies at once: one waits for the other; their steps never interleave.
    let (env_a, env_b) = (queues_env("/lock-a", 150), queues_env("/lock-b", 150));
    let a = spawn_apply(&node.url(), &env_a);
    let b = spawn_apply(&node.url(), &env_b);
    assert_one_after_the_other(a, b);

    // The same when one apply's claim reaches the broker two seconds late, while the other
    // (a longer one) holds the lock: the broker refuses the late claim, whatever the timing.
    let rule = Rule::first(
        "PUT /api/queues/%2F/warren.apply-lock",
        Fault::Delay(Duration::from_secs(2)),
        1,
    );
    let proxy = FaultProxy::start(node.mgmt_port, vec![rule]);
    let (env_late, env_early) = (
        queues_env("/lock-late", 150),
        queues_env("/lock-early", 1500),
    );
    let late = spawn_apply(&proxy.url(), &env_late);
    std::thread::sleep(Duration::from_millis(300));
    let early = spawn_apply(&node.url(), &env_early);
    assert_one_after_the_other(late, early);
    assert!(
        proxy.faults.load(std::sync::atomic::Ordering::SeqCst) >= 1,
        "the claim was delayed"
    );

    // A login user with no permissions on `/` takes the lock in its own vhost; before that
    // vhost exists, the refusal says where it looked and what to do.
    let all = json!({ "configure": ".*", "write": ".*", "read": ".*" });
    let user = json!({ "password": "lock-own-pw", "tags": "administrator" });
    call(
        &node,
        "PUT",
        "/api/users/lock_own",
        Some(&user),
        &[201, 204],
    );
    let own = queues_env("/lock-own", 2);
    let login = ("lock_own", "lock-own-pw");
    let args = ["apply", "--env", own.arg(), "--auto-approve"];
    let refused = warren_as(&node, login, &args, &[]);
    refused.expect_code(1, "apply with no vhost for the lock");
    assert!(
        refused.flat().contains("no vhost takes it")
            && refused
                .flat()
                .contains("vhost \"/lock-own\" does not exist"),
        "{}",
        refused.flat()
    );
    call(&node, "PUT", "/api/vhosts/%2Flock-own", None, &[201, 204]);
    call(
        &node,
        "PUT",
        "/api/permissions/%2Flock-own/lock_own",
        Some(&all),
        &[201, 204],
    );
    let run = warren_as(&node, login, &args, &[]);
    run.expect_code(0, "apply with the lock in the user's own vhost");
}

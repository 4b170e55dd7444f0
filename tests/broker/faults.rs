//! warren through a loopback proxy that injects faults, on the release under test: one
//! request in ten answered 503 and another in ten reset, or one in ten answered half and
//! another in ten with an HTML 502 page, still ends in a converged apply; an HTML page where
//! JSON was expected is named;
//! a hung first node costs one `--timeout` before the next node serves; a broker that
//! accepts bindings it then does not have makes apply say what is not done and exit 3.

use std::time::{Duration, Instant};

use crate::common::*;
use crate::support::fault_proxy::{Fault, FaultProxy, Rule};
use crate::support::BrokerNode;

/// A vhost with `count` queues bound to one exchange, each with its own routing key (fewer
/// than a bulk import takes, so every object is its own request).
fn topology(vhost: &str, count: usize) -> String {
    let mut yaml = format!(
        "vhosts:\n  {}:\n    exchanges:\n      ex: {{ type: direct }}\n    queues:\n",
        yq(vhost)
    );
    for i in 0..count {
        yaml.push_str(&format!(
            "      q.{i:03}: {{ bindings: [{{ exchange: ex, routing_key: k{i} }}] }}\n"
        ));
    }
    yaml
}

/// `warren ARGS` logged in as guest, against `urls` with `--timeout SECONDS`.
fn warren_via(urls: &str, timeout: u64, args: &[&str]) -> Run {
    let timeout = timeout.to_string();
    let args: Vec<&str> = args
        .iter()
        .copied()
        .chain(["--timeout", &timeout])
        .collect();
    crate::common::warren_at(urls, ("guest", "guest"), &args, &[])
}

/// Applies a 60-queue environment through a proxy that answers every tenth API request with
/// `first` and every tenth with `second`; the apply must end converged with exit 0.
fn converges_through(name: &str, first: Fault, second: Fault, what: &str) {
    let node = BrokerNode::shared();
    let vhost = format!("faults-{name}-{}", std::process::id());
    let env = TempEnv::new(&topology(&vhost, 60));
    let every_tenth = |fault| Rule {
        matching: " /api/".into(),
        fault,
        every: 10,
        times: usize::MAX,
        until: None,
        until_after: 0,
    };
    let proxy = FaultProxy::start(
        node.mgmt_port,
        vec![every_tenth(first), every_tenth(second)],
    );
    let run = warren_via(
        &proxy.url(),
        10,
        &["apply", "--env", env.arg(), "--auto-approve"],
    );
    run.expect_code(0, what);
    assert!(run.stdout.contains("Converged"), "{}", run.stdout);
    let injected = proxy.faults.load(std::sync::atomic::Ordering::SeqCst);
    assert!(injected >= 10, "only {injected} faults were injected");
    assert_no_changes(node, env.arg());
    node.delete_vhost(&vhost);
}

#[test]
fn ten_percent_5xx_and_resets_still_converge() {
    converges_through(
        "5xx",
        Fault::Status(503),
        Fault::Reset,
        "apply through 10% 503s and 10% resets",
    );
}

/// Cut answers leave warren unsure whether a write happened; every write is safe to repeat,
/// so it tries again. A load balancer's HTML 502 page is a transient answer.
#[test]
fn truncated_answers_and_html_error_pages_still_converge() {
    converges_through(
        "cut",
        Fault::Truncate,
        Fault::Html(502),
        "apply through 10% cut answers and 10% HTML 502 pages",
    );
}

#[test]
fn an_html_page_where_json_was_expected_is_named() {
    let node = BrokerNode::shared();
    let vhost = format!("faults-html-{}", std::process::id());
    let env = TempEnv::new(&topology(&vhost, 1));
    // A login page answered 200 by something in front of the broker.
    let proxy = FaultProxy::start(
        node.mgmt_port,
        vec![Rule::first(" /api/", Fault::Html(200), usize::MAX)],
    );
    let run = warren_via(&proxy.url(), 5, &["plan", "--env", env.arg()]);
    run.expect_code(1, "plan against a page that is not the management API");
    let text = run.flat();
    assert!(text.contains(&proxy.url()), "{text}");
    assert!(
        text.contains("an HTML page (\"200 Bad Gateway\") came back instead of JSON"),
        "{text}"
    );
    assert!(
        !text.contains("<html>"),
        "the page is not echoed whole: {text}"
    );
}

#[test]
fn a_hung_first_node_costs_one_timeout() {
    let node = BrokerNode::shared();
    let vhost = format!("faults-hung-{}", std::process::id());
    let env = TempEnv::new(&topology(&vhost, 3));
    let hung = FaultProxy::start(
        node.mgmt_port,
        vec![Rule::first(" /api/", Fault::Stall, usize::MAX)],
    );
    let urls = format!("{},{}", hung.url(), node.url());
    let started = Instant::now();
    let run = warren_via(&urls, 2, &["plan", "--env", env.arg()]);
    run.expect_code(0, "plan with the first node hung");
    let took = started.elapsed();
    // The first requests wait out one --timeout (2 s) on the hung node, then the second
    // node answers them and every later request starts there.
    assert!(took < Duration::from_secs(4), "{took:?}");
    assert!(took >= Duration::from_secs(2), "{took:?}");
}

#[test]
fn accepted_but_missing_bindings_make_a_partial_apply() {
    let node = BrokerNode::shared();
    let vhost = format!("faults-lost-{}", std::process::id());
    let env = TempEnv::new(&topology(&vhost, 5));
    // As a cluster node going down did: the binding requests are answered 201, yet the
    // broker never has the bindings.
    let proxy = FaultProxy::start(
        node.mgmt_port,
        vec![Rule::first(
            "POST /api/bindings/",
            Fault::Swallow,
            usize::MAX,
        )],
    );
    let run = warren_via(
        &proxy.url(),
        10,
        &["apply", "--env", env.arg(), "--auto-approve"],
    );
    run.expect_code(3, "apply whose bindings never took hold");
    assert!(!run.stdout.contains("Apply complete"), "{}", run.stdout);
    assert!(
        run.stderr.contains("Apply partly done")
            && run.stderr.contains("5 changes are still to make"),
        "{}",
        run.stderr
    );
    // Without the fault, the next apply finishes the job.
    converge(node, env.arg(), &[]);
    node.delete_vhost(&vhost);
}

/// RabbitMQ's definitions import skips a queue it cannot declare (on 4.0, one in a vhost a
/// killed apply left half-made) and answers 204 all the same. The proxy does the
/// same to the first import: warren finds the queues missing and declares them one by one.
/// A few are looked up one GET each, without a listing of the vhost.
#[test]
fn queues_an_import_skipped_are_declared_one_by_one() {
    skipped_queues_are_declared(&[120], 0);
}

/// Many are found missing from one listing of the vhost.
#[test]
fn many_queues_an_import_skipped_are_found_by_one_listing() {
    skipped_queues_are_declared(&[600], 1);
}

/// Skipped in several vhosts at once: the small vhosts' queues are looked up together, the
/// large vhost's by its listing, and every one is declared.
#[test]
fn queues_an_import_skipped_in_several_vhosts_are_all_declared() {
    skipped_queues_are_declared(&[600, 40, 40], 1);
}

/// Vhosts of `counts` queues each; the first import is swallowed whole, and `listings` of
/// the vhosts' queues are expected.
fn skipped_queues_are_declared(counts: &[usize], listings: usize) {
    let node = BrokerNode::shared();
    // Named by the whole list too: tests of one process run side by side on one node.
    let of = counts.len();
    let vhosts: Vec<String> = (counts.iter().enumerate())
        .map(|(i, count)| format!("faults-skipped-{of}-{i}-{count}-{}", std::process::id()))
        .collect();
    let mut yaml = String::from("vhosts:\n");
    for (vhost, &count) in vhosts.iter().zip(counts) {
        let one = topology(vhost, count);
        yaml.push_str(
            one.strip_prefix("vhosts:\n")
                .expect("topology starts with vhosts"),
        );
    }
    let env = TempEnv::new(&yaml);
    let mut rules = vec![Rule::first("POST /api/definitions", Fault::Swallow, 1)];
    for vhost in &vhosts {
        let listing = format!(
            "GET /api/queues/{}?disable_stats=true&columns=name ",
            enc(vhost)
        );
        rules.push(Rule::first(
            &listing,
            Fault::Delay(Duration::ZERO),
            usize::MAX,
        ));
    }
    let proxy = FaultProxy::start(node.mgmt_port, rules);
    let run = warren_via(
        &proxy.url(),
        10,
        &["apply", "--env", env.arg(), "--auto-approve"],
    );
    run.expect_code(0, "apply whose first import was skipped");
    assert!(run.stderr.contains("importing"), "{}", run.stderr);
    assert!(run.stdout.contains("Converged"), "{}", run.stdout);
    // The swallowed import, and each listing of a vhost's queues.
    let fired = proxy.faults.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(fired, 1 + listings, "{}", run.stderr);
    assert_no_changes(node, env.arg());
    for vhost in &vhosts {
        node.delete_vhost(vhost);
    }
}

/// Counts the full definitions reads without changing them (a zero delay).
fn count_definitions_reads() -> Rule {
    Rule::first(
        "GET /api/definitions",
        Fault::Delay(Duration::ZERO),
        usize::MAX,
    )
}

/// After an apply, only what it touched is read back (no second whole-broker read), and
/// that read still finds a touched object the broker said it created yet does not have.
#[test]
fn the_convergence_check_reads_back_what_the_apply_touched() {
    let node = BrokerNode::shared();
    let vhost = format!("faults-touched-{}", std::process::id());
    let yaml = format!("{}      lonely: {{}}\n", topology(&vhost, 5));
    let env = TempEnv::new(&yaml);
    let lonely = format!("PUT /api/queues/{}/lonely", enc(&vhost));
    let proxy = FaultProxy::start(
        node.mgmt_port,
        vec![
            Rule::first(&lonely, Fault::Swallow, 1),
            count_definitions_reads(),
        ],
    );
    let run = warren_via(
        &proxy.url(),
        10,
        &["apply", "--env", env.arg(), "--auto-approve"],
    );
    run.expect_code(3, "apply whose lonely queue never took hold");
    assert!(
        run.stderr.contains("1 change is still to make") && run.stderr.contains("lonely"),
        "{}",
        run.stderr
    );
    // One swallowed declaration and one definitions read: the plan's, none after it.
    let fired = proxy.faults.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(fired, 2, "{}", run.stderr);
    converge(node, env.arg(), &[]);
    node.delete_vhost(&vhost);
}

/// An object another writer removes while an apply runs, in a vhost the apply does not
/// touch, is outside the touched check, and `--verify full` reports it.
#[test]
fn verify_full_reads_what_the_apply_did_not_touch() {
    let node = BrokerNode::shared();
    let ours = format!("faults-scope-a-{}", std::process::id());
    let other = format!("faults-scope-b-{}", std::process::id());
    let base = format!(
        "vhosts:\n  {}:\n    queues:\n      a.q: {{}}\n  {}:\n    queues:\n      b.q: {{}}\n",
        yq(&ours),
        yq(&other)
    );
    let env = TempEnv::new(&base);
    converge(node, env.arg(), &[]);
    // The apply adds the last of `new_queues` to our vhost; its declaration is held back 5 s,
    // and once the proxy holds it (the plan read is done) another writer deletes b.q from the
    // other vhost.
    let apply_while_b_q_goes = |new_queues: &[&str], verify: &str| {
        let new_queue = new_queues[new_queues.len() - 1];
        let added: String = new_queues
            .iter()
            .map(|q| format!("      {q}: {{}}\n"))
            .collect();
        env.write(&base.replacen("      a.q: {}\n", &format!("      a.q: {{}}\n{added}"), 1));
        let slow = format!("PUT /api/queues/{}/{new_queue}", enc(&ours));
        let proxy = FaultProxy::start(
            node.mgmt_port,
            vec![Rule::first(&slow, Fault::Delay(Duration::from_secs(5)), 1)],
        );
        let b_q = format!("/api/queues/{}/b.q", enc(&other));
        let held = &proxy.faults;
        std::thread::scope(|s| {
            let writer = s.spawn(|| {
                crate::support::eventually(Duration::from_secs(120), "the held-back PUT", || {
                    (held.load(std::sync::atomic::Ordering::SeqCst) > 0).then_some(())
                });
                call(node, "DELETE", &b_q, None, &[204]);
            });
            let run = warren_via(
                &proxy.url(),
                10,
                &[
                    "apply",
                    "--env",
                    env.arg(),
                    "--auto-approve",
                    "--verify",
                    verify,
                ],
            );
            writer.join().expect("the other writer");
            run
        })
    };
    let touched = apply_while_b_q_goes(&["a.new"], "touched");
    touched.expect_code(0, "apply checking only what it touched");
    assert!(touched.stdout.contains("Converged"), "{}", touched.stdout);
    converge(node, env.arg(), &[]);
    let full = apply_while_b_q_goes(&["a.new", "a.newer"], "full");
    full.expect_code(3, "apply checking everything");
    assert!(
        full.stderr.contains("1 change is still to make") && full.stderr.contains("b.q"),
        "{}",
        full.stderr
    );
    node.delete_vhost(&ours);
    node.delete_vhost(&other);
}

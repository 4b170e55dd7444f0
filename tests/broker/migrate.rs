//! Replacing a queue without losing its messages (`on_replace: migrate`), on the release the
//! harness runs: 50,000 persistent messages move from a classic queue to a quorum queue with
//! changed arguments, in order, with the bindings routing to it afterwards and nothing
//! temporary left; `kill -9` of apply at each step, then a rerun, finishes the job; a queue
//! with consumers is refused unless `--allow-consumer-disconnect`.

use std::io::{BufRead, BufReader};
use std::process::{Command as StdCommand, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::*;
use crate::support::amqp::Connection;
use crate::support::fault_proxy::{Fault, FaultProxy, Rule};
use crate::support::BrokerNode;

const TEMPORARY: &str = "warren.migrating.q.work";

fn topology(vhost: &str, quorum: bool) -> String {
    let (kind, limit) = if quorum {
        ("\n        type: quorum", ", x-delivery-limit: 5")
    } else {
        ("", "")
    };
    format!(
        r#"vhosts:
  {v}:
    exchanges:
      ex.in: {{ type: direct }}
      ex.dlx: {{ type: fanout }}
    queues:
      q.work:{kind}
        on_replace: migrate
        arguments: {{ x-dead-letter-exchange: ex.dlx{limit} }}
        bindings:
          - {{ exchange: ex.in, routing_key: work }}
      q.dead:
        bindings:
          - {{ exchange: ex.dlx }}
"#,
        v = yq(vhost)
    )
}

/// A vhost of the shared node holding `q.work` (classic) with `count` numbered messages, and
/// a binding warren does not declare (`extra`), which must survive the migration.
fn filled(node: &BrokerNode, prefix: &str, count: usize) -> (String, TempEnv) {
    let vhost = node.create_vhost(prefix);
    let env = TempEnv::new(&topology(&vhost, false));
    env.lock_in(&vhost);
    converge(node, env.arg(), &[]);
    let extra = format!("/api/bindings/{}/e/ex.in/q/q.work", enc(&vhost));
    let (status, body) = node.api("POST", &extra, Some(&json!({ "routing_key": "extra" })));
    assert_eq!(status, 201, "{body}");
    let mut amqp = Connection::open(node.amqp_port, &node.user, &node.password, &vhost);
    amqp.publish_confirmed("q.work", (0..count).map(|i| format!("m{i:06}")));
    wait_for_messages(node, &vhost, "q.work", count as u64);
    env.write(&topology(&vhost, true));
    (vhost, env)
}

/// Every message of the queue, consumed over AMQP, must be `m000000`, `m000001`, ... in
/// that order, and no more.
fn assert_all_in_order(node: &BrokerNode, vhost: &str, count: usize) {
    wait_for_messages(node, vhost, "q.work", count as u64);
    let mut amqp = Connection::open(node.amqp_port, &node.user, &node.password, vhost);
    let bodies = amqp.drain("q.work", count);
    let misplaced = bodies
        .iter()
        .enumerate()
        .find(|(i, body)| **body != format!("m{i:06}"));
    assert_eq!(misplaced, None, "message order");
    drop(amqp);
    wait_for_messages(node, vhost, "q.work", 0);
}

/// The queue is the quorum queue asked for, both bindings route to it, and nothing of the
/// migration is left on the broker.
fn assert_migrated(node: &BrokerNode, vhost: &str, env: &TempEnv) {
    let queue = node.get_json(&format!("/api/queues/{}/q.work", enc(vhost)));
    assert_eq!(queue["type"], "quorum", "{queue}");
    assert_eq!(
        queue["arguments"],
        json!({ "x-dead-letter-exchange": "ex.dlx", "x-delivery-limit": 5, "x-queue-type": "quorum" })
    );
    let mut keys: Vec<String> = bindings_between(node, vhost, "ex.in", "q.work")
        .iter()
        .filter_map(|b| b["routing_key"].as_str().map(str::to_string))
        .collect();
    keys.sort();
    assert_eq!(keys, ["extra", "work"]);
    let (status, _) = node.api(
        "GET",
        &format!("/api/queues/{}/{TEMPORARY}", enc(vhost)),
        None,
    );
    assert_eq!(status, 404, "the temporary queue is gone");
    let shovels = node.get_json(&format!("/api/parameters/shovel/{}", enc(vhost)));
    assert_eq!(shovels, json!([]), "no shovel is left");
    assert_no_changes(node, env.arg());
}

#[test]
fn fifty_thousand_messages_move_to_a_quorum_queue_in_order() {
    let node = BrokerNode::shared();
    let count = 50_000;
    let (vhost, env) = filled(node, "migrate-main", count);

    let plan = plan_json(node, env.arg());
    let queue = changes(&plan)
        .into_iter()
        .find(|c| c["id"]["kind"] == "queue")
        .unwrap_or_else(|| panic!("no queue change: {plan}"));
    assert_eq!(queue["action"], "migrate", "{plan}");
    assert_eq!(queue["messages"], count, "{plan}");
    assert_eq!(queue["migration"]["temporary_queue"], TEMPORARY);
    assert_eq!(plan["flags_needed"], json!(["--allow-destroy"]), "{plan}");
    let human = warren(node, &["plan", "--env", env.arg()]);
    assert!(
        human.stdout.contains(&format!(
            "-/+ queue \"q.work\" in \"{vhost}\" (x-queue-type classic -> quorum; x-delivery-limit (none) -> 5; 50,000 messages will be moved, not dropped)"
        )),
        "{}",
        human.stdout
    );

    let refused = apply(node, env.arg(), &[]);
    refused.expect_code(1, "a migration without --allow-destroy");
    assert!(
        refused.flat().contains("--allow-destroy"),
        "{}",
        refused.flat()
    );
    assert!(
        !refused.flat().contains("--allow-data-loss"),
        "{}",
        refused.flat()
    );

    let started = Instant::now();
    let run = converge(node, env.arg(), &["--allow-destroy"]);
    eprintln!(
        "migrated {count} messages in {:.1}s on {}",
        started.elapsed().as_secs_f64(),
        node.release.version()
    );
    assert!(
        run.stderr
            .contains(&format!("({count} messages before, {count} after)")),
        "{}",
        run.stderr
    );
    assert_migrated(node, &vhost, &env);
    assert_all_in_order(node, &vhost, count);
    // Publishing through the declared binding reaches the new queue.
    let publish = format!("/api/exchanges/{}/ex.in/publish", enc(&vhost));
    let message = json!({ "routing_key": "work", "payload": "after", "payload_encoding": "string", "properties": {} });
    let (_, routed) = node.api("POST", &publish, Some(&message));
    assert!(routed.contains("\"routed\":true"), "{routed}");
    wait_for_messages(node, &vhost, "q.work", 1);
}

/// A 20,000-message migration killed with SIGKILL at a random moment, then applied again
/// (the 50,000 of the test above add time, not a moment that this one cannot hit).
#[test]
fn twenty_thousand_messages_survive_a_kill_at_a_random_moment() {
    let node = BrokerNode::shared();
    let count = 20_000;
    let (vhost, env) = filled(node, "migrate-random", count);
    // The migration itself takes about four seconds here: somewhere in its first three.
    let delay = Duration::from_millis(300 + rand_below(2_700));
    apply_killed_after(node, &env, delay);
    eprintln!("killed {:.1}s into the migration", delay.as_secs_f64());
    let rerun = apply(node, env.arg(), &["--allow-destroy"]);
    rerun.expect_code(0, "the apply after the kill");
    // A kill after the migration's last step leaves nothing to do.
    assert!(
        rerun.stdout.contains("Converged") || rerun.stdout.contains("No changes."),
        "{}\n{}",
        rerun.stdout,
        rerun.stderr
    );
    assert_migrated(node, &vhost, &env);
    assert_all_in_order(node, &vhost, count);
}

/// A number below `bound` from the clock's nanoseconds: enough randomness for a kill moment.
fn rand_below(bound: u64) -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::from(d.subsec_nanos()));
    nanos % bound
}

/// `warren apply` killed with SIGKILL `delay` after the migration's first step shows.
fn apply_killed_after(node: &BrokerNode, env: &TempEnv, delay: Duration) {
    let mut child = apply_child(node, env);
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    for line in lines.by_ref() {
        if line
            .expect("progress")
            .contains("declared the temporary queue")
        {
            break;
        }
    }
    // Keep reading, so apply never blocks on a full pipe, until the moment comes.
    let reader = std::thread::spawn(move || lines.count());
    std::thread::sleep(delay);
    let _ = child.kill();
    child.wait().expect("apply ends");
    reader.join().expect("the reader");
}

/// The shovel plugin is what moves the messages: without it nothing is touched, and the
/// error names the plugin.
#[test]
fn without_the_shovel_plugin_a_migration_is_refused_by_name() {
    let node = BrokerNode::start_management_only();
    let (vhost, env) = filled(&node, "migrate-no-shovel", 10);
    let run = apply(&node, env.arg(), &["--allow-destroy"]);
    run.expect_code(3, "a migration without the shovel plugin");
    assert!(
        run.flat().contains("needs the rabbitmq_shovel plugin"),
        "{}",
        run.flat()
    );
    let queue = node.get_json(&format!("/api/queues/{}/q.work", enc(&vhost)));
    assert_eq!(queue["type"], "classic", "nothing was changed");
    wait_for_messages(&node, &vhost, "q.work", 10);
}

/// `warren apply --allow-destroy` as a child process, its progress on a pipe.
fn apply_child(node: &BrokerNode, env: &TempEnv) -> std::process::Child {
    let mut cmd = StdCommand::new(env!("CARGO_BIN_EXE_warren"));
    cmd.current_dir(repo_root())
        .env("NO_COLOR", "1")
        .env_remove("WARREN_LOG")
        .env_remove("RABBITMQ_MANAGEMENT_API_URL");
    cmd.args([
        "--color",
        "never",
        "apply",
        "--env",
        env.arg(),
        "--auto-approve",
    ])
    .args(["--allow-destroy", "--url", &node.url()])
    .args(["--user", &node.user, "--password", &node.password])
    .stdout(Stdio::null())
    .stderr(Stdio::piped());
    cmd.spawn().expect("start apply")
}

/// `warren apply` as a child process, killed with SIGKILL once its progress shows `marker`.
fn apply_killed_at(node: &BrokerNode, env: &TempEnv, marker: &str) {
    let mut child = apply_child(node, env);
    let stderr = child.stderr.take().expect("stderr");
    let mut seen = Vec::new();
    for line in BufReader::new(stderr).lines() {
        let line = line.expect("a line of apply's progress");
        let hit = line.contains(marker);
        seen.push(line);
        if hit {
            child.kill().expect("kill -9 apply");
            break;
        }
    }
    let status = child.wait().expect("apply ends");
    assert!(
        !status.success(),
        "apply finished before {marker:?}:\n{}",
        seen.join("\n")
    );
}

#[test]
fn a_kill_at_each_step_and_a_rerun_keep_every_message() {
    let node = BrokerNode::shared();
    // Each marker is printed once its step is done: the kill leaves that much behind. The
    // runs share the broker, each in its own vhost with its own apply lock.
    let markers = [
        "declared the temporary queue",
        "messages moved out",
        "all messages moved out; deleted it",
        "declared it with its new type",
        "took the bindings off the temporary queue",
        "messages moved back",
    ];
    std::thread::scope(|s| {
        for marker in markers {
            s.spawn(move || killed_and_resumed(node, marker));
        }
    });
}

/// One vhost's migration, killed at `marker` and finished by a second apply.
fn killed_and_resumed(node: &BrokerNode, marker: &str) {
    let count = 2_000;
    let started = Instant::now();
    let (vhost, env) = filled(node, "migrate-kill", count);
    apply_killed_at(node, &env, marker);
    // The next plan shows what the killed run left, as a migration to finish.
    let plan = plan_json(node, env.arg());
    let queue = changes(&plan)
        .into_iter()
        .find(|c| c["id"]["kind"] == "queue")
        .unwrap_or_else(|| panic!("killed at {marker:?}: no queue change: {plan}"));
    assert_eq!(queue["action"], "migrate", "killed at {marker:?}: {plan}");
    assert_eq!(
        queue["migration"]["resumed"], true,
        "killed at {marker:?}: {plan}"
    );
    converge(node, env.arg(), &["--allow-destroy"]);
    assert_all_in_order(node, &vhost, count);
    assert_migrated(node, &vhost, &env);
    node.delete_vhost(&vhost);
    eprintln!(
        "killed at {marker:?}: {:.1}s",
        started.elapsed().as_secs_f64()
    );
}

/// A migration's shovel, done, removes itself, while the queue's consumer count lags a
/// statistics interval: the next plan reads it again before calling it a client's. The
/// late count comes from a proxy (the test nodes refresh statistics every second, too
/// briefly to catch); the queue and its temporary queue are real.
#[test]
fn a_shovel_counted_after_it_finished_is_not_a_consumer() {
    let node = BrokerNode::shared();
    let count = 500;
    let (vhost, env) = filled(node, "migrate-late-count", count);
    apply_killed_at(node, &env, "messages moved out");
    let queue = format!("/api/queues/{}/q.work", enc(&vhost));
    let columns =
        "name,vhost,type,durable,auto_delete,arguments,messages,messages_unacknowledged,consumers";
    let shovels = format!("/api/parameters/shovel/{}", enc(&vhost));
    // The killed run's shovel moves everything out and removes itself; the counts catch up.
    let mut late =
        crate::support::eventually(Duration::from_secs(30), "the shovel out to finish", || {
            let now = node.get_json(&format!("{queue}?columns={columns}"));
            let done = node.get_json(&shovels) == json!([])
                && now["consumers"] == 0
                && now["messages"] == 0;
            done.then_some(now)
        });
    late["consumers"] = json!(1);
    let rule = Rule::first(
        &format!("GET {queue}?columns="),
        Fault::Answer(late.to_string()),
        1,
    );
    let proxy = FaultProxy::start(node.mgmt_port, vec![rule]);
    let auth = (node.user.as_str(), node.password.as_str());
    let run = warren_at(
        &proxy.url(),
        auth,
        &["plan", "--env", env.arg(), "--format", "json"],
        &[],
    );
    run.expect_code(0, "plan after the shovel finished");
    assert_eq!(
        proxy.faults.load(Ordering::SeqCst),
        1,
        "the late count was read"
    );
    let plan = run.json();
    assert!(
        !plan["flags_needed"]
            .as_array()
            .is_some_and(|f| f.contains(&json!("--allow-consumer-disconnect"))),
        "{plan}"
    );
    converge(node, env.arg(), &["--allow-destroy"]);
    assert_all_in_order(node, &vhost, count);
}

/// A run killed while the broker declared the quorum queue can leave it without a leader:
/// it takes no message. The rerun deletes it and declares it again. A cut-off declaration
/// leaves this only now and then, so the test makes the same state on purpose: it declares
/// the queue on the node and stops its replica at once.
#[test]
fn a_queue_left_without_a_leader_is_declared_again() {
    let node = BrokerNode::shared();
    let count = 500;
    let (vhost, env) = left_without_a_leader(node, "migrate-leaderless", count);
    // Its statistics show it empty after a while (written when it was created).
    let said = "declared by a run that stopped; declaring it again";
    resumed_saying(node, &vhost, &env, count, said);
}

/// The same, where the queue never shows a count: one whose declaration was cut off before
/// its creation was recorded never does. Its answers come through a proxy that leaves the
/// count out until the queue is deleted (the replica stopped by the test shows a count of 0
/// taken at its creation); the queue and the messages are real. The temporary queue's
/// count first reads 0, as it did on a busy node right after the kill, before the 300.
#[test]
fn a_queue_that_never_shows_a_count_is_taken_as_leaderless() {
    let node = BrokerNode::shared();
    let count = 300;
    let (vhost, env) = left_without_a_leader(node, "migrate-uncounted", count);
    let queue = format!("/api/queues/{}/q.work", enc(&vhost));
    let hidden = Rule::until(
        &format!("GET {queue}?columns="),
        shown_count(node, &queue, None),
        &format!("DELETE {queue}"),
    );
    let temporary = format!("/api/queues/{}/{TEMPORARY}", enc(&vhost));
    let lagging = Rule::first(
        &format!("GET {temporary}?columns="),
        shown_count(node, &temporary, Some(0)),
        10,
    );
    let proxy = FaultProxy::start(node.mgmt_port, vec![hidden, lagging]);
    let run = apply_through(&proxy, node, &env, &["--migration-timeout", "90"]);
    run.expect_code(0, "apply over a queue that never shows a count");
    assert!(
        proxy.faults.load(Ordering::SeqCst) > 10,
        "no count was hidden"
    );
    assert!(
        run.stderr
            .contains("it reported no count in 20 s: it never elected a leader"),
        "{}",
        run.stderr
    );
    assert_migrated(node, &vhost, &env);
    assert_all_in_order(node, &vhost, count);
}

/// A rerun that finds the new quorum queue's count at 0 (a count can lag ten seconds behind
/// a quorum queue) while it holds messages (here published straight into it after the kill)
/// does not delete it on that count: a shovel pass moves what it holds first.
#[test]
fn a_quorum_queue_whose_count_lags_is_emptied_by_a_shovel_before_it_goes() {
    let node = BrokerNode::shared();
    let count = 300;
    let (vhost, env) = filled(node, "migrate-lagging", count);
    apply_killed_at(node, &env, "declared it with its new type");
    let mut amqp = Connection::open(node.amqp_port, &node.user, &node.password, &vhost);
    let late: Vec<String> = (0..5).map(|i| format!("late{i}")).collect();
    amqp.publish_confirmed("q.work", late.iter().cloned());
    drop(amqp);
    wait_for_messages(node, &vhost, "q.work", late.len() as u64);
    let queue = format!("/api/queues/{}/q.work", enc(&vhost));
    let rule = Rule::until(
        &format!("GET {queue}?columns="),
        shown_count(node, &queue, Some(0)),
        &format!("DELETE {queue}"),
    );
    let proxy = FaultProxy::start(node.mgmt_port, vec![rule]);
    let run = apply_through(&proxy, node, &env, &["--migration-timeout", "90"]);
    run.expect_code(0, "apply over a quorum queue whose count lags");
    assert!(
        proxy.faults.load(Ordering::SeqCst) > 0,
        "no count was shown"
    );
    assert_migrated(node, &vhost, &env);
    let all = count + late.len();
    wait_for_messages(node, &vhost, "q.work", all as u64);
    let mut amqp = Connection::open(node.amqp_port, &node.user, &node.password, &vhost);
    let bodies = amqp.drain("q.work", all);
    let expected: Vec<String> = (0..count).map(|i| format!("m{i:06}")).chain(late).collect();
    assert_eq!(bodies, expected, "every message, the late ones last");
}

/// A run killed while it defined the shovel back can leave the definition stored and the
/// shovel never started: no status, nothing moved. The rerun defines it again. The test
/// makes that state on purpose: it stores the same definition on the node and stops the
/// shovel at once, before it connects.
#[test]
fn a_shovel_defined_but_never_started_is_defined_again() {
    let node = BrokerNode::shared();
    let count = 500;
    let (vhost, env) = filled(node, "migrate-unstarted", count);
    apply_killed_at(node, &env, "took the bindings off the temporary queue");
    let back = format!("{TEMPORARY}.back");
    let path = format!("/api/parameters/shovel/{}/{}", enc(&vhost), enc(&back));
    made_on_node(node, &path, &define_unstarted(&vhost, &back), "{ok,ok}");
    let shovels = node.get_json(&format!("/api/shovels/{}", enc(&vhost)));
    assert_eq!(shovels, json!([]), "the shovel back is not running");
    let said = "its shovel was defined but never started; defining it again";
    resumed_saying(node, &vhost, &env, count, said);
}

/// A rerun finishes the migration a killed run left: it converges, says `said` on the way,
/// and every message is in the new queue, in order.
fn resumed_saying(node: &BrokerNode, vhost: &str, env: &TempEnv, count: usize, said: &str) {
    let args = ["--allow-destroy", "--migration-timeout", "90"];
    let run = converge(node, env.arg(), &args);
    assert!(run.stderr.contains(said), "{}", run.stderr);
    assert_migrated(node, vhost, env);
    assert_all_in_order(node, vhost, count);
}

/// Erlang for `rabbitmqctl eval`: stores the definition of a shovel moving the temporary
/// queue back into `q.work`, as warren writes it, and stops the shovel; `{ok,ok}`. A status
/// the starting shovel sent is removed after it, twice (4.0 records it after the stop, later
/// on a busy node).
fn define_unstarted(vhost: &str, shovel: &str) -> String {
    let uri = format!("amqp:///{}", enc(vhost));
    format!(
        r#"V = <<"{vhost}">>, N = <<"{shovel}">>,
           P = [{{<<"src-protocol">>, <<"amqp091">>}}, {{<<"src-uri">>, <<"{uri}">>}},
                {{<<"src-queue">>, <<"{TEMPORARY}">>}},
                {{<<"dest-protocol">>, <<"amqp091">>}}, {{<<"dest-uri">>, <<"{uri}">>}},
                {{<<"dest-queue">>, <<"q.work">>}}, {{<<"ack-mode">>, <<"on-confirm">>}},
                {{<<"src-delete-after">>, <<"queue-length">>}}],
           Set = rabbit_runtime_parameters:set(V, <<"shovel">>, N, P, <<"guest">>),
           Stop = rabbit_shovel_dyn_worker_sup_sup:stop_child({{V, N}}),
           timer:sleep(500),
           rabbit_shovel_status:remove({{V, N}}),
           timer:sleep(1000),
           rabbit_shovel_status:remove({{V, N}}),
           {{Set, Stop}}."#
    )
}

/// A vhost whose migration of `count` messages was killed once they were all moved out,
/// with `q.work` declared anew as the quorum queue asked for, its replica stopped.
fn left_without_a_leader(node: &BrokerNode, prefix: &str, count: usize) -> (String, TempEnv) {
    let (vhost, env) = filled(node, prefix, count);
    apply_killed_at(node, &env, "all messages moved out; deleted it");
    let path = format!("/api/queues/{}/q.work", enc(&vhost));
    made_on_node(node, &path, &declare_leaderless(&vhost), "{stopped,ok}");
    (vhost, env)
}

/// Deletes the object at `path` (what a killed run left there; its request may still be under
/// way) and runs `erlang` on the node to make it again, until the node answers `made`.
fn made_on_node(node: &BrokerNode, path: &str, erlang: &str, made: &str) {
    crate::support::eventually(Duration::from_secs(30), made, || {
        let (status, body) = node.api("DELETE", path, None);
        assert!(
            matches!(status, 204 | 404),
            "DELETE {path}: {status} {body}"
        );
        node.ctl(&["eval", erlang]).contains(made).then_some(())
    });
}

/// Erlang for `rabbitmqctl eval`: declares `q.work` as the quorum queue the topology asks
/// for and stops its replica; `{stopped,ok}`, or `existing` if the queue was there.
fn declare_leaderless(vhost: &str) -> String {
    format!(
        r#"Args = [{{<<"x-queue-type">>, longstr, <<"quorum">>}},
                   {{<<"x-dead-letter-exchange">>, longstr, <<"ex.dlx">>}},
                   {{<<"x-delivery-limit">>, long, 5}}],
           Name = rabbit_misc:r(<<"{vhost}">>, queue, <<"q.work">>),
           case rabbit_amqqueue:declare(Name, true, false, Args, none, <<"guest">>) of
               {{new, Q}} -> {{stopped, ra:stop_server(quorum_queues, amqqueue:get_pid(Q))}};
               Other -> Other
           end."#
    )
}

#[test]
fn a_queue_with_consumers_is_refused_unless_allowed() {
    let node = BrokerNode::shared();
    let count = 1_000;
    let (vhost, env, consumer) = with_a_consumer(node, "migrate-consumers", count);
    let plan = plan_json(node, env.arg());
    assert!(
        plan["flags_needed"]
            .as_array()
            .is_some_and(|f| f.contains(&json!("--allow-consumer-disconnect"))),
        "{plan}"
    );
    let refused = apply(node, env.arg(), &["--allow-destroy"]);
    refused.expect_code(1, "a migration with a consumer");
    assert!(
        refused.flat().contains("--allow-consumer-disconnect")
            && refused.flat().contains("1 consumer"),
        "{}",
        refused.flat()
    );
    assert_eq!(
        node.get_json(&format!("/api/queues/{}/q.work", enc(&vhost)))["type"],
        "classic",
        "nothing was changed"
    );
    converge(
        node,
        env.arg(),
        &["--allow-destroy", "--allow-consumer-disconnect"],
    );
    // The message the consumer held unacknowledged came back and moved with the rest.
    assert_all_in_order(node, &vhost, count);
    drop(consumer);
}

/// `filled`, with a client consuming from `q.work` that holds one message unacknowledged.
fn with_a_consumer(node: &BrokerNode, prefix: &str, count: usize) -> (String, TempEnv, Connection) {
    let (vhost, env) = filled(node, prefix, count);
    let mut consumer = Connection::open(node.amqp_port, &node.user, &node.password, &vhost);
    consumer.consume("q.work");
    crate::support::eventually(Duration::from_secs(30), "the consumer to show", || {
        let q = node.get_json(&format!("/api/queues/{}/q.work", enc(&vhost)));
        (q["consumers"] == 1).then_some(())
    });
    (vhost, env, consumer)
}

/// A proxy in front of `node` whose listing of `q.work`'s consumers counts one and names
/// none (as a busy node's statistics do for a while), by `rule`.
fn consumer_unlisted(
    node: &BrokerNode,
    vhost: &str,
    rule: fn(&str, Fault, &str) -> Rule,
    until: &str,
) -> FaultProxy {
    let listing = format!(
        "GET /api/queues/{}/q.work?columns=consumers%2Cconsumer_details",
        enc(vhost)
    );
    let unnamed = json!({ "consumers": 1, "consumer_details": [] }).to_string();
    FaultProxy::start(
        node.mgmt_port,
        vec![rule(&listing, Fault::Answer(unnamed), until)],
    )
}

/// Before the first shovel starts, the consumer the queue counts is waited for in the
/// listing and closed: its unacknowledged message comes back first and keeps its place.
#[test]
fn a_consumer_listed_late_is_closed_before_the_move() {
    let node = BrokerNode::shared();
    let count = 300;
    let (vhost, env, consumer) = with_a_consumer(node, "migrate-listed-late", count);
    let first_ten = |matching: &str, fault: Fault, _: &str| Rule::first(matching, fault, 10);
    let proxy = consumer_unlisted(node, &vhost, first_ten, "");
    let run = apply_through(&proxy, node, &env, &["--allow-consumer-disconnect"]);
    run.expect_code(0, "apply with a consumer listed late");
    assert_eq!(
        proxy.faults.load(Ordering::SeqCst),
        10,
        "the listing was late"
    );
    assert!(
        run.stderr.contains("closing consumer connection"),
        "{}",
        run.stderr
    );
    assert_migrated(node, &vhost, &env);
    assert_all_in_order(node, &vhost, count);
    drop(consumer);
}

/// A consumer the listing never names while the queue is moved out still holds a message
/// when the queue is emptied: the queue refuses to go while it is in use, the consumer is
/// closed once named, and its message moves after the rest instead of going with the queue.
#[test]
fn a_queue_a_consumer_holds_a_message_of_is_not_deleted() {
    let node = BrokerNode::shared();
    let count = 300;
    let (vhost, env, consumer) = with_a_consumer(node, "migrate-in-use", count);
    // The first delete is refused as the queue is not empty; the second comes once the
    // shovel emptied it, with the consumer's message still held.
    let second_delete =
        |matching: &str, fault: Fault, delete: &str| Rule::until_nth(matching, fault, delete, 2);
    let delete = format!("DELETE /api/queues/{}/q.work?", enc(&vhost));
    let proxy = consumer_unlisted(node, &vhost, second_delete, &delete);
    let run = apply_through(&proxy, node, &env, &["--allow-consumer-disconnect"]);
    run.expect_code(0, "apply with a consumer never listed before the delete");
    assert!(
        run.stderr
            .contains("\"q.work\" counts 1 consumer(s) but names 0 after 15 s"),
        "{}",
        run.stderr
    );
    assert!(
        proxy.faults.load(Ordering::SeqCst) > 0,
        "no listing was hidden"
    );
    assert!(
        run.stderr.contains("closing consumer connection"),
        "{}",
        run.stderr
    );
    assert_migrated(node, &vhost, &env);
    wait_for_messages(node, &vhost, "q.work", count as u64);
    let mut amqp = Connection::open(node.amqp_port, &node.user, &node.password, &vhost);
    let mut bodies = amqp.drain("q.work", count);
    // The held message was the first; it moved last.
    assert_eq!(bodies.last().map(String::as_str), Some("m000000"));
    bodies.sort();
    let all: Vec<String> = (0..count).map(|i| format!("m{i:06}")).collect();
    assert_eq!(bodies, all, "every message, once");
    drop(consumer);
}

/// `apply --auto-approve --allow-destroy` with `extra` flags, through `proxy` to `node`.
fn apply_through(proxy: &FaultProxy, node: &BrokerNode, env: &TempEnv, extra: &[&str]) -> Run {
    let mut args = vec![
        "apply",
        "--env",
        env.arg(),
        "--auto-approve",
        "--allow-destroy",
    ];
    args.extend_from_slice(extra);
    let auth = (node.user.as_str(), node.password.as_str());
    warren_at(&proxy.url(), auth, &args, &[])
}

/// An answer for the queue at `path` as it is now, but showing `messages` as its count
/// (none at all with None, as a queue whose statistics never came).
fn shown_count(node: &BrokerNode, path: &str, messages: Option<u64>) -> Fault {
    let columns = "name,vhost,type,durable,auto_delete,arguments,consumers";
    let mut queue = node.get_json(&format!("{path}?columns={columns}"));
    if let Some(n) = messages {
        queue["messages"] = json!(n);
    }
    Fault::Answer(queue.to_string())
}

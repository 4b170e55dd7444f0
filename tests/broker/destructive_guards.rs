//! The destructive-step guards on a real broker: replacing or deleting a queue that holds
//! messages needs --allow-destroy and --allow-data-loss, the plan says how many messages
//! are at stake, and a refused apply leaves the messages where they are.

use serde_json::{json, Value};

use crate::common::*;
use crate::support::{eventually, BrokerNode};

const MESSAGES: usize = 7;
const OLD_TTL: u64 = 3_600_000;
const NEW_TTL: u64 = 7_200_000;

fn topology(vhost: &str, ttl: u64, extra_queue: bool, manage: &str) -> String {
    let extra = if extra_queue {
        "      q.extra: {}\n"
    } else {
        ""
    };
    format!(
        r#"local: true
{manage}
vhosts:
  {v}:
    exchanges:
      ex.in: {{ type: direct }}
    queues:
      q.work:
        arguments: {{ x-message-ttl: {ttl} }}
        bindings:
          - {{ exchange: ex.in, routing_key: work }}
{extra}"#,
        v = yq(vhost),
    )
}

fn message_count(node: &BrokerNode, vhost: &str, queue: &str) -> Option<u64> {
    get_opt(node, &format!("/api/queues/{}/{}", enc(vhost), enc(queue)))
        .and_then(|q| q["messages"].as_u64())
}

#[test]
fn replacing_a_queue_with_messages_needs_both_flags() {
    let node = BrokerNode::shared();
    let vhost = "guards/replace";
    let env = TempEnv::new(&topology(vhost, OLD_TTL, false, ""));
    converge(node, env.arg(), &[]);
    publish(node, vhost, "q.work", MESSAGES);
    wait_for_messages(node, vhost, "q.work", MESSAGES as u64);

    env.write(&topology(vhost, NEW_TTL, false, ""));
    let plan = plan_json(node, env.arg());
    let all = changes(&plan);
    assert_eq!(all.len(), 2, "{plan}");
    assert_eq!(all[0]["action"], "replace");
    assert_eq!(
        all[0]["id"],
        json!({ "kind": "queue", "vhost": vhost, "name": "q.work" })
    );
    assert_eq!(all[0]["messages"], MESSAGES);
    assert_eq!(
        field_diffs(&all[0]),
        [(
            "arguments.x-message-ttl".to_string(),
            json!(OLD_TTL),
            json!(NEW_TTL),
            true
        )]
    );
    // The broker drops the queue's binding with it: the plan re-creates it.
    assert_eq!(all[1]["action"], "create");
    assert_eq!(all[1]["id"], binding_id(vhost, "ex.in", "q.work", "work"));

    let human = warren(node, &["plan", "--env", env.arg(), "--detailed-exitcode"]);
    human.expect_code(2, "plan with changes");
    let replace_step = human
        .stdout
        .split("\n\n")
        .find(|block| block.contains("-/+ queue \"q.work\""))
        .unwrap_or_else(|| panic!("no replace step:\n{}", human.stdout));
    assert!(
        replace_step.contains(&format!("{MESSAGES} messages at stake")),
        "{replace_step}"
    );
    assert!(
        replace_step.contains("forces replacement"),
        "{replace_step}"
    );

    // Every flag the plan needs is named at once, by plan and by apply.
    assert!(
        human
            .stdout
            .contains("warren apply refuses this plan unless given:")
            && human.stdout.contains("--allow-destroy")
            && human.stdout.contains("--allow-data-loss"),
        "{}",
        human.stdout
    );
    assert_eq!(
        plan["flags_needed"],
        json!(["--allow-data-loss", "--allow-destroy"])
    );
    let refused = apply(node, env.arg(), &[]);
    refused.expect_code(1, "apply without flags");
    let text = refused.flat();
    assert!(text.contains("--allow-destroy"), "{text}");
    assert!(text.contains("--allow-data-loss"), "{text}");
    assert!(text.contains("queue \"q.work\""), "{text}");

    let refused = apply(node, env.arg(), &["--allow-destroy"]);
    refused.expect_code(1, "apply with --allow-destroy only");
    let text = refused.flat();
    assert!(text.contains("--allow-data-loss"), "{text}");
    assert!(text.contains(&format!("{MESSAGES} messages")), "{text}");
    assert!(!text.contains("Apply complete"), "{text}");

    // Nothing was touched: same queue, same arguments, every message still there.
    assert_eq!(
        queue_arguments(node, vhost, "q.work")["x-message-ttl"],
        OLD_TTL
    );
    assert_eq!(bindings_between(node, vhost, "ex.in", "q.work").len(), 1);
    wait_for_messages(node, vhost, "q.work", MESSAGES as u64);

    let run = converge(node, env.arg(), &["--allow-destroy", "--allow-data-loss"]);
    assert!(
        run.stdout
            .contains("Apply complete! 1 added, 0 changed, 1 replaced, 0 destroyed."),
        "{}",
        run.stdout
    );
    assert_no_changes(node, env.arg());
    assert_eq!(
        queue_arguments(node, vhost, "q.work"),
        json!({ "x-message-ttl": NEW_TTL, "x-queue-type": "classic" })
    );
    let bound: Vec<Value> = bindings_between(node, vhost, "ex.in", "q.work")
        .iter()
        .map(|b| b["routing_key"].clone())
        .collect();
    assert_eq!(bound, [json!("work")]);
    eventually(
        std::time::Duration::from_secs(60),
        "the re-created queue to report 0 messages",
        || (message_count(node, vhost, "q.work") == Some(0)).then_some(()),
    );
}

#[test]
fn pruning_a_queue_with_messages_needs_both_flags() {
    let node = BrokerNode::shared();
    let vhost = "guards/prune";
    let env = TempEnv::new(&topology(vhost, OLD_TTL, true, ""));
    converge(node, env.arg(), &[]);
    publish(node, vhost, "q.extra", 3);
    wait_for_messages(node, vhost, "q.extra", 3);

    env.write(&topology(
        vhost,
        OLD_TTL,
        false,
        "manage: { prune: [queues] }",
    ));
    let change = only_change(&plan_json(node, env.arg()));
    assert_eq!(change["action"], "delete");
    assert_eq!(
        change["id"],
        json!({ "kind": "queue", "vhost": vhost, "name": "q.extra" })
    );
    assert_eq!(change["messages"], 3);
    let human = warren(node, &["plan", "--env", env.arg()]);
    assert!(
        human.stdout.contains("3 messages at stake"),
        "{}",
        human.stdout
    );

    let refused = apply(node, env.arg(), &[]);
    refused.expect_code(1, "prune without flags");
    assert!(
        refused.flat().contains("--allow-destroy"),
        "{}",
        refused.flat()
    );
    let refused = apply(node, env.arg(), &["--allow-destroy"]);
    refused.expect_code(1, "prune with --allow-destroy only");
    let text = refused.flat();
    assert!(
        text.contains("--allow-data-loss") && text.contains("3 messages"),
        "{text}"
    );
    wait_for_messages(node, vhost, "q.extra", 3);

    converge(node, env.arg(), &["--allow-destroy", "--allow-data-loss"]);
    assert_no_changes(node, env.arg());
    assert_eq!(
        message_count(node, vhost, "q.extra"),
        None,
        "q.extra remains"
    );
    assert_eq!(names_in(node, "queues", vhost), ["q.work"]);
}

#[test]
fn replacing_an_empty_queue_needs_only_allow_destroy() {
    let node = BrokerNode::shared();
    let vhost = "guards/empty";
    let env = TempEnv::new(&topology(vhost, OLD_TTL, false, ""));
    converge(node, env.arg(), &[]);
    env.write(&topology(vhost, NEW_TTL, false, ""));
    let plan = plan_json(node, env.arg());
    assert_eq!(changes(&plan)[0]["messages"], 0, "{plan}");
    converge(node, env.arg(), &["--allow-destroy"]);
    assert_no_changes(node, env.arg());
    assert_eq!(
        queue_arguments(node, vhost, "q.work")["x-message-ttl"],
        NEW_TTL
    );
    assert_eq!(bindings_between(node, vhost, "ex.in", "q.work").len(), 1);
}

#[test]
fn pruning_users_never_removes_the_login_user() {
    // An empty node to itself: pruning users and permissions would remove other tests' users.
    let node = &crate::support::pool::lend();
    let vhost = "guards/login";
    let yaml = |guest: &str| {
        format!(
            "local: true\nmanage: {{ prune: [users, permissions] }}\nvhosts:\n  {v}:\n    queues:\n      q.login: {{}}\nusers:\n  guards-login-user:\n    password: {{ env: WARREN_TEST_SECRET }}\n    permissions:\n      {v}: {{ read: '.*' }}\n{guest}",
            v = yq(vhost)
        )
    };
    let env = TempEnv::new(&yaml(""));
    let plan = plan_json(node, env.arg());
    let guest = json!({ "kind": "user", "name": "guest" });
    let delete_guest = changes(&plan)
        .into_iter()
        .find(|c| c["id"] == guest && c["action"] == "delete")
        .unwrap_or_else(|| panic!("no delete of guest: {plan}"));
    // The plan already says apply refuses it, and which flag would allow it.
    let kinds: Vec<&Value> = delete_guest["refusals"]
        .as_array()
        .map(|r| r.iter().map(|r| &r["kind"]).collect())
        .unwrap_or_default();
    assert_eq!(kinds, [&json!("destroy"), &json!("lockout")], "{plan}");
    assert!(
        plan["flags_needed"]
            .as_array()
            .is_some_and(|f| f.contains(&json!("--allow-lockout"))),
        "{plan}"
    );
    let human = warren(node, &["plan", "--env", env.arg()]);
    assert!(
        human.stdout.contains("--allow-lockout: ")
            && human
                .stdout
                .contains("\"guest\", the user warren is logged in as"),
        "{}",
        human.stdout
    );

    let refused = apply(node, env.arg(), &["--allow-destroy"]);
    assert_ne!(refused.code, 0, "{}\n{}", refused.stdout, refused.stderr);
    let text = refused.flat();
    assert!(text.contains("logged in as"), "{text}");
    assert!(text.contains("user \"guest\""), "{text}");
    assert_eq!(refused.code, 1, "refused before any step: {text}");
    let me = node.get_json("/api/users/guest");
    assert_eq!(tags_of(&me), ["administrator"]);
    assert!(get_opt(node, &format!("/api/vhosts/{}", enc(vhost))).is_none());
    assert!(get_opt(node, "/api/users/guards-login-user").is_none());

    // Declared as it is, the login user stays; the rest converges.
    env.write(&yaml(&format!(
        "  guest:\n    password: guest\n    tags: [administrator]\n    permissions:\n      {v}: {{ configure: '.*', write: '.*', read: '.*' }}\n",
        v = yq(vhost)
    )));
    converge(node, env.arg(), &["--allow-destroy"]);
    assert_no_changes(node, env.arg());
    assert_eq!(
        tags_of(&node.get_json("/api/users/guest")),
        ["administrator"]
    );
    assert!(get_opt(node, "/api/users/guards-login-user").is_some());
}

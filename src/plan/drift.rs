//! Drift: a plan read as a report on the broker. Creates are objects missing from the broker,
//! updates and replaces are objects changed behind git's back, undeclared objects in scope
//! (listed or pruned) are unmanaged. Pure: built from a finished Plan, the live State and the
//! Scope.

use std::collections::BTreeMap;

use serde::Serialize;

use super::scope::{kind_name, Scope, ALL_KINDS};
use super::{Action, FieldDiff, Plan};
use crate::model::{Resource, ResourceId, State};

/// How an object differs from the environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftState {
    /// Declared, but not on the broker.
    Missing,
    /// On the broker, but not as declared.
    Changed,
    /// On the broker and in scope, but not declared.
    Unmanaged,
}

impl DriftState {
    pub const ALL: [DriftState; 3] = [
        DriftState::Missing,
        DriftState::Changed,
        DriftState::Unmanaged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DriftState::Missing => "missing",
            DriftState::Changed => "changed",
            DriftState::Unmanaged => "unmanaged",
        }
    }
}

/// One object that differs from the environment.
#[derive(Clone, Debug, PartialEq)]
pub struct Drifted {
    pub id: ResourceId,
    /// Changed objects: field by field, `before` is the broker's, `after` the declared value.
    pub fields: Vec<FieldDiff>,
    /// Changed objects: repairing re-creates the object (a field forces replacement).
    pub replace: bool,
    /// Unmanaged objects: `apply` deletes them, as their kind is pruned.
    pub pruned: bool,
    /// Missing objects: what the environment declares.
    pub declared: Option<Resource>,
}

impl Drifted {
    fn new(id: &ResourceId) -> Self {
        Drifted {
            id: id.clone(),
            fields: Vec::new(),
            replace: false,
            pruned: false,
            declared: None,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct DriftReport {
    pub environment: String,
    /// Each list in dependency order, then by identity.
    pub missing: Vec<Drifted>,
    pub changed: Vec<Drifted>,
    pub unmanaged: Vec<Drifted>,
    /// Live objects outside the managed vhosts and kinds, by kind: not checked.
    pub out_of_scope: BTreeMap<&'static str, usize>,
    /// Live objects in managed vhosts and kinds that ignore rules leave out, by kind.
    pub ignored: BTreeMap<&'static str, usize>,
    /// How many route assertions were checked against the broker, and those that fail.
    pub routes_checked: usize,
    pub routes: Vec<super::route_drift::RouteDrift>,
}

/// Every kind name, in the order reports list them.
pub fn kinds() -> impl Iterator<Item = &'static str> {
    ALL_KINDS.into_iter().map(kind_name)
}

impl DriftReport {
    pub fn new(plan: &Plan, live: &State, scope: &Scope) -> Self {
        let mut report = DriftReport {
            environment: plan.environment.clone(),
            ..DriftReport::default()
        };
        for change in &plan.changes {
            let mut item = Drifted::new(&change.id);
            match change.action {
                // A live object "created" again is a binding the broker drops with a replaced
                // queue or exchange: a consequence of that change, not drift of its own.
                Action::Create if live.contains(&change.id) => continue,
                Action::Create => {
                    item.declared = change.after.clone();
                    report.missing.push(item);
                }
                Action::Update | Action::Replace | Action::Migrate => {
                    item.fields = change.fields.clone();
                    item.replace = change.action != Action::Update;
                    report.changed.push(item);
                }
                Action::Delete => {
                    item.pruned = true;
                    report.unmanaged.push(item);
                }
            }
        }
        report
            .unmanaged
            .extend(plan.unmanaged.iter().map(Drifted::new));
        for list in [
            &mut report.missing,
            &mut report.changed,
            &mut report.unmanaged,
        ] {
            list.sort_by(|a, b| (a.id.level(), &a.id).cmp(&(b.id.level(), &b.id)));
        }
        for (id, _) in live.iter() {
            if !scope.manages(id) {
                *report.out_of_scope.entry(id.kind()).or_default() += 1;
            } else if scope.ignore.matches(id) {
                // Counted only when a rule of the environment left it out, not a built-in.
                *report.ignored.entry(id.kind()).or_default() += 1;
            }
        }
        report
    }

    pub fn in_sync(&self) -> bool {
        self.missing.is_empty()
            && self.changed.is_empty()
            && self.unmanaged.is_empty()
            && self.routes.is_empty()
    }

    pub fn list(&self, state: DriftState) -> &[Drifted] {
        match state {
            DriftState::Missing => &self.missing,
            DriftState::Changed => &self.changed,
            DriftState::Unmanaged => &self.unmanaged,
        }
    }

    /// Objects of one kind (the plan's kind name) in one state.
    pub fn count(&self, kind: &str, state: DriftState) -> usize {
        self.list(state)
            .iter()
            .filter(|d| d.id.kind() == kind)
            .count()
    }

    pub fn out_of_scope_total(&self) -> usize {
        self.out_of_scope.values().sum()
    }

    pub fn ignored_total(&self) -> usize {
        self.ignored.values().sum()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Map, Value};

    use super::*;
    use crate::model::Kind;
    use crate::model::{kinds, DestinationType};
    use crate::plan::diff;

    fn queue_id(vhost: &str, name: &str) -> ResourceId {
        ResourceId::Queue {
            vhost: vhost.into(),
            name: name.into(),
        }
    }

    fn queue(args: Value) -> Resource {
        let Value::Object(args) = args else {
            panic!("arguments must be a map")
        };
        kinds::queue(true, false, args, "classic")
    }

    fn binding(queue: &str) -> ResourceId {
        kinds::binding_id("/v", "ex", DestinationType::Queue, queue, "", &Map::new())
    }

    fn state(items: Vec<(ResourceId, Resource)>) -> State {
        let mut s = State::default();
        for (id, r) in items {
            s.insert(id, r);
        }
        s
    }

    fn scope(prune: &[Kind]) -> Scope {
        Scope {
            vhosts: ["/v".to_string()].into_iter().collect(),
            kinds: ALL_KINDS.into_iter().collect(),
            prune: prune.iter().copied().collect(),
            ..Scope::default()
        }
    }

    fn ids(list: &[Drifted]) -> Vec<ResourceId> {
        list.iter().map(|d| d.id.clone()).collect()
    }

    fn report(desired: &State, live: &State, scope: &Scope) -> DriftReport {
        DriftReport::new(&diff("e", desired, live, scope), live, scope)
    }

    #[test]
    fn the_same_state_is_in_sync() {
        let s = state(vec![(queue_id("/v", "a"), queue(json!({})))]);
        let r = report(&s, &s, &scope(&[]));
        assert!(r.in_sync());
        assert_eq!(
            r,
            DriftReport {
                environment: "e".into(),
                ..DriftReport::default()
            }
        );
    }

    #[test]
    fn creates_are_missing_updates_and_replaces_changed() {
        let ex = ResourceId::Exchange {
            vhost: "/v".into(),
            name: "ex".into(),
        };
        let policy = ResourceId::Policy {
            vhost: "/v".into(),
            name: "p".into(),
        };
        let desired = state(vec![
            (queue_id("/v", "gone"), queue(json!({}))),
            (queue_id("/v", "ttl"), queue(json!({ "x-message-ttl": 5 }))),
            (
                ex.clone(),
                kinds::exchange("topic", true, false, false, Map::new()),
            ),
            (policy.clone(), kinds::policy(".*", "all", 1, Map::new())),
        ]);
        let live = state(vec![
            (queue_id("/v", "ttl"), queue(json!({ "x-message-ttl": 9 }))),
            (
                ex.clone(),
                kinds::exchange("topic", true, false, false, Map::new()),
            ),
            (policy.clone(), kinds::policy(".*", "all", 0, Map::new())),
        ]);
        let r = report(&desired, &live, &scope(&[]));
        assert_eq!(ids(&r.missing), [queue_id("/v", "gone")]);
        assert_eq!(
            r.missing[0].declared,
            desired.get(&queue_id("/v", "gone")).cloned()
        );
        assert_eq!(ids(&r.changed), [queue_id("/v", "ttl"), policy]);
        assert!(r.changed[0].replace);
        assert!(!r.changed[1].replace);
        assert_eq!(r.changed[1].fields.len(), 1);
        assert_eq!(r.changed[1].fields[0].field, "priority");
        assert_eq!(r.changed[1].fields[0].before, Some(json!(0)));
        assert_eq!(r.changed[1].fields[0].after, Some(json!(1)));
        assert!(r.unmanaged.is_empty());
        assert_eq!(r.count("queue", DriftState::Changed), 1);
        assert_eq!(r.count("queue", DriftState::Missing), 1);
        assert_eq!(r.count("policy", DriftState::Changed), 1);
        assert!(!r.in_sync());
    }

    #[test]
    fn bindings_put_back_after_a_replace_are_not_missing() {
        let desired = state(vec![(
            queue_id("/v", "q"),
            queue(json!({ "x-max-length": 1 })),
        )]);
        let live = state(vec![
            (queue_id("/v", "q"), queue(json!({}))),
            (binding("q"), Resource::new()),
        ]);
        let plan = diff("e", &desired, &live, &scope(&[]));
        assert!(plan.changes.iter().any(|c| c.id == binding("q")));
        let r = DriftReport::new(&plan, &live, &scope(&[]));
        assert!(r.missing.is_empty());
        assert_eq!(ids(&r.changed), [queue_id("/v", "q")]);
        assert_eq!(ids(&r.unmanaged), [binding("q")]);
    }

    #[test]
    fn undeclared_objects_are_unmanaged_whether_listed_or_pruned() {
        let user = ResourceId::User { name: "old".into() };
        let live = state(vec![
            (queue_id("/v", "stray"), queue(json!({}))),
            (user.clone(), kinds::user(&[], "h", None)),
        ]);
        let r = report(&State::default(), &live, &scope(&[Kind::Queues]));
        assert_eq!(ids(&r.unmanaged), [user, queue_id("/v", "stray")]);
        assert!(!r.unmanaged[0].pruned);
        assert!(r.unmanaged[1].pruned);
        assert_eq!(r.count("user", DriftState::Unmanaged), 1);
    }

    #[test]
    fn out_of_scope_and_ignored_objects_are_counted_not_reported() {
        let live = state(vec![
            (queue_id("/other", "a"), queue(json!({}))),
            (queue_id("/other", "b"), queue(json!({}))),
            (
                ResourceId::Vhost {
                    name: "/other".into(),
                },
                kinds::vhost("", &[], None, false),
            ),
            (queue_id("/v", "scratch.1"), queue(json!({}))),
            (
                ResourceId::User { name: "u".into() },
                kinds::user(&[], "h", None),
            ),
        ]);
        let mut s = scope(&[]);
        s.kinds.remove(&Kind::Users);
        s.ignore.add(Kind::Queues, "^scratch").unwrap();
        let r = report(&State::default(), &live, &s);
        assert!(r.in_sync(), "{r:#?}");
        assert_eq!(
            r.out_of_scope,
            BTreeMap::from([("queue", 2), ("user", 1), ("vhost", 1)])
        );
        assert_eq!(r.out_of_scope_total(), 4);
        assert_eq!(r.ignored, BTreeMap::from([("queue", 1)]));
    }

    #[test]
    fn a_uri_password_alone_differs_as_a_sensitive_field() {
        let id = ResourceId::Parameter {
            vhost: "/v".into(),
            component: "federation-upstream".into(),
            name: "up".into(),
        };
        let upstream = |uri: &str| kinds::parameter(json!({ "uri": uri, "expires": 1 }));
        let desired = state(vec![(id.clone(), upstream("amqp://u:new@h"))]);
        let live = state(vec![(id.clone(), upstream("amqp://u:old@h"))]);
        let r = report(&desired, &live, &scope(&[]));
        let field = &r.changed[0].fields[0];
        assert_eq!(field.field, "value.uri");
        assert!(field.sensitive);
        assert_eq!((&field.before, &field.after), (&None, &None));

        // A change that shows in the redacted text is shown, redacted.
        let desired = state(vec![(id.clone(), upstream("amqp://u:new@other"))]);
        let r = report(&desired, &live, &scope(&[]));
        let field = &r.changed[0].fields[0];
        assert!(!field.sensitive);
        assert_eq!(field.after, Some(json!("amqp://u:new@other")));
    }
}

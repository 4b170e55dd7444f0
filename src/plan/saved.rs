//! A saved plan: the plan with what it was computed from, so apply can refuse a stale one.

use std::collections::BTreeMap;
use std::path::{Component, Path};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::scope::Scope;
use super::Plan;
use crate::model::{ResourceId, State};

/// 2: files are keyed by their path relative to the environment's folder.
/// 3: a change's `reason` is an object tagged by its `code`.
pub const SAVED_PLAN_VERSION: u32 = 3;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedPlan {
    pub format_version: u32,
    pub environment: String,
    /// Digest of every file of the environment (and those it extends), by path relative to
    /// the environment's folder.
    pub files: BTreeMap<String, String>,
    /// Digest of every live object in scope when the plan was made, by its identity.
    pub live: Vec<(ResourceId, String)>,
    pub plan: Plan,
}

fn digest(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    hash.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// Digests of the environment's files `(path, text)` as they were read (variables
/// substituted), keyed by `key(path)`: the path relative to the environment's root, so
/// neither how `--env` was typed nor where the repository is checked out makes a plan stale.
pub fn file_digests<'a>(
    files: impl IntoIterator<Item = (&'a Path, &'a str)>,
    key: impl Fn(&Path) -> String,
) -> BTreeMap<String, String> {
    files
        .into_iter()
        .map(|(path, text)| (key(path), digest(text.as_bytes())))
        .collect()
}

/// `file` relative to the folder `root` (both absolute and free of `.` and `..`), with `/`
/// between parts: `topology.yaml`, or `../production/queues.yaml` for an extended folder.
pub fn relative_key(root: &Path, file: &Path) -> String {
    let root: Vec<Component> = root.components().collect();
    let file: Vec<Component> = file.components().collect();
    let shared = root.iter().zip(&file).take_while(|(a, b)| a == b).count();
    let ups = std::iter::repeat_n("..".to_string(), root.len() - shared);
    let downs = file[shared..]
        .iter()
        .map(|part| part.as_os_str().to_string_lossy().into_owned());
    ups.chain(downs).collect::<Vec<_>>().join("/")
}

/// Digests of the in-scope live objects' properties (message counts and keys left out).
pub fn live_digests(live: &State, scope: &Scope) -> Vec<(ResourceId, String)> {
    live.iter()
        .filter(|(id, _)| scope.contains(id))
        .map(|(id, resource)| {
            let text = serde_json::to_string(&resource.props).unwrap_or_default();
            (id.clone(), digest(text.as_bytes()))
        })
        .collect()
}

/// What differs between the saved and the current inputs, as lines for the user; empty if none.
pub fn staleness(
    saved: &SavedPlan,
    files: &BTreeMap<String, String>,
    live: &[(ResourceId, String)],
) -> Vec<String> {
    let mut reasons = Vec::new();
    for (path, hash) in files {
        match saved.files.get(path) {
            None => reasons.push(format!("file {path} is new since the plan was made")),
            Some(old) if old != hash => {
                reasons.push(format!("file {path} changed since the plan was made"))
            }
            _ => {}
        }
    }
    for path in saved.files.keys().filter(|p| !files.contains_key(*p)) {
        reasons.push(format!("file {path} was removed since the plan was made"));
    }
    let before: BTreeMap<&ResourceId, &String> = saved.live.iter().map(|(id, h)| (id, h)).collect();
    let now: BTreeMap<&ResourceId, &String> = live.iter().map(|(id, h)| (id, h)).collect();
    for (id, hash) in &now {
        match before.get(id) {
            None => reasons.push(format!("{id} appeared on the broker")),
            Some(old) if old != hash => reasons.push(format!("{id} changed on the broker")),
            _ => {}
        }
    }
    for id in before.keys().filter(|id| !now.contains_key(*id)) {
        reasons.push(format!("{id} disappeared from the broker"));
    }
    reasons
}

/// The plan as compared for "nothing more": identities, actions and field changes.
pub fn same_changes(a: &Plan, b: &Plan) -> bool {
    let shape = |p: &Plan| {
        p.changes
            .iter()
            .map(|c| {
                let fields: Vec<(String, bool)> = c
                    .fields
                    .iter()
                    .map(|f| (f.field.clone(), f.forces_replace))
                    .collect();
                (c.id.clone(), c.action, fields)
            })
            .collect::<Vec<_>>()
    };
    shape(a) == shape(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::kinds;
    use crate::model::Kind;
    use crate::plan::diff;

    fn queue_state(ttl: i64) -> State {
        let mut state = State::default();
        let mut args = serde_json::Map::new();
        args.insert("x-message-ttl".into(), ttl.into());
        state.insert(
            ResourceId::Queue {
                vhost: "/".into(),
                name: "q".into(),
            },
            kinds::queue(true, false, args, "classic"),
        );
        state
    }

    fn scope() -> Scope {
        let mut scope = Scope::default();
        scope.vhosts.insert("/".into());
        scope.kinds.insert(Kind::Queues);
        scope
    }

    #[test]
    fn unchanged_inputs_are_not_stale() {
        let live = queue_state(1);
        let saved = SavedPlan {
            format_version: SAVED_PLAN_VERSION,
            environment: "e".into(),
            files: BTreeMap::from([("a.yaml".into(), "1".into())]),
            live: live_digests(&live, &scope()),
            plan: diff("e", &live, &live, &scope()),
        };
        assert!(staleness(&saved, &saved.files.clone(), &live_digests(&live, &scope())).is_empty());
    }

    #[test]
    fn a_changed_object_and_file_are_named() {
        let saved = SavedPlan {
            format_version: SAVED_PLAN_VERSION,
            environment: "e".into(),
            files: BTreeMap::from([("a.yaml".into(), "1".into())]),
            live: live_digests(&queue_state(1), &scope()),
            plan: Plan::default(),
        };
        let files = BTreeMap::from([("a.yaml".into(), "2".into())]);
        let reasons = staleness(&saved, &files, &live_digests(&queue_state(2), &scope()));
        assert_eq!(reasons.len(), 2, "{reasons:?}");
        assert!(reasons[0].contains("a.yaml changed"));
        assert!(reasons[1].contains("queue \"q\" in \"/\" changed on the broker"));
    }

    #[test]
    fn files_are_keyed_relative_to_the_environment_folder() {
        let key = |root: &str, file: &str| relative_key(Path::new(root), Path::new(file));
        assert_eq!(
            key("/ci/a/envs/prod", "/ci/a/envs/prod/topology.yaml"),
            "topology.yaml"
        );
        assert_eq!(
            key("/home/me/envs/prod", "/home/me/envs/prod/topology.yaml"),
            "topology.yaml"
        );
        assert_eq!(
            key("/ci/b/envs/staging", "/ci/b/envs/production/queues.yaml"),
            "../production/queues.yaml"
        );
    }

    #[test]
    fn out_of_scope_objects_do_not_count() {
        let mut narrow = scope();
        narrow.vhosts.clear();
        assert!(live_digests(&queue_state(1), &narrow).is_empty());
    }
}

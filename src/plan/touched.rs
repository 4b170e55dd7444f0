//! The plan again for only the objects an apply touched: what its convergence check needs.

use std::collections::HashSet;

use super::{diff, Plan, Scope};
use crate::model::{ResourceId, State};

/// The changes left on `touched` between `desired` (the whole environment) and `live` (a
/// read of those objects only); nothing is unmanaged, since the rest was not read.
pub fn diff_touched(
    environment: &str,
    desired: &State,
    live: &State,
    scope: &Scope,
    touched: &[ResourceId],
) -> Plan {
    let touched: HashSet<&ResourceId> = touched.iter().collect();
    let mut wanted = State::default();
    for (id, resource) in desired.iter().filter(|(id, _)| touched.contains(id)) {
        wanted.insert(id.clone(), resource.clone());
    }
    let mut plan = diff(environment, &wanted, live, scope);
    plan.changes.retain(|c| touched.contains(&c.id));
    plan.unmanaged.clear();
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::kinds;
    use crate::plan::scope::ALL_KINDS;
    use crate::plan::Action;
    use serde_json::Map;

    fn queue(name: &str) -> ResourceId {
        kinds::queue_id("/v", name)
    }

    #[test]
    fn only_the_touched_objects_are_compared() {
        let mut desired = State::default();
        for name in ["q.touched", "q.other"] {
            desired.insert(
                queue(name),
                kinds::queue(true, false, Map::new(), "classic"),
            );
        }
        let mut live = State::default();
        live.insert(
            queue("q.extra"),
            kinds::queue(true, false, Map::new(), "classic"),
        );
        let scope = Scope {
            vhosts: ["/v".to_string()].into_iter().collect(),
            kinds: ALL_KINDS.into_iter().collect(),
            ..Scope::default()
        };
        let plan = diff_touched("e", &desired, &live, &scope, &[queue("q.touched")]);
        let changes: Vec<(&ResourceId, Action)> =
            plan.changes.iter().map(|c| (&c.id, c.action)).collect();
        assert_eq!(changes, [(&queue("q.touched"), Action::Create)]);
        assert!(plan.unmanaged.is_empty());
    }
}

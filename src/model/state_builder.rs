//! A whole state collected in any order and built once: a sorted bulk build fills every
//! B-tree node and compares each identity a few times, where inserting one object at a
//! time leaves nodes a third empty and searches the tree for each.

use std::collections::BTreeMap;

use super::id::ResourceId;
use super::resource::Resource;
use super::state::State;

/// Which of two objects with one identity stays, as `State::insert` and `insert_first` decide.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keep {
    Last,
    First,
}

/// Collects what lowering finds; `build` gives the same state the same inserts into a
/// [`State`] would.
#[derive(Default)]
pub struct StateBuilder {
    entries: Vec<(ResourceId, Resource, Keep)>,
}

impl StateBuilder {
    /// Room for `objects` without growing: a doubling vector would hold up to twice that.
    pub fn with_capacity(objects: usize) -> Self {
        StateBuilder {
            entries: Vec::with_capacity(objects),
        }
    }

    /// Replaces an object already collected, as `State::insert` does.
    pub fn insert(&mut self, id: ResourceId, resource: Resource) {
        self.entries.push((id, resource, Keep::Last));
    }

    /// Keeps an object already collected, as `State::insert_first` does.
    pub fn insert_first(&mut self, id: ResourceId, resource: Resource) {
        self.entries.push((id, resource, Keep::First));
    }

    pub fn build(self) -> State {
        let mut entries = self.entries;
        // Stable: objects with one identity stay in the order they were collected.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries.dedup_by(|later, kept| {
            if later.0 != kept.0 {
                return false;
            }
            if later.2 == Keep::Last {
                std::mem::swap(&mut later.1, &mut kept.1);
            }
            true
        });
        let resources: BTreeMap<ResourceId, Resource> = entries
            .into_iter()
            .map(|(id, resource, _)| (id, resource))
            .collect();
        State { resources }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::kinds;

    fn queue(name: &str) -> ResourceId {
        ResourceId::Queue {
            vhost: "/".into(),
            name: name.into(),
        }
    }

    fn durable(d: bool) -> Resource {
        kinds::queue(d, false, Default::default(), "classic")
    }

    /// The same calls on a builder and on a state, in the same order, give the same state.
    #[test]
    fn builds_what_inserting_one_at_a_time_gives() {
        let calls: Vec<(&str, bool, bool)> = vec![
            ("b", true, false),
            ("a", true, false),
            ("b", false, false), // replaces b
            ("a", false, true),  // a stays durable
            ("c", false, true),
            ("c", true, true),  // c stays not durable
            ("c", true, false), // then replaced
        ];
        let mut builder = StateBuilder::default();
        let mut state = State::default();
        for (name, d, first) in calls {
            if first {
                builder.insert_first(queue(name), durable(d));
                state.insert_first(queue(name), durable(d));
            } else {
                builder.insert(queue(name), durable(d));
                state.insert(queue(name), durable(d));
            }
        }
        let built = builder.build();
        assert_eq!(built, state);
        assert_eq!(built.get(&queue("a")), Some(&durable(true)));
        assert_eq!(built.get(&queue("b")), Some(&durable(false)));
        assert_eq!(built.get(&queue("c")), Some(&durable(true)));
        assert_eq!(built.len(), 3);
    }
}

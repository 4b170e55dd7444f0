//! A whole state collected in any order and built once: a sorted bulk build fills every
//! B-tree node and compares each identity a few times, where inserting one object at a
//! time leaves nodes a third empty and searches the tree for each. It is built a slice at a
//! time, merged in as collected: a whole list waiting to be sorted would double the state.

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
pub struct StateBuilder {
    built: BTreeMap<ResourceId, Resource>,
    /// Collected since the last merge, in the order collected.
    pending: Vec<(ResourceId, Resource, Keep)>,
    /// The fewest objects worth a merge (each rebuilds the tree).
    slice: usize,
}

impl Default for StateBuilder {
    fn default() -> Self {
        Self::in_slices_of(SLICE)
    }
}

/// Objects sorted and merged at a time, at the least: a few hundred kilobytes of them.
const SLICE: usize = 4096;

impl StateBuilder {
    fn in_slices_of(slice: usize) -> Self {
        StateBuilder {
            built: BTreeMap::new(),
            pending: Vec::new(),
            slice,
        }
    }

    /// Replaces an object already collected, as `State::insert` does.
    pub fn insert(&mut self, id: ResourceId, resource: Resource) {
        self.push((id, resource, Keep::Last));
    }

    /// Keeps an object already collected, as `State::insert_first` does.
    pub fn insert_first(&mut self, id: ResourceId, resource: Resource) {
        self.push((id, resource, Keep::First));
    }

    fn push(&mut self, entry: (ResourceId, Resource, Keep)) {
        self.pending.push(entry);
        // Slices that grow with the state: a handful of merges, never a second copy.
        if self.pending.len() >= self.slice.max(self.built.len() / 4) {
            self.merge_pending();
        }
    }

    pub fn build(mut self) -> State {
        self.merge_pending();
        State {
            resources: self.built,
        }
    }

    fn merge_pending(&mut self) {
        let mut part: Vec<_> = std::mem::take(&mut self.pending)
            .into_iter()
            .enumerate()
            .collect();
        // By identity, then by when it was collected: what one-at-a-time inserts would see.
        part.sort_unstable_by(|(i, a), (j, b)| a.0.cmp(&b.0).then(i.cmp(j)));
        part.dedup_by(|(_, later), (_, kept)| {
            if later.0 != kept.0 {
                return false;
            }
            // After a replacing insert, a keeping one changes nothing.
            if later.2 == Keep::Last {
                std::mem::swap(&mut later.1, &mut kept.1);
                kept.2 = Keep::Last;
            }
            true
        });
        let built = &self.built;
        let mut sorted: BTreeMap<ResourceId, Resource> = part
            .into_iter()
            .filter(|(_, (id, _, keep))| *keep == Keep::Last || !built.contains_key(id))
            .map(|(_, (id, resource, _))| (id, resource))
            .collect();
        // The later objects replace the earlier ones, as a later insert does.
        self.built.append(&mut sorted);
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
        let (a, b, c) = (queue("a"), queue("b"), queue("c"));
        assert_eq!(built.get(&a), Some(&durable(true)));
        assert_eq!(built.get(&b), Some(&durable(false)));
        assert_eq!(built.get(&c), Some(&durable(true)));
        assert_eq!(built.len(), 3);
    }

    /// `(name, durable, keeps the first)` calls, each as a queue's insert.
    fn replay(calls: &[(u64, bool, bool)], mut insert: impl FnMut(ResourceId, Resource, bool)) {
        for &(name, d, first) in calls {
            insert(queue(&name.to_string()), durable(d), first);
        }
    }

    /// Many calls, built in slices of every small size, match one-at-a-time inserts.
    #[test]
    fn slices_of_any_size_build_what_inserting_one_at_a_time_gives() {
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |below: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % below
        };
        for round in 0..200 {
            let calls: Vec<(u64, bool, bool)> = (0..1 + round % 40)
                .map(|_| (next(6), next(2) == 0, next(2) == 0))
                .collect();
            let mut state = State::default();
            replay(&calls, |id, r, first| match first {
                true => state.insert_first(id, r),
                false => state.insert(id, r),
            });
            for slice in 1..6 {
                let mut builder = StateBuilder::in_slices_of(slice);
                replay(&calls, |id, r, first| match first {
                    true => builder.insert_first(id, r),
                    false => builder.insert(id, r),
                });
                assert_eq!(builder.build(), state, "{calls:?}, {slice}");
            }
        }
    }
}

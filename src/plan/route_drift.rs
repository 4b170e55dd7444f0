//! Route assertions checked against the live topology: the part of drift that is about
//! where messages go rather than about objects.

use std::collections::BTreeMap;

use crate::format::BrokerVersion;
use crate::model::State;
use crate::route::assertion::{Assertion, Failure};
use crate::route::Topology;

/// An assertion the broker's topology does not satisfy.
#[derive(Clone, Debug, PartialEq)]
pub struct RouteDrift {
    pub assertion: Assertion,
    pub failure: Failure,
}

/// Every assertion that fails on `live`, in the order given.
pub fn check(assertions: &[Assertion], live: &State, version: BrokerVersion) -> Vec<RouteDrift> {
    let mut topologies: BTreeMap<&str, Topology> = BTreeMap::new();
    assertions
        .iter()
        .filter_map(|assertion| {
            let topology = topologies
                .entry(assertion.vhost.as_str())
                .or_insert_with(|| Topology::of(live, &assertion.vhost, version));
            let failure = assertion.check(topology)?;
            Some(RouteDrift {
                assertion: assertion.clone(),
                failure,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{kinds, ResourceId};
    use serde_json::Map;

    #[test]
    fn only_failing_assertions_are_reported() {
        let mut live = State::default();
        live.insert(
            ResourceId::Queue {
                vhost: "/v".into(),
                name: "q".into(),
            },
            kinds::queue(true, false, Map::new(), "classic"),
        );
        let assertion = |key: &str, expect: &[&str]| Assertion {
            vhost: "/v".into(),
            exchange: String::new(),
            routing_key: key.into(),
            headers: Default::default(),
            expect: expect.iter().map(|s| s.to_string()).collect(),
        };
        let found = check(
            &[assertion("q", &["q"]), assertion("gone", &["gone"])],
            &live,
            BrokerVersion::new(3, 10),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].assertion.routing_key, "gone");
        assert_eq!(found[0].failure, Failure::Reached(vec![]));
    }
}

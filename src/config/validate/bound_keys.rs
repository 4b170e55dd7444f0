//! The routing keys bound out of each exchange of a vhost, gathered in one pass so that a
//! check made once per queue does not walk every binding of the vhost each time.

use std::collections::{HashMap, HashSet};

use crate::config::environment::Vhost;

/// One exchange's binding keys: in order for pattern matching, and as a set for lookups.
#[derive(Debug, Default)]
pub struct ExchangeKeys {
    pub keys: Vec<String>,
    exact: HashSet<String>,
}

impl ExchangeKeys {
    pub fn contains(&self, key: &str) -> bool {
        self.exact.contains(key)
    }
}

/// Binding keys by source exchange, over the bindings of the vhost's queues and exchanges.
#[derive(Debug, Default)]
pub struct BoundKeys<'a> {
    by_exchange: HashMap<&'a str, ExchangeKeys>,
}

impl<'a> BoundKeys<'a> {
    pub fn of(vhost: &'a Vhost) -> Self {
        let bindings = vhost
            .queues
            .values()
            .flat_map(|q| q.spec.bindings.iter())
            .chain(
                vhost
                    .exchanges
                    .values()
                    .flat_map(|e| e.spec.bindings.iter()),
            );
        let mut by_exchange: HashMap<&str, ExchangeKeys> = HashMap::new();
        for binding in bindings {
            let key = binding
                .routing_key
                .as_ref()
                .map(|k| k.value.clone())
                .unwrap_or_default();
            let entry = by_exchange
                .entry(binding.exchange.value.as_str())
                .or_default();
            entry.exact.insert(key.clone());
            entry.keys.push(key);
        }
        Self { by_exchange }
    }

    /// The keys bound out of `exchange`; None when nothing is bound to it.
    pub fn of_exchange(&self, exchange: &str) -> Option<&ExchangeKeys> {
        self.by_exchange.get(exchange)
    }
}

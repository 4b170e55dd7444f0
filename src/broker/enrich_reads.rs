//! The broker's answers to what plan enrichment asks (message counts, binding keys, who
//! warren logs in as).

use serde::Deserialize;

use super::client::HttpBroker;
use super::error::BrokerError;
use super::fetch::{binding_keys, consumers_besides_shovel, queue_totals};
use super::lower::binding_id;
use super::path::ApiPath;
use crate::format::wire::{BindingDef, BindingInfo};
use crate::model::ResourceId;
use crate::plan::enrich::{MessageCounts, Reads};

impl Reads for HttpBroker {
    type Error = BrokerError;

    async fn message_counts(&self) -> Result<MessageCounts, BrokerError> {
        Ok(queue_totals(self, None)
            .await?
            .into_iter()
            .map(|q| ((q.vhost, q.name), q.messages))
            .collect())
    }

    async fn consumers(&self, vhost: &str, name: &str, shovel: &str) -> Result<u64, BrokerError> {
        consumers_besides_shovel(self, vhost, name, shovel).await
    }

    async fn binding_keys(&self, vhost: &str) -> Result<Vec<(ResourceId, String)>, BrokerError> {
        Ok(binding_keys(self, vhost)
            .await?
            .into_iter()
            .filter_map(|listed| {
                let (binding, key) = split_key(listed);
                Some((binding_id(&binding)?, key))
            })
            .collect())
    }

    async fn login(&self) -> Result<String, BrokerError> {
        let me: Whoami = self.get_json(&ApiPath::new(["whoami"])).await?;
        Ok(me.name)
    }
}

/// A listed binding as the definitions give it, and the key its DELETE needs.
fn split_key(listed: BindingInfo) -> (BindingDef, String) {
    let BindingInfo {
        source,
        vhost,
        destination,
        destination_type,
        routing_key,
        arguments,
        properties_key,
    } = listed;
    let binding = BindingDef {
        source,
        vhost,
        destination,
        destination_type,
        routing_key,
        arguments,
    };
    (binding, properties_key)
}

/// The part of `GET /api/whoami` enrichment reads.
#[derive(Deserialize)]
struct Whoami {
    name: String,
}

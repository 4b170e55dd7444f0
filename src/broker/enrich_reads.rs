//! The broker's answers to what plan enrichment asks (message counts, binding keys, who
//! warren logs in as).

use serde::Deserialize;

use super::client::HttpBroker;
use super::error::BrokerError;
use super::fetch::{binding_keys, consumers_besides_shovel, queue_totals};
use super::lower::binding_id;
use super::path::ApiPath;
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

    async fn consumers(
        &self,
        vhost: &str,
        name: &str,
        temporary: &str,
    ) -> Result<u64, BrokerError> {
        consumers_besides_shovel(self, vhost, name, temporary).await
    }

    async fn binding_keys(&self, vhost: &str) -> Result<Vec<(ResourceId, String)>, BrokerError> {
        Ok(binding_keys(self, vhost)
            .await?
            .into_iter()
            .filter_map(|listed| Some((binding_id(&listed.binding)?, listed.properties_key)))
            .collect())
    }

    async fn login(&self) -> Result<String, BrokerError> {
        let me: Whoami = self.get_json(&ApiPath::new(["whoami"])).await?;
        Ok(me.name)
    }
}

/// The part of `GET /api/whoami` enrichment reads.
#[derive(Deserialize)]
struct Whoami {
    name: String,
}

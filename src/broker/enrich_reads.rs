//! The broker's answers to what plan enrichment asks (message counts, binding keys, who
//! warren logs in as).

use std::collections::HashMap;

use serde_json::Value;

use super::client::HttpBroker;
use super::fetch::{binding_keys, consumers_besides_shovel, queue_totals};
use super::lower::binding_id;
use super::path::ApiPath;
use crate::error::Error;
use crate::model::ResourceId;
use crate::plan::enrich::Reads;

impl Reads for HttpBroker {
    async fn message_counts(&self) -> Result<HashMap<(String, String), Option<u64>>, Error> {
        Ok(queue_totals(self, None)
            .await?
            .into_iter()
            .map(|q| ((q.vhost, q.name), q.messages))
            .collect())
    }

    async fn consumers(&self, vhost: &str, name: &str, shovel: &str) -> Result<u64, Error> {
        Ok(consumers_besides_shovel(self, vhost, name, shovel).await?)
    }

    async fn binding_keys(&self, vhost: &str) -> Result<Vec<(ResourceId, String)>, Error> {
        Ok(binding_keys(self, vhost)
            .await?
            .into_iter()
            .filter_map(|b| {
                let id = binding_id(
                    &b.vhost,
                    &b.source,
                    &b.destination_type,
                    &b.destination,
                    &b.routing_key,
                    &b.arguments,
                )?;
                Some((id, b.properties_key))
            })
            .collect())
    }

    async fn login(&self) -> Result<String, Error> {
        let me: Value = self
            .get_json(&ApiPath::new(["whoami"]))
            .await
            .map_err(|e| Error::Refused(e.to_string()))?;
        me.get("name")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| Error::Refused("GET /api/whoami answered without a name".to_string()))
    }
}

//! What each plan step sends to the broker: pure, from a change to HTTP requests.

use serde_json::{json, Value};

use crate::broker::ApiPath;
use crate::model::{Resource, ResourceId};

/// One HTTP request of a step.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    Put(ApiPath, Value),
    Post(ApiPath, Value),
    Delete(ApiPath),
}

fn field(resource: &Resource, name: &str) -> Value {
    resource.get(name).cloned().unwrap_or(Value::Null)
}

/// Tags as the comma-separated text every broker version accepts.
fn tags_text(resource: &Resource) -> Value {
    let tags: Vec<&str> = resource
        .get("tags")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    Value::from(tags.join(","))
}

/// Requests that remove the object (for Delete, and the first half of Replace).
pub fn remove(id: &ResourceId, before: Option<&Resource>) -> Vec<Request> {
    let path = match id {
        ResourceId::Vhost { name } => ApiPath::vhost(name),
        ResourceId::User { name } => ApiPath::user(name),
        ResourceId::GlobalParameter { name } => ApiPath::global_parameter(name),
        ResourceId::VhostLimit { vhost, name } => ApiPath::vhost_limit(vhost, name),
        ResourceId::UserLimit { user, name } => ApiPath::user_limit(user, name),
        ResourceId::Permission { vhost, user } => ApiPath::permission(vhost, user),
        ResourceId::TopicPermission { vhost, user } => ApiPath::topic_permission(vhost, user),
        ResourceId::Exchange { vhost, name } => ApiPath::exchange(vhost, name),
        ResourceId::Queue { vhost, name } => ApiPath::queue(vhost, name),
        ResourceId::Binding {
            vhost,
            source,
            destination_type,
            destination,
            ..
        } => {
            let key = before
                .and_then(|b| b.properties_key.as_deref())
                .unwrap_or("~");
            ApiPath::binding(vhost, source, *destination_type, destination, key)
        }
        ResourceId::Policy { vhost, name } => ApiPath::policy(vhost, name),
        ResourceId::OperatorPolicy { vhost, name } => ApiPath::operator_policy(vhost, name),
        ResourceId::Parameter {
            vhost,
            component,
            name,
        } => ApiPath::parameter(component, vhost, name),
    };
    vec![Request::Delete(path)]
}

/// Requests that create or update the object to match `after`.
pub fn put(id: &ResourceId, after: &Resource, replacing_topic_permissions: bool) -> Vec<Request> {
    let r = after;
    match id {
        ResourceId::Vhost { name } => vec![Request::Put(
            ApiPath::vhost(name),
            json!({
                "description": field(r, "description"),
                "tags": tags_text(r),
                "default_queue_type": field(r, "default_queue_type"),
                // 3.10 reads this spelling; later versions the one above.
                "defaultqueuetype": field(r, "default_queue_type"),
                "tracing": field(r, "tracing"),
            }),
        )],
        ResourceId::User { name } => vec![Request::Put(
            ApiPath::user(name),
            json!({
                "password_hash": field(r, "password_hash"),
                "hashing_algorithm": field(r, "hashing_algorithm"),
                "tags": tags_text(r),
            }),
        )],
        ResourceId::GlobalParameter { name } => vec![Request::Put(
            ApiPath::global_parameter(name),
            json!({ "name": name, "value": field(r, "value") }),
        )],
        ResourceId::VhostLimit { vhost, name } => {
            vec![Request::Put(
                ApiPath::vhost_limit(vhost, name),
                json!({ "value": field(r, "value") }),
            )]
        }
        ResourceId::UserLimit { user, name } => {
            vec![Request::Put(
                ApiPath::user_limit(user, name),
                json!({ "value": field(r, "value") }),
            )]
        }
        ResourceId::Permission { vhost, user } => vec![Request::Put(
            ApiPath::permission(vhost, user),
            json!({ "configure": field(r, "configure"), "write": field(r, "write"), "read": field(r, "read") }),
        )],
        ResourceId::TopicPermission { vhost, user } => {
            // The API sets one exchange at a time and deletes them all at once.
            let mut requests = Vec::new();
            if replacing_topic_permissions {
                requests.push(Request::Delete(ApiPath::topic_permission(vhost, user)));
            }
            let entries = r
                .get("exchanges")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            for (exchange, p) in entries {
                requests.push(Request::Put(
                    ApiPath::topic_permission(vhost, user),
                    json!({ "exchange": exchange, "write": p.get("write"), "read": p.get("read") }),
                ));
            }
            requests
        }
        ResourceId::Exchange { vhost, name } => vec![Request::Put(
            ApiPath::exchange(vhost, name),
            json!({
                "type": field(r, "type"),
                "durable": field(r, "durable"),
                "auto_delete": field(r, "auto_delete"),
                "internal": field(r, "internal"),
                "arguments": field(r, "arguments"),
            }),
        )],
        ResourceId::Queue { vhost, name } => vec![Request::Put(
            ApiPath::queue(vhost, name),
            json!({
                "durable": field(r, "durable"),
                "auto_delete": field(r, "auto_delete"),
                "arguments": field(r, "arguments"),
            }),
        )],
        ResourceId::Binding {
            vhost,
            source,
            destination_type,
            destination,
            routing_key,
            arguments,
        } => {
            vec![Request::Post(
                ApiPath::binding_create(vhost, source, *destination_type, destination),
                json!({ "routing_key": routing_key, "arguments": arguments.map() }),
            )]
        }
        ResourceId::Policy { vhost, name } => {
            vec![Request::Put(ApiPath::policy(vhost, name), policy_body(r))]
        }
        ResourceId::OperatorPolicy { vhost, name } => {
            vec![Request::Put(
                ApiPath::operator_policy(vhost, name),
                policy_body(r),
            )]
        }
        ResourceId::Parameter {
            vhost,
            component,
            name,
        } => vec![Request::Put(
            ApiPath::parameter(component, vhost, name),
            json!({ "vhost": vhost, "component": component, "name": name, "value": field(r, "value") }),
        )],
    }
}

fn policy_body(r: &Resource) -> Value {
    json!({
        "pattern": field(r, "pattern"),
        "apply-to": field(r, "apply-to"),
        "priority": field(r, "priority"),
        "definition": field(r, "definition"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::kinds;
    use crate::model::DestinationType;
    use serde_json::Map;

    #[test]
    fn a_vhost_carries_its_default_queue_type_in_both_spellings() {
        let id = ResourceId::Vhost { name: "v".into() };
        let requests = put(&id, &kinds::vhost("", &[], Some("quorum"), false), false);
        let [Request::Put(_, body)] = requests.as_slice() else {
            panic!("expected one PUT: {requests:?}")
        };
        // 3.10 to 3.11.11 read the second; later releases the first.
        assert_eq!(body["default_queue_type"], "quorum");
        assert_eq!(body["defaultqueuetype"], "quorum");
    }

    #[test]
    fn binding_delete_uses_the_live_properties_key() {
        let id = kinds::binding_id("/", "ex", DestinationType::Queue, "q 1", "k", &Map::new());
        let mut live = Resource::new();
        live.properties_key = Some("k%1".into());
        let requests = remove(&id, Some(&live));
        let Request::Delete(path) = &requests[0] else {
            panic!("expected a delete")
        };
        assert_eq!(path.path(), "/api/bindings/%2F/e/ex/q/q%201/k%251");
    }

    #[test]
    fn user_put_always_carries_a_hash() {
        let id = ResourceId::User { name: "u".into() };
        let requests = put(
            &id,
            &kinds::user(&["b".into(), "a".into()], "HASH", None),
            false,
        );
        let Request::Put(_, body) = &requests[0] else {
            panic!("expected a put")
        };
        assert_eq!(body["password_hash"], "HASH");
        assert_eq!(body["tags"], "a,b");
        assert!(body.get("password").is_none());
    }
}

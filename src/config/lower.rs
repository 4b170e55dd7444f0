//! The environment's declarations as a comparable [`State`].

use crate::config::diagnostic::DiagnosticKind;
use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::diagnostic::{Diagnostic, FileId, Sources};
use super::environment::{Environment, Vhost};
use super::located::Located;
use super::schema::{BindingSpec, Kind, SecretSource};
use super::uri_credentials;
use crate::model::kinds;
use crate::model::secret_value::Secret;
use crate::model::{DestinationType, Resource, ResourceId, State, StateBuilder};

/// Reads a secret when the state needs it.
pub type SecretResolver<'a> = dyn Fn(&SecretSource, FileId) -> Result<Secret, Diagnostic> + 'a;

fn plain_map(args: &IndexMap<Located<String>, Located<Value>>) -> Map<String, Value> {
    args.iter()
        .map(|(k, v)| (k.value.clone(), v.value.clone()))
        .collect()
}

/// Builds the desired state of the kinds and vhosts the environment manages.
pub fn desired_state(
    env: &Environment,
    resolve: &SecretResolver,
) -> Result<State, Vec<Diagnostic>> {
    let mut state = StateBuilder::default();
    let mut problems = Vec::new();
    let managed = env.managed_vhosts();
    let wants = |kind: Kind| env.manages_kind(kind);

    for (name, vhost) in env.vhosts.iter().filter(|(n, _)| managed.contains(n)) {
        add_vhost(&mut state, env, name, vhost);
        if wants(Kind::Parameters) {
            add_parameters(
                &mut state,
                &mut problems,
                (name, vhost),
                &env.sources,
                resolve,
            );
        }
    }
    for (name, param) in &env.global_parameters {
        if wants(Kind::GlobalParameters) {
            state.insert(
                ResourceId::GlobalParameter { name: name.clone() },
                kinds::parameter(param.spec.value.clone()),
            );
        }
    }
    for (name, user) in &env.users {
        let spec = &user.spec;
        if wants(Kind::Users) {
            let tags: Vec<String> = spec.tags.iter().map(|t| t.value.clone()).collect();
            let algorithm = spec.hashing_algorithm.as_ref().map(|a| a.value.as_str());
            let mut resource = kinds::user(&tags, "", algorithm);
            if let Some(hash) = &spec.password_hash {
                resource = resource.with("password_hash", Value::from(hash.value.clone()));
            } else if let Some(source) = &spec.password {
                match resolve(source, user.file) {
                    Ok(secret) => resource.password = Some(secret),
                    Err(problem) => problems.push(problem),
                }
            } else {
                // No password declared: whatever the broker has is kept.
                resource.props.remove("password_hash");
                resource.props.remove("hashing_algorithm");
            }
            state.insert(ResourceId::User { name: name.clone() }, resource);
        }
        if wants(Kind::UserLimits) {
            if let Some(limits) = &spec.limits {
                for (limit, value) in [
                    ("max-connections", &limits.max_connections),
                    ("max-channels", &limits.max_channels),
                ] {
                    if let Some(value) = value {
                        let id = ResourceId::UserLimit {
                            user: name.clone(),
                            name: limit.to_string(),
                        };
                        state.insert(id, kinds::limit(value.value));
                    }
                }
            }
        }
        if wants(Kind::Permissions) {
            for (vhost, p) in &spec.permissions {
                let text = |r: &Option<Located<String>>| {
                    r.as_ref().map(|r| r.value.clone()).unwrap_or_default()
                };
                let id = ResourceId::Permission {
                    vhost: vhost.value.clone(),
                    user: name.clone(),
                };
                state.insert(
                    id,
                    kinds::permission(&text(&p.configure), &text(&p.write), &text(&p.read)),
                );
            }
        }
        if wants(Kind::TopicPermissions) {
            for (vhost, exchanges) in &spec.topic_permissions {
                let text = |r: &Option<Located<String>>| {
                    r.as_ref().map(|r| r.value.clone()).unwrap_or_default()
                };
                let entries: BTreeMap<String, (String, String)> = exchanges
                    .iter()
                    .map(|(e, p)| (e.value.clone(), (text(&p.write), text(&p.read))))
                    .collect();
                let id = ResourceId::TopicPermission {
                    vhost: vhost.value.clone(),
                    user: name.clone(),
                };
                state.insert(id, kinds::topic_permissions(&entries));
            }
        }
    }
    if problems.is_empty() {
        Ok(state.build())
    } else {
        Err(problems)
    }
}

fn add_vhost(state: &mut StateBuilder, env: &Environment, name: &str, vhost: &Vhost) {
    let wants = |kind: Kind| env.manages_kind(kind);
    let default_type = vhost
        .default_queue_type
        .as_ref()
        .map(|t| t.value.as_str())
        .unwrap_or("classic");
    if wants(Kind::Vhosts) {
        let tags: Vec<String> = vhost
            .tags
            .iter()
            .flatten()
            .map(|t| t.value.clone())
            .collect();
        let description = vhost
            .description
            .as_ref()
            .map(|d| d.value.as_str())
            .unwrap_or("");
        let tracing = vhost.tracing.as_ref().is_some_and(|t| t.value);
        state.insert(
            ResourceId::Vhost {
                name: name.to_string(),
            },
            kinds::vhost(description, &tags, Some(default_type), tracing),
        );
    }
    if wants(Kind::VhostLimits) {
        if let Some(limits) = &vhost.limits {
            for (limit, value) in [
                ("max-connections", &limits.max_connections),
                ("max-queues", &limits.max_queues),
            ] {
                if let Some(value) = value {
                    let id = ResourceId::VhostLimit {
                        vhost: name.to_string(),
                        name: limit.to_string(),
                    };
                    state.insert(id, kinds::limit(value.value));
                }
            }
        }
    }
    let flag = |f: &Option<Located<bool>>, default: bool| f.as_ref().map_or(default, |f| f.value);
    for (exchange_name, exchange) in &vhost.exchanges {
        let spec = &exchange.spec;
        if wants(Kind::Exchanges) {
            let resource = kinds::exchange(
                &spec.kind.value,
                flag(&spec.durable, true),
                flag(&spec.auto_delete, false),
                flag(&spec.internal, false),
                plain_map(&spec.arguments),
            );
            state.insert(
                ResourceId::Exchange {
                    vhost: name.to_string(),
                    name: exchange_name.clone(),
                },
                resource,
            );
        }
        if wants(Kind::Bindings) {
            add_bindings(
                state,
                name,
                DestinationType::Exchange,
                exchange_name,
                &spec.bindings,
            );
        }
    }
    for (queue_name, queue) in &vhost.queues {
        let spec = &queue.spec;
        if wants(Kind::Queues) {
            let mut arguments = plain_map(&spec.arguments);
            if let Some(kind) = &spec.kind {
                arguments.insert("x-queue-type".to_string(), Value::from(kind.value.as_str()));
            }
            let resource = kinds::queue(
                flag(&spec.durable, true),
                flag(&spec.auto_delete, false),
                arguments,
                default_type,
            );
            state.insert(
                ResourceId::Queue {
                    vhost: name.to_string(),
                    name: queue_name.clone(),
                },
                resource,
            );
        }
        if wants(Kind::Bindings) {
            add_bindings(
                state,
                name,
                DestinationType::Queue,
                queue_name,
                &spec.bindings,
            );
        }
    }
    for (policies, kind, operator) in [
        (&vhost.policies, Kind::Policies, false),
        (&vhost.operator_policies, Kind::OperatorPolicies, true),
    ] {
        if !wants(kind) {
            continue;
        }
        for (policy_name, policy) in policies {
            let spec = &policy.spec;
            let default_apply_to = if operator { "queues" } else { "all" };
            let apply_to = spec
                .apply_to
                .as_ref()
                .map(|a| a.value.as_str())
                .unwrap_or(default_apply_to);
            let priority = spec.priority.as_ref().map_or(0, |p| p.value);
            let definition = plain_map(&spec.definition);
            let (id, resource) = if operator {
                (
                    ResourceId::OperatorPolicy {
                        vhost: name.to_string(),
                        name: policy_name.clone(),
                    },
                    kinds::operator_policy(&spec.pattern.value, apply_to, priority, definition),
                )
            } else {
                (
                    ResourceId::Policy {
                        vhost: name.to_string(),
                        name: policy_name.clone(),
                    },
                    kinds::policy(&spec.pattern.value, apply_to, priority, definition),
                )
            };
            state.insert(id, resource);
        }
    }
}

/// Runtime parameters, with shovel and federation URI secrets resolved.
fn add_parameters(
    state: &mut StateBuilder,
    problems: &mut Vec<Diagnostic>,
    (name, vhost): (&str, &Vhost),
    sources: &Sources,
    resolve: &SecretResolver,
) {
    for ((component, parameter_name), parameter) in &vhost.parameters {
        let id = ResourceId::Parameter {
            vhost: name.to_string(),
            component: component.clone(),
            name: parameter_name.clone(),
        };
        let value = &parameter.spec.value;
        let mut secret = |source: &SecretSource| resolve(source, parameter.file);
        let invalid = |reason: String, at| {
            Diagnostic::error(DiagnosticKind::InvalidArgument, reason).at(parameter.file, at)
        };
        let text = &sources.get(parameter.file).text;
        match uri_credentials::resolve_value(
            component,
            &value.value,
            value.at,
            text,
            &mut secret,
            invalid,
        ) {
            Ok(resolved) => state.insert(id, kinds::parameter(resolved)),
            Err(problem) => problems.push(problem),
        }
    }
}

fn add_bindings(
    state: &mut StateBuilder,
    vhost: &str,
    destination_type: DestinationType,
    destination: &str,
    bindings: &[BindingSpec],
) {
    for binding in bindings {
        let key = binding
            .routing_key
            .as_ref()
            .map(|k| k.value.as_str())
            .unwrap_or("");
        let id = kinds::binding_id(
            vhost,
            &binding.exchange.value,
            destination_type,
            destination,
            key,
            &plain_map(&binding.arguments),
        );
        state.insert(id, Resource::new());
    }
}

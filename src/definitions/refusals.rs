//! What a definitions document holds that RabbitMQ refuses to import and warren's model
//! cannot carry: `import` stops on these rather than leave them out of the environment.

use serde_json::{Map, Value};

use super::json_position::Step;
use crate::format::wire::Definitions;
use crate::render::value::escape_control;

/// A value of a definitions document: where it is, and what is wrong with it.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentProblem {
    pub path: Vec<Step>,
    pub reason: String,
}

pub fn refusals(defs: &Definitions) -> Vec<DocumentProblem> {
    let mut found = Vec::new();
    for (i, user) in defs.users.iter().enumerate() {
        let owner = format!("user `{}`", shown(&user.name));
        non_integer_limits(&mut found, &owner, &user.limits, |limit| {
            path(&["users"], i, &["limits", limit])
        });
    }
    for (i, binding) in defs.bindings.iter().enumerate() {
        if !matches!(binding.destination_type.as_str(), "queue" | "exchange") {
            found.push(DocumentProblem {
                path: path(&["bindings"], i, &["destination_type"]),
                reason: format!(
                    "binding from `{}` to `{}` in vhost `{}`: destination_type must be \
                     `queue` or `exchange`, not {}",
                    shown(&binding.source),
                    shown(&binding.destination),
                    shown(&binding.vhost),
                    Value::from(binding.destination_type.as_str())
                ),
            });
        }
    }
    for (i, parameter) in defs.parameters.iter().enumerate() {
        if parameter.component != "vhost-limits" {
            continue;
        }
        let Some(limits) = parameter.value.as_object() else {
            continue;
        };
        let owner = format!("vhost `{}`", shown(&parameter.vhost));
        non_integer_limits(&mut found, &owner, limits, |limit| {
            path(&["parameters"], i, &["value", limit])
        });
    }
    found
}

/// Each limit of `owner` whose value is not an integer.
fn non_integer_limits(
    found: &mut Vec<DocumentProblem>,
    owner: &str,
    limits: &Map<String, Value>,
    path_of: impl Fn(&str) -> Vec<Step>,
) {
    for (limit, value) in limits {
        if value.as_i64().is_none() {
            found.push(DocumentProblem {
                path: path_of(limit),
                reason: format!(
                    "{owner}: limit `{}` must be an integer, not {value}",
                    shown(limit)
                ),
            });
        }
    }
}

/// A name from the file with control characters escaped, so it cannot drive the terminal.
pub(super) fn shown(text: &str) -> String {
    text.chars().flat_map(escape_control).collect()
}

fn path(list: &[&str], index: usize, inside: &[&str]) -> Vec<Step> {
    let keys = |names: &[&str]| {
        names
            .iter()
            .map(|k| Step::Key(k.to_string()))
            .collect::<Vec<_>>()
    };
    let mut steps = keys(list);
    steps.push(Step::Index(index));
    steps.extend(keys(inside));
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn definitions(json: Value) -> Definitions {
        serde_json::from_value(json).expect("definitions")
    }

    #[test]
    fn a_non_integer_user_limit_and_an_unknown_destination_type_are_refused() {
        let defs = definitions(serde_json::json!({
            "users": [{"name": "u", "limits": {"max-connections": "twomincepies", "max-channels": 4}}],
            "bindings": [
                {"source": "x", "vhost": "/", "destination": "q", "destination_type": "queue"},
                {"source": "x", "vhost": "/", "destination": "q", "destination_type": "café"}
            ],
            "parameters": [{"vhost": "v", "component": "vhost-limits", "name": "limits",
                            "value": {"max-queues": 1.5}}]
        }));
        let found = refusals(&defs);
        let reasons: Vec<&str> = found.iter().map(|r| r.reason.as_str()).collect();
        assert_eq!(
            reasons,
            [
                "user `u`: limit `max-connections` must be an integer, not \"twomincepies\"",
                "binding from `x` to `q` in vhost `/`: destination_type must be `queue` or \
                 `exchange`, not \"café\"",
                "vhost `v`: limit `max-queues` must be an integer, not 1.5",
            ]
        );
        assert_eq!(
            found[1].path,
            [
                Step::Key("bindings".into()),
                Step::Index(1),
                Step::Key("destination_type".into())
            ]
        );
    }

    #[test]
    fn control_characters_in_names_are_escaped() {
        let defs = definitions(serde_json::json!({
            "users": [{"name": "u\u{1b}[31m", "limits": {"max-channels": "x"}}]
        }));
        assert_eq!(
            refusals(&defs)[0].reason,
            "user `u\\u{1b}[31m`: limit `max-channels` must be an integer, not \"x\""
        );
    }

    #[test]
    fn a_document_the_broker_takes_has_no_refusals() {
        let defs = definitions(serde_json::json!({
            "users": [{"name": "u", "limits": {"max-connections": -1}}],
            "bindings": [{"source": "x", "vhost": "/", "destination": "y",
                          "destination_type": "exchange"}]
        }));
        assert_eq!(refusals(&defs), []);
    }
}

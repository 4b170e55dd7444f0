//! What a definitions document holds that RabbitMQ refuses to import and warren's model
//! cannot carry: `import` stops on these rather than leave them out of the environment.

use serde_json::{Map, Value};

use super::json_position::{JsonDocument, Step};
use crate::config::diagnostic::{Diagnostic, DiagnosticKind};
use crate::format::wire::Definitions;
use crate::render::value::escape_control;

/// Each refused value of `defs`, placed in `document`, the text it was read from.
pub fn refusals(defs: &Definitions, document: &JsonDocument) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for (i, user) in defs.users.iter().enumerate() {
        let owner = format!("user `{}`", shown(&user.name));
        non_integer_limits(&mut found, document, &owner, &user.limits, |limit| {
            path(&["users"], i, &["limits", limit])
        });
    }
    for (i, binding) in defs.bindings.iter().enumerate() {
        if !matches!(binding.destination_type.as_str(), "queue" | "exchange") {
            let reason = format!(
                "binding from `{}` to `{}` in vhost `{}`: destination_type must be \
                 `queue` or `exchange`, not {}",
                shown(&binding.source),
                shown(&binding.destination),
                shown(&binding.vhost),
                Value::from(binding.destination_type.as_str())
            );
            found.push(document.place(
                Diagnostic::error(DiagnosticKind::RefusedImportValue, reason),
                &path(&["bindings"], i, &["destination_type"]),
            ));
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
        non_integer_limits(&mut found, document, &owner, limits, |limit| {
            path(&["parameters"], i, &["value", limit])
        });
    }
    found
}

/// Each limit of `owner` whose value is not an integer.
fn non_integer_limits(
    found: &mut Vec<Diagnostic>,
    document: &JsonDocument,
    owner: &str,
    limits: &Map<String, Value>,
    path_of: impl Fn(&str) -> Vec<Step>,
) {
    for (limit, value) in limits {
        if value.as_i64().is_none() {
            let reason = format!(
                "{owner}: limit `{}` must be an integer, not {value}",
                shown(limit)
            );
            found.push(document.place(
                Diagnostic::error(DiagnosticKind::RefusedImportValue, reason),
                &path_of(limit),
            ));
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

    /// The problems of the document `json`, written out one value a line.
    fn refused(json: Value) -> (Vec<Diagnostic>, String) {
        let text = serde_json::to_string_pretty(&json).expect("text");
        let defs: Definitions = serde_json::from_str(&text).expect("definitions");
        let document = JsonDocument {
            text: &text,
            file: 0,
        };
        (refusals(&defs, &document), text)
    }

    fn messages(found: &[Diagnostic]) -> Vec<String> {
        found.iter().map(|d| d.message().into_owned()).collect()
    }

    #[test]
    fn a_non_integer_user_limit_and_an_unknown_destination_type_are_refused() {
        let (found, text) = refused(serde_json::json!({
            "users": [{"name": "u", "limits": {"max-connections": "twomincepies", "max-channels": 4}}],
            "bindings": [
                {"source": "x", "vhost": "/", "destination": "q", "destination_type": "queue"},
                {"source": "x", "vhost": "/", "destination": "q", "destination_type": "café"}
            ],
            "parameters": [{"vhost": "v", "component": "vhost-limits", "name": "limits",
                            "value": {"max-queues": 1.5}}]
        }));
        assert_eq!(
            messages(&found),
            [
                "user `u`: limit `max-connections` must be an integer, not \"twomincepies\"",
                "binding from `x` to `q` in vhost `/`: destination_type must be `queue` or \
                 `exchange`, not \"café\"",
                "vhost `v`: limit `max-queues` must be an integer, not 1.5",
            ]
        );
        let destination_type = [
            Step::Key("bindings".into()),
            Step::Index(1),
            Step::Key("destination_type".into()),
        ];
        let (line, column) = super::super::json_position::position(&text, &destination_type)
            .expect("the binding's destination_type");
        let at = found[1].location.expect("placed").at;
        assert_eq!((at.line as usize, at.column as usize), (line, column));
    }

    #[test]
    fn control_characters_in_names_are_escaped() {
        let (found, _) = refused(serde_json::json!({
            "users": [{"name": "u\u{1b}[31m", "limits": {"max-channels": "x"}}]
        }));
        assert_eq!(
            found[0].message(),
            "user `u\\u{1b}[31m`: limit `max-channels` must be an integer, not \"x\""
        );
    }

    #[test]
    fn a_document_the_broker_takes_has_no_refusals() {
        let (found, _) = refused(serde_json::json!({
            "users": [{"name": "u", "limits": {"max-connections": -1}}],
            "bindings": [{"source": "x", "vhost": "/", "destination": "y",
                          "destination_type": "exchange"}]
        }));
        assert!(found.is_empty(), "{found:?}");
    }
}

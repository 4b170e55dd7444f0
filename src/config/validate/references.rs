//! Every name that refers to another entity must resolve: bindings, permissions, policies,
//! the managed vhost list. Dead-letter and alternate exchanges that are not declared are
//! the `undeclared-exchange` lint: the broker accepts them (an application may declare
//! the exchange at run time), but messages sent there are dropped until it exists.

use super::{plain, Checker};
use crate::config::diagnostic::DiagnosticKind;
use crate::config::diagnostic::{Diagnostic, FileId, Severity};
use crate::config::environment::Vhost;
use crate::config::located::Located;

/// The default exchange (`""`) and `amq.*` exist in every vhost without being declared.
pub fn is_builtin_exchange(name: &str) -> bool {
    name.is_empty() || name.starts_with("amq.")
}

pub(super) fn check(c: &mut Checker) {
    let env = c.env;
    for vhost in env.vhosts.values() {
        for queue in vhost.queues.values() {
            for binding in &queue.spec.bindings {
                source_exchange(c, vhost, queue.file, &binding.exchange, "binding source");
            }
            let allowed = plain(&queue.spec.allow);
            argument_exchange(
                c,
                vhost,
                queue.file,
                &queue.spec.arguments,
                "x-dead-letter-exchange",
                &allowed,
            );
        }
        for exchange in vhost.exchanges.values() {
            for binding in &exchange.spec.bindings {
                source_exchange(c, vhost, exchange.file, &binding.exchange, "binding source");
                if binding.exchange.value == exchange.name.value {
                    c.error(
                        DiagnosticKind::InvalidReference,
                        exchange.file,
                        binding.exchange.at,
                        format!(
                            "exchange `{}` cannot be bound to itself",
                            exchange.name.value
                        ),
                    );
                }
            }
            let allowed = plain(&exchange.spec.allow);
            argument_exchange(
                c,
                vhost,
                exchange.file,
                &exchange.spec.arguments,
                "alternate-exchange",
                &allowed,
            );
        }
        for policy in vhost.policies.values() {
            let allowed = plain(&policy.spec.allow);
            for key in ["dead-letter-exchange", "alternate-exchange"] {
                argument_exchange(
                    c,
                    vhost,
                    policy.file,
                    &policy.spec.definition,
                    key,
                    &allowed,
                );
            }
            for component in ["federation-upstream", "federation-upstream-set"] {
                parameter_reference(c, vhost, policy.file, &policy.spec.definition, component);
            }
        }
    }
    for user in env.users.values() {
        for vhost in user.spec.permissions.keys() {
            vhost_reference(c, user.file, vhost, "permission");
        }
        for (vhost, exchanges) in &user.spec.topic_permissions {
            vhost_reference(c, user.file, vhost, "topic permission");
            if let Some(declared) = env.vhosts.get(&vhost.value) {
                for exchange in exchanges.keys() {
                    source_exchange(
                        c,
                        declared,
                        user.file,
                        exchange,
                        "topic permission exchange",
                    );
                }
            }
        }
    }
    if let Some(manage) = &env.settings.manage {
        for vhost in manage.spec.vhosts.iter().flatten() {
            vhost_reference(c, manage.file, vhost, "managed");
        }
    }
}

fn source_exchange(
    c: &mut Checker,
    vhost: &Vhost,
    file: FileId,
    name: &Located<String>,
    what: &str,
) {
    let error = |message| Diagnostic::error(DiagnosticKind::UnknownReference, message);
    if let Some(problem) = undeclared_exchange(error, vhost, name, what, "") {
        c.push(problem.at(file, name.at));
    }
}

/// A diagnostic made by `new`, with a did-you-mean, when `name` is not an exchange of `vhost`.
fn undeclared_exchange(
    new: impl FnOnce(String) -> Diagnostic,
    vhost: &Vhost,
    name: &Located<String>,
    what: &str,
    consequence: &str,
) -> Option<Diagnostic> {
    if is_builtin_exchange(&name.value) || vhost.exchanges.contains_key(&name.value) {
        return None;
    }
    let mut problem = new(format!(
        "{what} `{}` is not an exchange declared in vhost `{}`{consequence}",
        name.value, vhost.name.value
    ));
    if let Some(similar) = closest(&name.value, vhost.exchanges.keys()) {
        problem = problem.help(format!("did you mean `{similar}`?"));
    }
    Some(problem)
}

/// An argument or policy key whose string value names an exchange in the same vhost.
fn argument_exchange(
    c: &mut Checker,
    vhost: &Vhost,
    file: FileId,
    args: &indexmap::IndexMap<Located<String>, Located<serde_json::Value>>,
    key: &str,
    allowed: &[String],
) {
    let Some((k, value)) = args.iter().find(|(k, _)| k.value == key) else {
        return;
    };
    let Some(name) = value.value.as_str() else {
        return;
    };
    let located = Located::new(name.to_string(), value.at);
    let warning = |message| Diagnostic::warning(DiagnosticKind::UndeclaredExchange, message);
    let what = format!("`{}`", k.value);
    let consequence = "; the broker accepts it, but drops what is sent there until it exists";
    if let Some(mut problem) = undeclared_exchange(warning, vhost, &located, &what, consequence) {
        if problem.help.is_none() {
            problem = problem.help(
                "declare it here, or allow `undeclared-exchange` where an application declares it",
            );
        }
        c.lint(problem.at(file, value.at), &[&vhost.allow, allowed]);
    }
}

fn parameter_reference(
    c: &mut Checker,
    vhost: &Vhost,
    file: FileId,
    definition: &indexmap::IndexMap<Located<String>, Located<serde_json::Value>>,
    component: &str,
) {
    let Some((_, value)) = definition.iter().find(|(k, _)| k.value == component) else {
        return;
    };
    let Some(name) = value.value.as_str() else {
        return;
    };
    let declared = vhost
        .parameters
        .contains_key(&(component.to_string(), name.to_string()));
    // "all" is the implicit set of every upstream in the vhost.
    let implicit_set = component == "federation-upstream-set" && name == "all";
    if !(declared || implicit_set) {
        let kind = DiagnosticKind::UnknownParameter {
            component: component.to_string(),
            name: name.to_string(),
            vhost: vhost.name.value.clone(),
        };
        c.push(Diagnostic::new(Severity::Error, kind).at(file, value.at));
    }
}

fn vhost_reference(c: &mut Checker, file: FileId, vhost: &Located<String>, what: &str) {
    if c.env.vhosts.contains_key(&vhost.value) {
        return;
    }
    let kind = DiagnosticKind::UnknownVhost {
        what: what.to_string(),
        vhost: vhost.value.clone(),
    };
    let mut problem = Diagnostic::new(Severity::Error, kind).at(file, vhost.at);
    if let Some(similar) = closest(&vhost.value, c.env.vhosts.keys()) {
        problem = problem.help(format!("did you mean `{similar}`?"));
    }
    c.push(problem);
}

/// The declared name nearest to a misspelt one, if it is close enough to suggest.
fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a String>) -> Option<&'a String> {
    candidates
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 5))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = if ca == *cb {
                previous
            } else {
                1 + previous.min(row[j]).min(row[j + 1])
            };
            previous = current;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_need_no_declaration() {
        assert!(is_builtin_exchange(""));
        assert!(is_builtin_exchange("amq.topic"));
        assert!(!is_builtin_exchange("ex.dead_letter"));
    }

    #[test]
    fn suggests_near_names_only() {
        let names = ["ex.dead_letter".to_string(), "ex.topic".to_string()];
        assert_eq!(closest("ex.dead_leter", names.iter()), Some(&names[0]));
        assert_eq!(closest("something.else", names.iter()), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}

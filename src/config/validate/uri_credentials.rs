//! Shovel and federation URIs: a password is never a literal (outside `local`
//! environments), and a URI secret has one of the shapes `uri_secrets` knows.

use super::Checker;
use crate::config::diagnostic::Diagnostic;
use crate::config::uri_secrets::{uri_items, UriSource};
use crate::uri_password::{has_password, with_password};

pub(super) fn check(c: &mut Checker) {
    let env = c.env;
    for vhost in env.vhosts.values() {
        for ((component, name), parameter) in &vhost.parameters {
            let value = &parameter.spec.value;
            let text = &env.sources.get(parameter.file).text;
            for item in uri_items(component, &value.value, value.at, text) {
                let what = format!("{} `{}`: `{}`", component, name, item.field);
                let problem = match &item.source {
                    UriSource::Literal(uri) if has_password(uri) && !env.settings.local => Some(
                        Diagnostic::error(
                            "secret-literal",
                            format!("{what} holds a password written in the file; secrets must not be committed"),
                        )
                        .help("write `{ uri: \"amqp://user@host\", password: { env: NAME } }`, or the whole URI as `{ env: NAME }`"),
                    ),
                    UriSource::WithPassword { uri, .. } => with_password(uri, "")
                        .err()
                        .map(|reason| Diagnostic::error("invalid-argument", format!("{what}: {reason}"))),
                    UriSource::Invalid(reason) => {
                        Some(Diagnostic::error("invalid-argument", format!("{what}: {reason}")))
                    }
                    _ => None,
                };
                if let Some(problem) = problem {
                    c.push(problem.at(parameter.file, item.at));
                }
            }
        }
    }
}

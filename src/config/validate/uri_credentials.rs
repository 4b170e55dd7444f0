//! Shovel and federation URIs: a password is never a literal (outside `local`
//! environments), and a URI secret has one of the shapes `uri_credentials` knows.

use super::Checker;
use crate::config::diagnostic::Diagnostic;
use crate::config::diagnostic::DiagnosticKind;
use crate::config::uri_credentials::{parameter_uris, UriSource};
use crate::format::uri_credentials::{has_password, unable_to_take_password};

pub(super) fn check(c: &mut Checker) {
    let env = c.env;
    for uri in parameter_uris(env) {
        let what = format!("{} `{}`: `{}`", uri.component, uri.name, uri.item.field);
        let problem = match &uri.item.source {
            UriSource::Literal(text) if has_password(text) && !env.settings.local => Some(
                Diagnostic::error(
                    DiagnosticKind::SecretLiteral,
                    format!("{what} holds a password written in the file; secrets must not be committed"),
                )
                .help("write `{ uri: \"amqp://user@host\", password: { env: NAME } }`, or the whole URI as `{ env: NAME }`"),
            ),
            UriSource::WithPassword { uri: text, .. } => unable_to_take_password(text)
                .map(|reason| Diagnostic::error(DiagnosticKind::InvalidArgument, format!("{what}: {reason}"))),
            UriSource::Invalid(reason) => {
                Some(Diagnostic::error(DiagnosticKind::InvalidArgument, format!("{what}: {reason}")))
            }
            _ => None,
        };
        if let Some(problem) = problem {
            c.push(problem.at(uri.file, uri.item.at));
        }
    }
}

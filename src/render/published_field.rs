//! One field diff as the plan and drift documents publish it: a sensitive field without its
//! values, every other value with its URI credentials redacted. One builder, so the two
//! documents cannot come to show a field differently.

use serde_json::Value;

use crate::model::resource::redact_credentials;
use crate::plan::FieldDiff;

/// A field's values as a document may show them; each document names the two sides its way.
pub struct PublishedField {
    pub field: String,
    /// The live value (the broker's).
    pub before: Option<Value>,
    /// The value after the change (the declared one).
    pub after: Option<Value>,
    pub forces_replace: bool,
    pub sensitive: bool,
}

impl From<&FieldDiff> for PublishedField {
    fn from(diff: &FieldDiff) -> Self {
        // Whatever built the diff, a sensitive value never reaches a document.
        let shown = |value: &Option<Value>| {
            value
                .as_ref()
                .filter(|_| !diff.sensitive)
                .map(redact_credentials)
        };
        PublishedField {
            field: diff.field.clone(),
            before: shown(&diff.before),
            after: shown(&diff.after),
            forces_replace: diff.forces_replace,
            sensitive: diff.sensitive,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sensitive_values_are_dropped_and_uri_credentials_redacted() {
        let secret = PublishedField::from(&FieldDiff {
            field: "password_hash".into(),
            before: Some(json!("OLD")),
            after: Some(json!("NEW")),
            forces_replace: false,
            sensitive: true,
        });
        assert_eq!((secret.before, secret.after), (None, None));
        let uri = PublishedField::from(&FieldDiff {
            field: "value.src-uri".into(),
            before: None,
            after: Some(json!(["amqp://u:pw@h"])),
            forces_replace: false,
            sensitive: false,
        });
        assert_eq!(uri.after, Some(json!(["amqp://u:***@h"])));
    }
}

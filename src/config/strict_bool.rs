//! Booleans as YAML writes them: a quoted `"yes"` or `"true"` is a string and is refused.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use super::located::Located;

/// A boolean that only a plain (unquoted) scalar or a `!!bool` tag can give.
struct StrictBool(bool);

struct StrictBoolVisitor;

impl<'de> Visitor<'de> for StrictBoolVisitor {
    type Value = StrictBool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("true or false without quotes (a quoted value is a string)")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<StrictBool, E> {
        Ok(StrictBool(value))
    }
}

impl<'de> Deserialize<'de> for StrictBool {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // `deserialize_any` keeps the scalar's style: plain `true` is a bool, `"true"` a string.
        deserializer.deserialize_any(StrictBoolVisitor)
    }
}

/// For `Located<bool>` fields: `#[serde(deserialize_with = "strict_bool::located")]`.
pub fn located<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Located<bool>, D::Error> {
    let strict = Located::<StrictBool>::deserialize(deserializer)?;
    Ok(Located::new(strict.value.0, strict.at))
}

/// For `Option<Located<bool>>` fields, together with `#[serde(default)]`.
pub fn optional<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Located<bool>>, D::Error> {
    // `null` (or `~`) is no value, as for every other optional field.
    let strict = Option::<Located<StrictBool>>::deserialize(deserializer)?;
    Ok(strict.map(|s| Located::new(s.value.0, s.at)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Holder {
        #[serde(default, deserialize_with = "optional")]
        flag: Option<Located<bool>>,
    }

    fn parse(text: &str) -> Result<Option<bool>, serde_saphyr::Error> {
        serde_saphyr::from_str::<Holder>(text).map(|h| h.flag.map(|f| f.value))
    }

    #[test]
    fn plain_booleans_are_read() {
        assert_eq!(parse("flag: true").unwrap(), Some(true));
        assert_eq!(parse("flag: false").unwrap(), Some(false));
        assert_eq!(parse("{}").unwrap(), None);
        assert_eq!(parse("flag: ~").unwrap(), None);
        assert_eq!(parse("flag: yes").unwrap(), Some(true));
    }

    #[test]
    fn quoted_booleans_are_strings_and_refused() {
        for text in ["flag: \"yes\"", "flag: 'true'", "flag: \"false\""] {
            let err = parse(text).expect_err(text);
            assert!(err.to_string().contains("without quotes"), "{text}: {err}");
        }
    }
}

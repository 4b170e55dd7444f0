//! Regular expressions as RabbitMQ's PCRE takes them: unanchored searches over names.

use std::cell::RefCell;
use std::collections::HashMap;

use fancy_regex::{Error, ParseError, Regex};

thread_local! {
    /// Patterns compiled so far: several checks match the same policy's pattern, and many
    /// users share a permission regex (a compile costs about as much as 800 matches).
    static COMPILED: RefCell<HashMap<String, Regex>> = RefCell::new(HashMap::new());
}

/// Compiles a permission regex or policy pattern once; the error is the compiler's reason.
pub fn compile(pattern: &str) -> Result<Regex, Error> {
    if let Some(regex) = COMPILED.with_borrow(|c| c.get(pattern).cloned()) {
        return Ok(regex);
    }
    let regex = compile_anew(pattern)?;
    COMPILED.with_borrow_mut(|c| c.insert(pattern.to_string(), regex.clone()));
    Ok(regex)
}

fn compile_anew(pattern: &str) -> Result<Regex, Error> {
    let regex = Regex::new(pattern)?;
    // The compiler takes `a{2,1}`; the broker's PCRE refuses it.
    match reversed_repeat(pattern) {
        Some(at) => Err(Error::ParseError(at, ParseError::InvalidRepeat)),
        None => Ok(regex),
    }
}

/// The byte offset of a `{min,max}` repeat whose min is above its max, outside classes.
fn reversed_repeat(pattern: &str) -> Option<usize> {
    let bytes = pattern.as_bytes();
    let (mut i, mut in_class) = (0, false);
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'[' => in_class = true,
            b']' => in_class = false,
            b'{' if !in_class
                && repeat_bounds(&pattern[i + 1..]).is_some_and(|(min, max)| min > max) =>
            {
                return Some(i);
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// `min,max` of a repeat's body up to its `}`, when both are numbers.
fn repeat_bounds(rest: &str) -> Option<(u64, u64)> {
    let body = &rest[..rest.find('}')?];
    let (min, max) = body.split_once(',')?;
    Some((min.parse().ok()?, max.parse().ok()?))
}

/// Whether the pattern finds a match anywhere in `name` (PCRE `re:run` semantics).
pub fn matches(regex: &Regex, name: &str) -> bool {
    regex.is_match(name).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_pcre_accepts() {
        for ok in [
            "",
            ".*",
            r"^odoo\.",
            r"^n8n\.results\..*|odoo\..*",
            r"^(?!amq\.).*",
            r"(a)\1",
            "a{1,2}",
            "[{2,1}]",
            r"\{2,1}",
        ] {
            assert!(compile(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_broken_patterns() {
        for bad in ["(", "[a-", "*x", "a{2,1}", r"(ab){10,3}x"] {
            assert!(compile(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_reversed_repeat_is_refused_where_it_stands() {
        let err = compile("ab{3,2}").unwrap_err();
        assert!(
            matches!(err, Error::ParseError(2, ParseError::InvalidRepeat)),
            "{err:?}"
        );
        assert!(err.to_string().contains("repeat"), "{err}");
    }

    #[test]
    fn a_pattern_compiled_again_is_the_same_and_a_broken_one_fails_again() {
        for _ in 0..2 {
            assert!(matches(&compile(r"^odoo\.").unwrap(), "odoo.x"));
            assert!(compile("a{2,1}").is_err());
        }
    }

    #[test]
    fn matching_is_a_search_not_a_full_match() {
        let r = compile(r"odoo\.").unwrap();
        assert!(matches(&r, "q.odoo.events"));
        assert!(!matches(&compile("^odoo").unwrap(), "q.odoo"));
    }
}

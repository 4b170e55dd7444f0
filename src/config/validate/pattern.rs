//! Regular expressions as RabbitMQ's PCRE takes them: unanchored searches over names.

use fancy_regex::Regex;

/// Compiles a permission regex or policy pattern; the error is the compiler's reason.
pub fn compile(pattern: &str) -> Result<Regex, fancy_regex::Error> {
    Regex::new(pattern)
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
        ] {
            assert!(compile(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_broken_patterns() {
        for bad in ["(", "[a-", "*x", "a{2,1}"] {
            assert!(compile(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn matching_is_a_search_not_a_full_match() {
        let r = compile(r"odoo\.").unwrap();
        assert!(matches(&r, "q.odoo.events"));
        assert!(!matches(&compile("^odoo").unwrap(), "q.odoo"));
    }
}

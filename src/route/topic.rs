//! Topic exchange matching as RabbitMQ's trie does it: keys split on `.`, `*` one word
//! (an empty word too), `#` zero or more words anywhere in the pattern.

/// The words of a routing or binding key; the empty key has no words, `a.` has two.
pub fn words(key: &str) -> Vec<&str> {
    if key.is_empty() {
        Vec::new()
    } else {
        key.split('.').collect()
    }
}

/// Whether a topic binding key matches a routing key.
pub fn matches(binding_key: &str, routing_key: &str) -> bool {
    let pattern = words(binding_key);
    let key = words(routing_key);
    // reach[j]: the pattern's first i words can match the key's first j words.
    let mut reach = vec![false; key.len() + 1];
    reach[0] = true;
    for word in &pattern {
        let mut next = vec![false; key.len() + 1];
        match *word {
            "#" => {
                // Zero words, or one more word after any reachable point.
                let mut any = false;
                for j in 0..=key.len() {
                    any |= reach[j];
                    next[j] = any;
                }
            }
            "*" => {
                next[1..].copy_from_slice(&reach[..key.len()]);
            }
            literal => {
                for j in 1..=key.len() {
                    next[j] = reach[j - 1] && key[j - 1] == literal;
                }
            }
        }
        reach = next;
    }
    reach[key.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_empty_words() {
        assert_eq!(words(""), Vec::<&str>::new());
        assert_eq!(words("a"), vec!["a"]);
        assert_eq!(words("a."), vec!["a", ""]);
        assert_eq!(words("."), vec!["", ""]);
        assert_eq!(words("..a"), vec!["", "", "a"]);
    }

    #[test]
    fn literal_words_compare_exactly() {
        assert!(matches("odoo.event.created", "odoo.event.created"));
        assert!(!matches("odoo.event.created", "odoo.event"));
        assert!(!matches("odoo.event", "odoo.event.created"));
        assert!(!matches("Odoo", "odoo"));
    }

    #[test]
    fn star_is_exactly_one_word_even_an_empty_one() {
        assert!(matches("*", "a"));
        assert!(!matches("*", ""));
        assert!(!matches("*", "a.b"));
        assert!(matches("*.b", ".b"));
        assert!(matches("a.*", "a."));
        assert!(matches("*.*", "."));
        assert!(!matches("*", "."));
    }

    #[test]
    fn hash_is_zero_or_more_words() {
        assert!(matches("#", ""));
        assert!(matches("#", "a"));
        assert!(matches("#", "a.b.c"));
        assert!(matches("#", "."));
        assert!(matches("a.#", "a"));
        assert!(matches("a.#", "a.b.c"));
        assert!(!matches("a.#", "b.a"));
        assert!(matches("#.a", "a"));
        assert!(matches("#.a", "x.y.a"));
        assert!(!matches("#.a", "a.x"));
    }

    #[test]
    fn hash_in_the_middle() {
        assert!(matches("a.#.b", "a.b"));
        assert!(matches("a.#.b", "a.x.b"));
        assert!(matches("a.#.b", "a.x.y.b"));
        assert!(!matches("a.#.b", "a.x.y"));
        assert!(matches("a.#.b", "a.b.b"));
        assert!(matches("#.b.#", "b"));
        assert!(matches("#.b.#", "x.b.y.z"));
        assert!(!matches("#.b.#", "x.c.y"));
    }

    #[test]
    fn wildcards_combined() {
        assert!(matches("#.#", ""));
        assert!(matches("#.*", "a"));
        assert!(!matches("#.*", ""));
        assert!(matches("*.#", "a"));
        assert!(!matches("*.#", ""));
        assert!(matches("*.#.*", "a.b"));
        assert!(!matches("*.#.*", "a"));
        assert!(matches("#.*.#", "."));
        assert!(matches("*.*.#", "a..c"));
    }

    #[test]
    fn empty_binding_key_matches_only_the_empty_key() {
        assert!(matches("", ""));
        assert!(!matches("", "a"));
        assert!(!matches("", "."));
        assert!(!matches(".", ""));
        assert!(matches(".", "."));
    }

    #[test]
    fn wildcard_characters_in_routing_keys_are_literal_words() {
        assert!(matches("*", "#"));
        assert!(matches("#", "*"));
        assert!(!matches("a", "*"));
        assert!(!matches("a.*", "a#"));
        // Only whole words are wildcards.
        assert!(!matches("a*", "ab"));
        assert!(matches("a*", "a*"));
        assert!(!matches("a#", "a.b"));
    }

    #[test]
    fn many_hashes_stay_fast() {
        let pattern = "#.".repeat(60) + "z";
        let key = "a.".repeat(120) + "b";
        assert!(!matches(&pattern, &key));
        assert!(matches(&pattern, &(key + ".z")));
    }

    /// The definition, word by word, exponential but obviously right.
    fn by_definition(pattern: &[&str], key: &[&str]) -> bool {
        match pattern.split_first() {
            None => key.is_empty(),
            Some((&"#", rest)) => (0..=key.len()).any(|i| by_definition(rest, &key[i..])),
            Some((&"*", rest)) => !key.is_empty() && by_definition(rest, &key[1..]),
            Some((word, rest)) => key.first() == Some(word) && by_definition(rest, &key[1..]),
        }
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_the_definition(
            pattern in proptest::collection::vec(proptest::sample::select(vec!["a", "b", "", "*", "#"]), 0..6),
            key in proptest::collection::vec(proptest::sample::select(vec!["a", "b", "", "*", "#"]), 0..6),
        ) {
            let (p, k) = (pattern.join("."), key.join("."));
            proptest::prop_assert_eq!(matches(&p, &k), by_definition(&words(&p), &words(&k)), "{:?} {:?}", p, k);
        }
    }
}

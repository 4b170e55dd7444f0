//! The `warren validate` command line that reports the errors a plan or apply stopped at.

/// `warren validate --env REFERENCE FLAGS`, with the reference as the user typed it.
pub fn validate_command(reference: &str, flags: &[&str]) -> String {
    let mut command = format!("warren validate --env {}", shell_word(reference));
    for flag in flags {
        command.push(' ');
        command.push_str(flag);
    }
    command
}

/// A word a POSIX shell reads back unchanged: quoted only when it needs to be.
fn shell_word(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:@%+=,~".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_kept_as_typed() {
        assert_eq!(
            validate_command("./environments/production", &["--resolve-secrets"]),
            "warren validate --env ./environments/production --resolve-secrets"
        );
    }

    #[test]
    fn a_path_with_spaces_or_quotes_is_quoted_for_the_shell() {
        assert_eq!(
            validate_command("my envs/it's", &[]),
            r"warren validate --env 'my envs/it'\''s'"
        );
    }
}

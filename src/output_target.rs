//! `FORMAT=FILE`, as `--write` takes it: one more rendering of the same result, to a file.

use std::path::PathBuf;
use std::str::FromStr;

use clap::ValueEnum;

/// A format and the file to write the result in it to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputTarget<F> {
    pub format: F,
    pub path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum OutputTargetError {
    #[error("expected FORMAT=FILE, e.g. json=plan.json")]
    Shape,
    #[error("unknown format `{given}`; one of: {known}")]
    Format { given: String, known: String },
}

impl<F: ValueEnum> FromStr for OutputTarget<F> {
    type Err = OutputTargetError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (format, path) = text.split_once('=').ok_or(OutputTargetError::Shape)?;
        if path.is_empty() {
            return Err(OutputTargetError::Shape);
        }
        let format = F::from_str(format, true).map_err(|_| OutputTargetError::Format {
            given: format.to_string(),
            known: F::value_variants()
                .iter()
                .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_string()))
                .collect::<Vec<_>>()
                .join(", "),
        })?;
        Ok(OutputTarget {
            format,
            path: PathBuf::from(path),
        })
    }
}

/// Writes one rendering; the file is replaced whole, so a reader never sees half of it.
pub fn write(path: &std::path::Path, text: &str) -> Result<(), crate::error::Error> {
    let io = |source| crate::error::Error::Io {
        what: format!("writing {}", path.display()),
        source,
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let partial = path.with_file_name(format!(".{name}.{}.partial", std::process::id()));
    std::fs::write(&partial, text).map_err(io)?;
    std::fs::rename(&partial, path).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::DriftFormat;

    #[test]
    fn format_and_file_are_split_at_the_first_equals_sign() {
        let target: OutputTarget<DriftFormat> = "prometheus=out/a=b.prom".parse().unwrap();
        assert_eq!(target.format, DriftFormat::Prometheus);
        assert_eq!(target.path, PathBuf::from("out/a=b.prom"));
    }

    #[test]
    fn a_missing_file_or_an_unknown_format_is_refused() {
        assert!("json".parse::<OutputTarget<DriftFormat>>().is_err());
        assert!("json=".parse::<OutputTarget<DriftFormat>>().is_err());
        let err = "yaml=x".parse::<OutputTarget<DriftFormat>>().unwrap_err();
        assert!(
            err.to_string()
                .contains("human, json, markdown, prometheus"),
            "{err}"
        );
    }
}

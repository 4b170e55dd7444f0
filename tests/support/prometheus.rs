//! A strict parser of the Prometheus text exposition format (what node_exporter and
//! Prometheus read), for tests of every command that writes metrics.

use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with("__")
}

fn parse_value(text: &str) -> Result<f64, String> {
    match text {
        "NaN" => Ok(f64::NAN),
        "+Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        _ if text
            .chars()
            .all(|c| c.is_ascii_digit() || "+-.eE".contains(c))
            && !text.is_empty() =>
        {
            text.parse::<f64>()
                .map_err(|e| format!("bad value {text:?}: {e}"))
        }
        _ => Err(format!("bad value {text:?}")),
    }
}

/// `{a="x",b="y"}` from just after the `{`; returns the labels and the rest after `}`.
fn parse_labels(text: &str) -> Result<(BTreeMap<String, String>, &str), String> {
    let mut labels = BTreeMap::new();
    let mut rest = text;
    loop {
        if let Some(after) = rest.strip_prefix('}') {
            if !labels.is_empty() {
                return Err("trailing comma in labels".into());
            }
            return Ok((labels, after));
        }
        let eq = rest.find('=').ok_or("label without `=`")?;
        let name = &rest[..eq];
        if !is_label_name(name) {
            return Err(format!("bad label name {name:?}"));
        }
        let mut chars = rest[eq + 1..].char_indices();
        if chars.next().map(|(_, c)| c) != Some('"') {
            return Err(format!("label {name} value is not quoted"));
        }
        let mut value = String::new();
        let end = loop {
            match chars.next() {
                None => return Err(format!("unterminated value of label {name}")),
                Some((i, '"')) => break eq + 1 + i + 1,
                Some((_, '\\')) => match chars.next().map(|(_, c)| c) {
                    Some('\\') => value.push('\\'),
                    Some('"') => value.push('"'),
                    Some('n') => value.push('\n'),
                    other => return Err(format!("bad escape \\{other:?} in label {name}")),
                },
                Some((_, '\n')) => return Err("raw newline in a label value".into()),
                Some((_, c)) => value.push(c),
            }
        };
        if labels.insert(name.to_string(), value).is_some() {
            return Err(format!("label {name} given twice"));
        }
        rest = &rest[end..];
        if let Some(after) = rest.strip_prefix(',') {
            rest = after;
            if rest.starts_with('}') {
                return Err("trailing comma in labels".into());
            }
        } else if let Some(after) = rest.strip_prefix('}') {
            return Ok((labels, after));
        } else {
            return Err(format!("expected `,` or `}}` after label {name}"));
        }
    }
}

/// Every sample, or the first problem with its line number.
pub fn parse_exposition(text: &str) -> Result<Vec<Sample>, String> {
    if !text.ends_with('\n') {
        return Err("the text does not end with a newline".into());
    }
    let mut help = BTreeSet::new();
    let mut types: BTreeMap<String, String> = BTreeMap::new();
    let mut finished: BTreeSet<String> = BTreeSet::new();
    let mut current: Option<String> = None;
    let mut series = BTreeSet::new();
    let mut samples = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let at = |e: String| format!("line {}: {e}: {line:?}", n + 1);
        let mut family = |name: &str| -> Result<(), String> {
            if current.as_deref() != Some(name) {
                if let Some(previous) = current.take() {
                    finished.insert(previous);
                }
                if finished.contains(name) {
                    return Err(format!("metric family {name} is not contiguous"));
                }
                current = Some(name.to_string());
            }
            Ok(())
        };
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, doc) = rest
                .split_once(' ')
                .ok_or_else(|| at("HELP without text".into()))?;
            if !is_metric_name(name) {
                return Err(at(format!("bad metric name {name:?}")));
            }
            let mut chars = doc.chars();
            while let Some(c) = chars.next() {
                if c == '\\' && !matches!(chars.next(), Some('\\' | 'n')) {
                    return Err(at("bad escape in HELP".into()));
                }
            }
            family(name).map_err(at)?;
            if !help.insert(name.to_string()) {
                return Err(at(format!("second HELP for {name}")));
            }
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest
                .split_once(' ')
                .ok_or_else(|| at("TYPE without type".into()))?;
            if !is_metric_name(name) {
                return Err(at(format!("bad metric name {name:?}")));
            }
            if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind) {
                return Err(at(format!("unknown type {kind:?}")));
            }
            family(name).map_err(at)?;
            if types.insert(name.to_string(), kind.to_string()).is_some() {
                return Err(at(format!("second TYPE for {name}")));
            }
        } else if line.starts_with('#') || line.trim().is_empty() {
            return Err(at("comment or blank line".into()));
        } else {
            let end = line
                .find(['{', ' '])
                .ok_or_else(|| at("sample without value".into()))?;
            let name = &line[..end];
            if !is_metric_name(name) {
                return Err(at(format!("bad metric name {name:?}")));
            }
            if !types.contains_key(name) {
                return Err(at(format!("sample of {name} before its TYPE")));
            }
            family(name).map_err(at)?;
            let (labels, rest) = match line[end..].strip_prefix('{') {
                Some(inner) => parse_labels(inner).map_err(at)?,
                None => (BTreeMap::new(), &line[end..]),
            };
            let rest = rest
                .strip_prefix(' ')
                .ok_or_else(|| at("no space before the value".into()))?;
            let mut fields = rest.split(' ');
            let value = parse_value(fields.next().unwrap_or_default()).map_err(at)?;
            if let Some(ts) = fields.next() {
                ts.parse::<i64>()
                    .map_err(|_| at(format!("bad timestamp {ts:?}")))?;
            }
            if fields.next().is_some() {
                return Err(at("trailing text".into()));
            }
            if !series.insert((name.to_string(), labels.clone())) {
                return Err(at("duplicate series".into()));
            }
            samples.push(Sample {
                name: name.to_string(),
                labels,
                value,
            });
        }
    }
    Ok(samples)
}

/// The value of the one sample of `name` whose labels include `labels`.
pub fn value_of(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    let found: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.name == name)
        .filter(|s| {
            labels
                .iter()
                .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .collect();
    assert_eq!(found.len(), 1, "{name} {labels:?}: {found:?}");
    found[0].value
}

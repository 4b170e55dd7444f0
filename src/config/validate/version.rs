//! Checks that depend on the broker version (`--broker-version X.Y`).

use std::fmt;
use std::str::FromStr;

use super::Checker;
use crate::config::diagnostic::Diagnostic;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct BrokerVersion {
    pub major: u32,
    pub minor: u32,
}

impl BrokerVersion {
    pub const fn new(major: u32, minor: u32) -> Self {
        Self { major, minor }
    }
}

impl fmt::Display for BrokerVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl FromStr for BrokerVersion {
    type Err = String;
    /// Accepts `3.12`, `3.12.4` or `3.13.2+rc.1`; only major and minor matter.
    fn from_str(s: &str) -> Result<Self, String> {
        let mut parts = s.trim().split(|c: char| !c.is_ascii_digit());
        let major = parts.next().and_then(|p| p.parse().ok());
        let minor = parts.next().and_then(|p| p.parse().ok());
        match (major, minor) {
            (Some(major), Some(minor)) => Ok(Self { major, minor }),
            _ => Err(format!("`{s}` is not a version such as 3.12")),
        }
    }
}

const QUEUE_TYPE_APPLY_TO: [&str; 3] = ["classic_queues", "quorum_queues", "streams"];

pub(super) fn check(checker: &mut Checker, version: BrokerVersion) {
    let env = checker.env;
    for vhost in env.vhosts.values() {
        let all = vhost
            .policies
            .values()
            .chain(vhost.operator_policies.values());
        for policy in all {
            if let Some(apply_to) = &policy.spec.apply_to {
                if QUEUE_TYPE_APPLY_TO.contains(&apply_to.value.as_str())
                    && version < BrokerVersion::new(3, 12)
                {
                    checker.push(
                        Diagnostic::error(
                            "unsupported-by-version",
                            format!(
                                "apply-to `{}` needs RabbitMQ 3.12 or later; the broker is {version}",
                                apply_to.value
                            ),
                        )
                        .at(policy.file, apply_to.at)
                        .help("use `queues` on this broker"),
                    );
                }
            }
            if version >= BrokerVersion::new(4, 0) {
                for (key, _) in policy.spec.definition.iter() {
                    if key.value.starts_with("ha-") {
                        checker.push(
                            Diagnostic::error(
                                "unsupported-by-version",
                                format!(
                                    "`{}`: classic queue mirroring was removed in RabbitMQ 4.0; the broker is {version}",
                                    key.value
                                ),
                            )
                            .at(policy.file, key.at)
                            .help("use quorum queues (type: quorum) for replication"),
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_versions() {
        assert_eq!(
            "3.12".parse::<BrokerVersion>(),
            Ok(BrokerVersion::new(3, 12))
        );
        assert_eq!(
            "3.10.8".parse::<BrokerVersion>(),
            Ok(BrokerVersion::new(3, 10))
        );
        assert!("three".parse::<BrokerVersion>().is_err());
        assert!(BrokerVersion::new(3, 9) < BrokerVersion::new(3, 12));
    }
}

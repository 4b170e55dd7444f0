//! A RabbitMQ release number, as `--broker-version` and `/api/overview` give it.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// `3.12`, `3.12.4` or `4.0.5`; a missing patch means the latest patch of that minor.
#[derive(Clone, Copy, Debug)]
pub struct BrokerVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: Option<u32>,
}

/// The version text is not a release number.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a version such as 3.12 or 4.0.5")]
pub struct NotAVersion {
    pub text: String,
}

impl BrokerVersion {
    pub const fn new(major: u32, minor: u32) -> Self {
        Self {
            major,
            minor,
            patch: None,
        }
    }

    pub const fn patched(major: u32, minor: u32, patch: u32) -> Self {
        Self {
            major,
            minor,
            patch: Some(patch),
        }
    }

    /// Compared as the latest patch when none is given: `3.12` is at least `3.12.7`.
    fn key(self) -> (u32, u32, u32) {
        (self.major, self.minor, self.patch.unwrap_or(u32::MAX))
    }

    /// Whether this release has what `major.minor.patch` introduced.
    pub fn at_least(self, major: u32, minor: u32, patch: u32) -> bool {
        self >= Self::patched(major, minor, patch)
    }
}

impl PartialEq for BrokerVersion {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for BrokerVersion {}

impl PartialOrd for BrokerVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for BrokerVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl fmt::Display for BrokerVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.patch {
            Some(patch) => write!(f, "{}.{}.{patch}", self.major, self.minor),
            None => write!(f, "{}.{}", self.major, self.minor),
        }
    }
}

impl FromStr for BrokerVersion {
    type Err = NotAVersion;
    /// Accepts `3.12`, `3.12.4` or `3.13.2+rc.1`; anything after the patch is ignored.
    fn from_str(s: &str) -> Result<Self, NotAVersion> {
        let mut parts = s.trim().split(|c: char| !c.is_ascii_digit());
        let mut number = || parts.next().and_then(|p| p.parse::<u32>().ok());
        let (major, minor, patch) = (number(), number(), number());
        match (major, minor) {
            (Some(major), Some(minor)) => Ok(Self {
                major,
                minor,
                patch,
            }),
            _ => Err(NotAVersion {
                text: s.to_string(),
            }),
        }
    }
}

/// `"4.0.5"` as a version, for tests.
#[cfg(test)]
pub fn v(text: &str) -> BrokerVersion {
    text.parse().expect("a version")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_versions_with_and_without_a_patch() {
        assert_eq!("3.12".parse(), Ok(BrokerVersion::new(3, 12)));
        assert_eq!("4.0.5".parse(), Ok(BrokerVersion::patched(4, 0, 5)));
        assert_eq!("3.13.2+rc.1".parse(), Ok(BrokerVersion::patched(3, 13, 2)));
        assert!("three".parse::<BrokerVersion>().is_err());
        assert_eq!(BrokerVersion::patched(4, 0, 5).to_string(), "4.0.5");
    }

    #[test]
    fn a_minor_without_a_patch_is_its_latest_patch() {
        assert!(BrokerVersion::new(3, 9) < BrokerVersion::new(3, 12));
        assert!(BrokerVersion::new(3, 12).at_least(3, 12, 7));
        assert!(!BrokerVersion::patched(3, 12, 6).at_least(3, 12, 7));
        assert!(BrokerVersion::patched(3, 10, 8) < BrokerVersion::new(3, 10));
        assert!(BrokerVersion::new(3, 13) < BrokerVersion::patched(4, 0, 0));
    }
}

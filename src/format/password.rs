//! RabbitMQ's salted password hashes, so warren sends `password_hash` and can detect drift.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256, Sha512};

/// The hashing modules RabbitMQ ships (MD5 is legacy and not supported here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum HashAlgorithm {
    #[default]
    Sha256,
    Sha512,
}

impl HashAlgorithm {
    /// The broker's name, as in `hashing_algorithm`.
    pub fn name(self) -> &'static str {
        match self {
            HashAlgorithm::Sha256 => "rabbit_password_hashing_sha256",
            HashAlgorithm::Sha512 => "rabbit_password_hashing_sha512",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "rabbit_password_hashing_sha256" => Some(HashAlgorithm::Sha256),
            "rabbit_password_hashing_sha512" => Some(HashAlgorithm::Sha512),
            _ => None,
        }
    }

    fn digest(self, salt: &[u8], password: &[u8]) -> Vec<u8> {
        match self {
            HashAlgorithm::Sha256 => Sha256::new()
                .chain_update(salt)
                .chain_update(password)
                .finalize()
                .to_vec(),
            HashAlgorithm::Sha512 => Sha512::new()
                .chain_update(salt)
                .chain_update(password)
                .finalize()
                .to_vec(),
        }
    }
}

/// base64(salt ++ H(salt ++ utf8(password))), as `rabbit_password:hash/2` computes it.
pub fn hash_password(password: &str, algorithm: HashAlgorithm, salt: [u8; 4]) -> String {
    let mut out = salt.to_vec();
    out.extend(algorithm.digest(&salt, password.as_bytes()));
    STANDARD.encode(out)
}

/// Four random bytes, the salt length RabbitMQ uses.
pub fn random_salt() -> [u8; 4] {
    rand::random()
}

/// True when `stored_hash` (base64, salt first) is `password` hashed with its own salt.
pub fn verify(password: &str, stored_hash: &str, algorithm: HashAlgorithm) -> bool {
    let Ok(decoded) = STANDARD.decode(stored_hash.trim()) else {
        return false;
    };
    let Some(salt) = decoded.get(..4).and_then(|s| <[u8; 4]>::try_from(s).ok()) else {
        return false;
    };
    hash_password(password, algorithm, salt) == stored_hash.trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC_SALT: [u8; 4] = [0x90, 0x8D, 0xC6, 0x0A];

    #[test]
    fn rabbitmq_documented_vector() {
        assert_eq!(
            hash_password("test12", HashAlgorithm::Sha256, DOC_SALT),
            "kI3GCqW5JLMJa4iX1lo7X4D6XbYqlLgxIs30+P6tENUV2POR"
        );
    }

    #[test]
    fn verifies_hashes_taken_from_a_3_10_broker() {
        let guest = "VCzONSPfmWLtHvQEDiQal/DtWl0+VKYI+TOc1Fxo/QfYz9ta";
        assert!(verify("guest", guest, HashAlgorithm::Sha256));
        assert!(!verify("guest2", guest, HashAlgorithm::Sha256));
        let svc = "dBRCEg/DMGGwzKihlX5nA3+f8TmV+/xMLYFxnsC2hbXmQKHU";
        assert!(verify("test12", svc, HashAlgorithm::Sha256));
    }

    #[test]
    fn sha512_round_trips_and_has_the_right_length() {
        let salt = random_salt();
        let hash = hash_password("pässwörd", HashAlgorithm::Sha512, salt);
        assert_eq!(STANDARD.decode(&hash).unwrap().len(), 4 + 64);
        assert!(verify("pässwörd", &hash, HashAlgorithm::Sha512));
        assert!(!verify("pässwörd", &hash, HashAlgorithm::Sha256));
    }

    #[test]
    fn garbage_and_empty_hashes_never_verify() {
        assert!(!verify("", "", HashAlgorithm::Sha256));
        assert!(!verify("x", "not base64!", HashAlgorithm::Sha256));
        assert!(!verify("x", "AAA=", HashAlgorithm::Sha256));
    }

    #[test]
    fn names_round_trip() {
        for alg in [HashAlgorithm::Sha256, HashAlgorithm::Sha512] {
            assert_eq!(HashAlgorithm::from_name(alg.name()), Some(alg));
        }
        assert_eq!(
            HashAlgorithm::from_name("rabbit_password_hashing_md5"),
            None
        );
    }
}

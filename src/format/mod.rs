//! RabbitMQ's own formats and rules: the management API's documents (definitions and the
//! rest), password hashing, passwords in URIs, releases, what each queue type accepts, policy
//! keys and deprecated features. No I/O and no configuration types.

pub mod deprecations;
pub mod exports;
pub mod password;
pub mod policy_keys;
pub mod queue_types;
pub mod uri_credentials;
pub mod version;
pub mod wire;

pub use queue_types::QueueType;
pub use version::BrokerVersion;

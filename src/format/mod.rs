//! RabbitMQ's own rules, release by release: versions, what each queue type accepts,
//! policy keys, deprecated features. Pure data; no I/O, no configuration types.

pub mod deprecations;
pub mod exports;
pub mod policy_keys;
pub mod queue_types;
pub mod version;

pub use queue_types::QueueType;
pub use version::BrokerVersion;

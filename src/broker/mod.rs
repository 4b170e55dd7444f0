//! The live side: the only place that does network I/O.

pub mod client;
pub mod connection;
mod endpoint;
pub mod error;
pub mod fetch;
pub mod lower;
pub mod password;
pub mod path;
mod tls;
pub mod wire;

pub use client::{HttpBroker, RetryPolicy};
pub use connection::{ConnectionSettings, Secret};
pub use error::BrokerError;
pub use fetch::{fetch_live, queue_totals, LiveSnapshot};
pub use password::{hash_password, random_salt, verify, HashAlgorithm};
pub use path::{ApiPath, DestinationKind};
pub use wire::{
    BindingDef, BindingInfo, Definitions, ExchangeDef, Overview, QueueDef, QueueInfo, Tags,
    UserDef, VhostDef, VhostInfo,
};

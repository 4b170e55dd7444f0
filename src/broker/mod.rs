//! The live side: the only place that does network I/O, and the lowering of what it reads.

pub mod client;
pub mod connection;
mod endpoint;
mod enrich_reads;
pub mod error;
pub mod fetch;
pub mod fetch_objects;
pub mod live_document;
pub mod lower;
pub mod path;
mod tls;

pub use client::{HttpBroker, RetryPolicy};
pub use connection::{ConnectionSettings, Secret};
pub use error::BrokerError;
pub use fetch::{fetch_live, queue_totals, read_live, LiveRead, LiveSnapshot};
pub use path::ApiPath;

//! Shared helpers for the integration tests: `mod support;` in a test file.
// Each test binary uses a different part of the helpers.
#![allow(dead_code, unused_imports)]

pub mod amqp;
pub mod cluster;
pub mod fault_proxy;
pub mod node;
pub mod pool;
pub mod prometheus;

pub use cluster::BrokerCluster;
pub use node::{eventually, BrokerNode, Release};

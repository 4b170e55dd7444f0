//! Shared helpers for the integration tests: `mod support;` in a test file.
#![allow(dead_code)]

pub mod node;

pub use node::{eventually, BrokerNode};

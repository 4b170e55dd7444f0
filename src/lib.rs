//! warren: declarative GitOps for RabbitMQ.

// Diagnostics travel in Results on cold paths only; boxing them buys nothing.
#![allow(clippy::result_large_err)]

pub mod apply;
pub mod broker;
pub mod cli;
pub mod commands;
pub mod config;
pub mod definitions;
pub mod error;
pub mod format;
pub mod malloc_arenas;
pub mod model;
pub mod ops;
pub mod output_target;
pub mod plan;
pub mod render;
pub mod route;

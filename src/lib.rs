//! warren: declarative GitOps for RabbitMQ.

pub mod broker;
pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod render;
pub mod secret;

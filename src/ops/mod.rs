//! The seed's operational parts: server configuration files, cluster status, metrics.

pub mod advanced_config;
pub mod http_server;
pub mod metrics;
pub mod nodes;
pub mod rabbitmq_conf;
pub mod status;

//! Integration tests that need a RabbitMQ node: plan, apply, drift, import and the rest
//! against real brokers started by the harness (`support`), 3.10.8 by default or 4.0.5
//! with `WARREN_TEST_BROKER=4.0`. One binary, so one shared node serves every suite that
//! can keep to a vhost of its own (`BrokerNode::shared`, `create_vhost`).

#[path = "../creativeflow/before_the_move.rs"]
mod before_the_move;
#[path = "../common/mod.rs"]
mod common;
#[path = "../model_support/mod.rs"]
mod model_support;
#[path = "../support/mod.rs"]
mod support;

mod apply_cli;
mod apply_lock;
mod ci_recipes;
mod cluster;
mod conformance;
mod converge;
mod creativeflow_move;
mod destructive_guards;
mod drift;
mod drift_repair;
mod faults;
mod graph_cli;
mod harness;
mod import_export;
mod metrics;
mod migrate;
mod names;
mod order;
mod redaction;
mod render_config;
mod request_count;
mod route_broker;
mod route_cli;
mod saved_plan;
mod status;

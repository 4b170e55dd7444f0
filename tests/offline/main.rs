//! Integration tests that need no broker: validate, plan rendering against recorded and
//! constructed states, the command-line surface, schemas and the loader's fuzzing.

#[path = "../creativeflow/before_the_move.rs"]
mod before_the_move;
#[path = "../common/mod.rs"]
mod common;
#[path = "../model_support/mod.rs"]
mod model_support;
#[path = "../support/mod.rs"]
mod support;

mod connection_settings;
mod demo_binary;
mod fuzz;
mod help;
mod live_document;
mod plan_diff;
mod plan_formats;
mod plan_golden;
mod plan_order;
mod plan_properties;
mod read_live;
mod recorded_versions;
mod schema;
mod validate_cli;
mod validate_fixtures;

//! RabbitMQ definitions JSON <-> warren's model: `export` turns an environment's desired
//! [`State`](crate::model::State) into a definitions document; `import` turns a broker's (or a
//! file's) definitions into an environment folder written as a person would write it.

pub mod duplicates;
pub mod export;
pub mod import;
pub mod json_position;
pub mod refusals;
mod uri_credentials;
mod vhost_text;
pub mod yaml;

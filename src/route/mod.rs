//! The routing simulator: which queues a message reaches, by RabbitMQ's own rules, over a
//! [`State`](crate::model::State) (desired or live). Pure; no I/O.

pub mod assertion;
pub mod graph;
pub mod headers;
pub mod outcome;
pub mod topic;
pub mod topology;
pub mod walk;

#[cfg(test)]
mod walk_tests;

pub use outcome::{DeadLetter, Delivery, Message, RouteError, Routed, Step, Via};
pub use topology::Topology;
pub use walk::{route, walk};

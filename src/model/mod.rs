//! The one comparable representation of desired and live state; pure, no I/O.

pub mod binding_arguments;
pub mod id;
pub mod kind;
pub mod kinds;
pub mod props;
pub mod reserved;
pub mod resource;
pub mod secret_value;
pub mod state;
pub mod state_builder;

pub use binding_arguments::BindingArguments;
pub use id::{DestinationType, ResourceId};
pub use kind::Kind;
pub use resource::Resource;
pub use state::State;
pub use state_builder::StateBuilder;

//! The one comparable representation of desired and live state; pure, no I/O.

pub mod binding_arguments;
pub mod id;
pub mod kinds;
pub mod props;
pub mod reserved;
pub mod resource;
pub mod secret_value;
pub mod state;

pub use binding_arguments::BindingArguments;
pub use id::{DestinationType, ResourceId};
pub use resource::Resource;
pub use state::State;

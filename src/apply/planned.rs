//! A plan together with what it was computed from: the environment, the broker it read,
//! and the live state.

use crate::broker::HttpBroker;
use crate::config::Environment;
use crate::model::State;
use crate::plan::Plan;
use crate::plan::Scope;

pub struct Planned {
    pub env: Environment,
    pub plan: Plan,
    pub broker: HttpBroker,
    pub version: String,
    /// The live state the plan was computed from, and what the environment manages.
    pub live: State,
    pub scope: Scope,
}

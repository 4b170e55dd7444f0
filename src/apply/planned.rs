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

impl Planned {
    /// The environment and the broker, to plan again: the old plan and live state are
    /// freed here, before the new ones are read, not kept beside them.
    pub fn into_env_and_broker(self) -> (Environment, HttpBroker) {
        (self.env, self.broker)
    }
}

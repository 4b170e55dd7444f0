//! A whole broker (or environment) as an ordered map from identity to properties.

use std::collections::BTreeMap;

use super::id::ResourceId;
use super::resource::Resource;

/// Ordered by identity, so every walk over it is deterministic.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct State {
    pub resources: BTreeMap<ResourceId, Resource>,
}

impl State {
    pub fn insert(&mut self, id: ResourceId, resource: Resource) {
        self.resources.insert(id, resource);
    }

    /// Keeps an object already present: a definitions file naming one twice means the first.
    pub fn insert_first(&mut self, id: ResourceId, resource: Resource) {
        self.resources.entry(id).or_insert(resource);
    }

    pub fn remove(&mut self, id: &ResourceId) -> Option<Resource> {
        self.resources.remove(id)
    }

    pub fn get(&self, id: &ResourceId) -> Option<&Resource> {
        self.resources.get(id)
    }

    pub fn contains(&self, id: &ResourceId) -> bool {
        self.resources.contains_key(id)
    }

    pub fn len(&self) -> usize {
        self.resources.len()
    }

    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&ResourceId, &Resource)> {
        self.resources.iter()
    }
}

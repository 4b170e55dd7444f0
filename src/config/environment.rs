//! The merged desired state of one environment, every entity remembering where it was declared.

use std::path::PathBuf;

use indexmap::IndexMap;
use serde_json::Value;

use super::diagnostic::{FileId, Sources};
use super::located::Located;
use super::schema::{
    BrokerSettings, ExchangeSpec, IgnoreSettings, Kind, ManageSettings, OnReplace, PolicySpec,
    QueueSpec, QueueType, RouteSpec, UserSpec, VhostLimits,
};

/// An entity and the file it was declared in.
#[derive(Debug)]
pub struct Declared<T> {
    pub file: FileId,
    pub name: Located<String>,
    pub spec: T,
}

#[derive(Debug, Default)]
pub struct Settings {
    pub broker: Option<Declared<BrokerSettings>>,
    pub manage: Option<Declared<ManageSettings>>,
    pub ignore: Option<Declared<IgnoreSettings>>,
    pub server: Option<Declared<super::server::ServerSettings>>,
    pub local: bool,
    /// Lint codes silenced environment-wide.
    pub allow: Vec<String>,
    /// The same codes where they were written, to check they name real lints.
    pub allow_written: Vec<(FileId, Located<String>)>,
}

#[derive(Debug)]
pub struct Vhost {
    pub name: Located<String>,
    /// The file that set the vhost's own attributes (or first declared it).
    pub file: FileId,
    pub description: Option<Located<String>>,
    pub tags: Option<Vec<Located<String>>>,
    pub default_queue_type: Option<Located<QueueType>>,
    pub tracing: Option<Located<bool>>,
    pub limits: Option<VhostLimits>,
    pub exchanges: IndexMap<String, Declared<ExchangeSpec>>,
    pub queues: IndexMap<String, Declared<QueueSpec>>,
    pub policies: IndexMap<String, Declared<PolicySpec>>,
    pub operator_policies: IndexMap<String, Declared<PolicySpec>>,
    /// Runtime parameters keyed by (component, name).
    pub parameters: IndexMap<(String, String), Declared<ParameterSpec>>,
    pub allow: Vec<String>,
    /// Route assertions with the file each was written in, in the order written.
    pub routes: Vec<(FileId, RouteSpec)>,
}

#[derive(Debug)]
pub struct ParameterSpec {
    pub component: Located<String>,
    pub value: Located<Value>,
}

/// The whole desired state of an environment.
#[derive(Debug)]
pub struct Environment {
    pub name: String,
    /// The environment as the command line named it (`--env` as typed), for hints to rerun.
    pub reference: String,
    pub dir: PathBuf,
    pub sources: Sources,
    pub variables: IndexMap<String, String>,
    pub settings: Settings,
    pub vhosts: IndexMap<String, Vhost>,
    pub users: IndexMap<String, Declared<UserSpec>>,
    pub global_parameters: IndexMap<String, Declared<Located<Value>>>,
}

impl Environment {
    /// The vhosts in scope: `manage.vhosts` when given, else those declared.
    pub fn managed_vhosts(&self) -> Vec<String> {
        match self
            .settings
            .manage
            .as_ref()
            .and_then(|m| m.spec.vhosts.as_ref())
        {
            Some(list) => list.iter().map(|v| v.value.clone()).collect(),
            None => self.vhosts.keys().cloned().collect(),
        }
    }

    /// The kinds in scope: `manage.kinds` when given, else all.
    pub fn manages_kind(&self, kind: Kind) -> bool {
        match self
            .settings
            .manage
            .as_ref()
            .and_then(|m| m.spec.kinds.as_ref())
        {
            Some(kinds) => kinds.iter().any(|k| k.value == kind),
            None => true,
        }
    }

    /// The `ignore:` patterns of one kind, as written.
    pub fn ignore_patterns(&self, kind: Kind) -> Vec<&str> {
        let Some(ignore) = &self.settings.ignore else {
            return Vec::new();
        };
        ignore
            .spec
            .by_kind()
            .into_iter()
            .filter(|(k, _)| *k == kind)
            .flat_map(|(_, patterns)| patterns.iter().map(|p| p.value.as_str()))
            .collect()
    }

    /// Whether undeclared objects of this kind are deleted.
    /// Where `apply`'s lock queue may live, in order: `broker.lock_vhost` alone when set;
    /// else `/`, then the managed vhosts (for a user with no permissions on `/`).
    pub fn lock_vhosts(&self) -> Vec<String> {
        let pinned = self
            .settings
            .broker
            .as_ref()
            .and_then(|b| b.spec.lock_vhost.as_ref());
        if let Some(vhost) = pinned {
            return vec![vhost.value.clone()];
        }
        let mut vhosts = vec!["/".to_string()];
        for vhost in self.managed_vhosts() {
            if !vhosts.contains(&vhost) {
                vhosts.push(vhost);
            }
        }
        vhosts
    }

    /// The queues whose forced re-create moves their messages (`on_replace: migrate`, on the
    /// queue or as `manage.on_replace`), as (vhost, queue).
    pub fn migrating_queues(&self) -> Vec<(String, String)> {
        let default = self
            .settings
            .manage
            .as_ref()
            .and_then(|m| m.spec.on_replace.as_ref())
            .map_or(OnReplace::Refuse, |o| o.value);
        let mut out = Vec::new();
        for (vhost, v) in &self.vhosts {
            for (name, queue) in &v.queues {
                let choice = queue.spec.on_replace.as_ref().map_or(default, |o| o.value);
                if choice == OnReplace::Migrate {
                    out.push((vhost.clone(), name.clone()));
                }
            }
        }
        out
    }

    pub fn prunes(&self, kind: Kind) -> bool {
        self.settings
            .manage
            .as_ref()
            .is_some_and(|m| m.spec.prune.iter().any(|k| k.value == kind))
    }
}

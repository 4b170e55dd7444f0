//! Merges an environment's files into one [`Environment`]; an entity declared twice is an error.

use crate::config::diagnostic::DiagnosticKind;
use indexmap::IndexMap;

use super::diagnostic::{Diagnostic, FileId};
use super::environment::{Declared, Environment, ParameterSpec, Settings, Vhost};
use super::inherit::Inherit;
use super::load::LoadedFiles;
use super::located::{Located, Position};
use super::schema::{Document, VhostSpec};

pub fn merge(loaded: LoadedFiles) -> (Environment, Vec<Diagnostic>) {
    let mut problems = loaded.problems;
    let mut env = Environment {
        reference: loaded.name.clone(),
        name: loaded.name,
        dir: loaded.dir,
        sources: loaded.sources,
        variables: loaded.variables,
        settings: Settings::default(),
        vhosts: IndexMap::new(),
        users: IndexMap::new(),
        global_parameters: IndexMap::new(),
    };
    let mut settings_seen: IndexMap<&'static str, (FileId, Position)> = IndexMap::new();
    for parsed in loaded.documents {
        let file = parsed.file;
        let Document {
            broker,
            extends,
            variables,
            manage,
            ignore,
            lints,
            local,
            server,
            vhosts,
            users,
            global_parameters,
        } = parsed.document;

        let mut seen = |key: &'static str, at: Option<Position>| {
            at.is_none_or(|at| once(key, file, at, &mut settings_seen, &mut problems))
        };
        if let Some(lints) = lints {
            // An ancestor's codes add to the environment's own (its file was checked alone).
            if !parsed.own || seen("lints", Some(lints.at)) {
                for code in lints.value.allow {
                    env.settings.allow.push(code.value.clone());
                    env.settings.allow_written.push((file, code));
                }
            }
        }
        // Ancestors' settings were checked when they were loaded as themselves; a nearer
        // environment's `broker`, `manage` and `server` override theirs key by key.
        if parsed.own {
            seen("extends", extends.as_ref().map(|e| e.at));
            seen("variables", variables.as_ref().map(|v| v.at));
            seen("local", local.as_ref().map(|l| l.at));
        }
        if let Some(broker) = broker {
            if !parsed.own || seen("broker", Some(broker.at)) {
                layer(&mut env.settings.broker, file, "broker", broker);
            }
        }
        if let Some(manage) = manage {
            if !parsed.own || seen("manage", Some(manage.at)) {
                layer(&mut env.settings.manage, file, "manage", manage);
            }
        }
        if let Some(server) = server {
            if !parsed.own || seen("server", Some(server.at)) {
                layer(&mut env.settings.server, file, "server", server);
            }
        }
        if parsed.own {
            if let Some(ignore) = ignore {
                if seen("ignore", Some(ignore.at)) {
                    let name = Located::new("ignore".to_string(), ignore.at);
                    env.settings.ignore = Some(Declared {
                        file,
                        name,
                        spec: ignore.value,
                    });
                }
            }
            if let Some(local) = local {
                env.settings.local = local.value;
            }
        }

        for (name, spec) in vhosts {
            merge_vhost(&mut env.vhosts, file, name, spec, &mut problems);
        }
        for (name, spec) in users {
            insert_unique(&mut env.users, "user", file, name, spec, &mut problems);
        }
        for (name, value) in global_parameters {
            insert_unique(
                &mut env.global_parameters,
                "global parameter",
                file,
                name,
                value,
                &mut problems,
            );
        }
    }
    (env, problems)
}

/// Records that a settings key was set; a second file setting it is an error.
fn once(
    key: &'static str,
    file: FileId,
    at: Position,
    seen: &mut IndexMap<&'static str, (FileId, Position)>,
    problems: &mut Vec<Diagnostic>,
) -> bool {
    if let Some((first_file, first_at)) = seen.get(key) {
        problems.push(
            Diagnostic::error(
                DiagnosticKind::DuplicateSetting,
                format!("`{key}` is set in more than one file of this environment"),
            )
            .at(file, at)
            .related(*first_file, *first_at, "first set here"),
        );
        return false;
    }
    seen.insert(key, (file, at));
    true
}

fn insert_unique<T>(
    map: &mut IndexMap<String, Declared<T>>,
    kind: &str,
    file: FileId,
    name: Located<String>,
    spec: T,
    problems: &mut Vec<Diagnostic>,
) {
    if let Some(first) = map.get(&name.value) {
        problems.push(duplicate(kind, &name, file, first.file, &first.name));
        return;
    }
    map.insert(name.value.clone(), Declared { file, name, spec });
}

/// `kind` may carry a `{}` where the name goes, e.g. "queue {} in vhost `/a`".
fn duplicate(
    kind: &str,
    name: &Located<String>,
    file: FileId,
    first_file: FileId,
    first: &Located<String>,
) -> Diagnostic {
    let quoted = format!("`{}`", name.value);
    let what = if kind.contains("{}") {
        kind.replace("{}", &quoted)
    } else {
        format!("{kind} {quoted}")
    };
    Diagnostic::error(
        DiagnosticKind::DuplicateEntity,
        format!("{what} is declared twice"),
    )
    .at(file, name.at)
    .related(first_file, first.at, "first declared here")
}

/// A vhost may be spread over files; its own attributes may be set in one of them only.
fn merge_vhost(
    vhosts: &mut IndexMap<String, Vhost>,
    file: FileId,
    name: Located<String>,
    spec: VhostSpec,
    problems: &mut Vec<Diagnostic>,
) {
    let has_attributes = spec.description.is_some()
        || spec.tags.is_some()
        || spec.default_queue_type.is_some()
        || spec.tracing.is_some()
        || spec.limits.is_some();
    let vhost = vhosts.entry(name.value.clone()).or_insert_with(|| Vhost {
        name: name.clone(),
        file,
        description: None,
        tags: None,
        default_queue_type: None,
        tracing: None,
        limits: None,
        exchanges: IndexMap::new(),
        queues: IndexMap::new(),
        policies: IndexMap::new(),
        operator_policies: IndexMap::new(),
        parameters: IndexMap::new(),
        allow: Vec::new(),
        routes: Vec::new(),
    });
    if has_attributes {
        let already = vhost.description.is_some()
            || vhost.tags.is_some()
            || vhost.default_queue_type.is_some()
            || vhost.tracing.is_some()
            || vhost.limits.is_some();
        if already {
            problems.push(
                duplicate(
                    "the attributes of vhost {}",
                    &name,
                    file,
                    vhost.file,
                    &vhost.name,
                )
                .help("set description, tags, default_queue_type, tracing and limits in one file"),
            );
        } else {
            vhost.file = file;
            vhost.name = name.clone();
            vhost.description = spec.description;
            vhost.tags = spec.tags;
            vhost.default_queue_type = spec.default_queue_type;
            vhost.tracing = spec.tracing;
            vhost.limits = spec.limits;
        }
    }
    vhost.allow.extend(spec.allow.into_iter().map(|c| c.value));
    vhost
        .routes
        .extend(spec.routes.into_iter().map(|route| (file, route)));
    let scope = |kind: &str| format!("{kind} {{}} in vhost `{}`", name.value);
    for (n, s) in spec.exchanges {
        insert_unique(
            &mut vhost.exchanges,
            &scope("exchange"),
            file,
            n,
            s,
            problems,
        );
    }
    // Room for a file's queues at once: grown by doubling, the map could hold twice them.
    vhost.queues.reserve(spec.queues.len());
    for (n, s) in spec.queues {
        insert_unique(&mut vhost.queues, &scope("queue"), file, n, s, problems);
    }
    for (n, s) in spec.policies {
        insert_unique(&mut vhost.policies, &scope("policy"), file, n, s, problems);
    }
    for (n, s) in spec.operator_policies {
        let kind = scope("operator policy");
        insert_unique(&mut vhost.operator_policies, &kind, file, n, s, problems);
    }
    for (component, entries) in spec.parameters {
        for (n, value) in entries {
            let key = (component.value.clone(), n.value.clone());
            if let Some(first) = vhost.parameters.get(&key) {
                let kind = scope(&format!("{} parameter", component.value));
                problems.push(duplicate(&kind, &n, file, first.file, &first.name));
                continue;
            }
            let spec = ParameterSpec {
                component: component.clone(),
                value,
            };
            vhost.parameters.insert(
                key,
                Declared {
                    file,
                    name: n,
                    spec,
                },
            );
        }
    }
}

/// Sets a setting read from `file`, filling what it leaves out from the one an ancestor set.
fn layer<T: Inherit>(slot: &mut Option<Declared<T>>, file: FileId, key: &str, setting: Located<T>) {
    let mut spec = setting.value;
    if let Some(parent) = slot.take() {
        spec.inherit(parent.spec);
    }
    *slot = Some(Declared {
        file,
        name: Located::new(key.to_string(), setting.at),
        spec,
    });
}

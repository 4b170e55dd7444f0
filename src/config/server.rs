//! The `server:` setting: what `warren render-config` writes into rabbitmq.conf and
//! advanced.config, and what `warren status` checks the running nodes against.
//!
//! Every field is optional; an absent field is left out of the rendered files, so the broker
//! uses its own default (given in each field's documentation).

use crate::config::diagnostic::{DiagnosticKind, KindOf};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::located::Located;
use super::schema::SecretSource;

#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    /// AMQP listeners.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listeners: Option<Listeners>,
    /// Certificates and peer verification for the AMQP and management TLS listeners
    /// (written to advanced.config, where the paths are read only when a TLS listener starts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsSettings>,
    /// The management plugin: ports, definitions loaded at boot, sample retention.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub management: Option<ManagementSettings>,
    /// User created on a node's first boot (broker default `guest`). Remove or re-secure it
    /// once the environment's own users exist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_user: Option<Located<String>>,
    /// Password of `default_user` (broker default `guest`): `{ env: NAME }` or `{ file: PATH }`,
    /// resolved only by `warren render-config`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_pass: Option<SecretSource>,
    /// Memory, disk and file-handle limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceLimits>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging: Option<LogSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clustering: Option<ClusterSettings>,
    /// Erlang-term settings rabbitmq.conf cannot express (written to advanced.config).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advanced: Option<AdvancedSettings>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Listeners {
    /// Plain AMQP port, `listeners.tcp.default` (broker default 5672).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amqp_port: Option<Located<u16>>,
    /// AMQPS port (no TLS listener by default); needs `tls.cert` and `tls.key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_port: Option<Located<u16>>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TlsSettings {
    /// PEM file of the CA certificates clients' certificates are checked against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_cert: Option<Located<String>>,
    /// PEM file of the server certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert: Option<Located<String>>,
    /// PEM file of the server's private key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<Located<String>>,
    /// Ask clients for a certificate and verify it (`verify_peer`; default false: `verify_none`).
    #[serde(
        default,
        deserialize_with = "super::strict_bool::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub verify_peer: Option<Located<bool>>,
    /// Refuse clients that send no certificate (default false).
    #[serde(
        default,
        deserialize_with = "super::strict_bool::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub fail_if_no_peer_cert: Option<Located<bool>>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManagementSettings {
    /// HTTP port of the management API and UI, `management.tcp.port` (broker default 15672).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<Located<u16>>,
    /// HTTPS port of the management API (none by default); uses the `tls` certificates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_port: Option<Located<u16>>,
    /// Definitions file (or folder) imported at boot, `management.load_definitions` (none by
    /// default); `warren export` writes one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_definitions: Option<Located<String>>,
    /// How long aggregated statistics are kept, per section (broker default: the management
    /// plugin's, about 10 min to 1 day for global, 10 min to 1 h for basic, 10 min for detailed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_retention_policies: Option<RetentionPolicies>,
}

/// Per section, the retention windows: keep `max_age` seconds of samples taken every
/// `every` seconds (`management.sample_retention_policies.SECTION.MAX_AGE = EVERY`).
#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionPolicies {
    /// Cluster-wide statistics (overview).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub global: Vec<Retention>,
    /// Per-object statistics (queues, connections, channels).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub basic: Vec<Retention>,
    /// Per-pair statistics (e.g. channel to exchange) when rates_mode is detailed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub detailed: Vec<Retention>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// Seconds of history kept.
    pub max_age: Located<u64>,
    /// Seconds between samples.
    pub every: Located<u64>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceLimits {
    /// Memory alarm threshold as a fraction of RAM, `vm_memory_high_watermark.relative`
    /// (broker default 0.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vm_memory_high_watermark_relative: Option<Located<f64>>,
    /// Disk alarm threshold as a multiple of RAM, `disk_free_limit.relative` (broker default:
    /// an absolute 50 MB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk_free_limit_relative: Option<Located<f64>>,
    /// File handles each node needs. RabbitMQ 3.10's rabbitmq.conf has no such key: the limit
    /// is the OS open-files ulimit of the node (e.g. `LimitNOFILE=` in its systemd unit).
    /// render-config writes it as a comment; `warren status` reports a node whose `fd_total`
    /// is lower as degraded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_handle_open_limit: Option<Located<u64>>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// `log.file.level`: debug, info (broker default), warning, error, critical or none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Located<LogLevel>>,
    /// `log.file`: the log file, relative to `dir` unless absolute (broker default
    /// `NODENAME.log`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<Located<String>>,
    /// `log.dir` (broker default /var/log/rabbitmq).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dir: Option<Located<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    Debug,
    Info,
    Warning,
    Error,
    Critical,
    None,
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warning => "warning",
            LogLevel::Error => "error",
            LogLevel::Critical => "critical",
            LogLevel::None => "none",
        }
    }
}

#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClusterSettings {
    /// How nodes find each other (broker default classic_config).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_discovery: Option<Located<PeerDiscovery>>,
    /// The cluster's nodes (classic_config), e.g. `rabbit@node1`. `warren status` expects
    /// exactly these nodes to run; with none listed it checks the nodes the broker reports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<Located<String>>,
    /// DNS name whose A/AAAA records list the nodes' hosts (dns peer discovery).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_hostname: Option<Located<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PeerDiscovery {
    ClassicConfig,
    Dns,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvancedSettings {
    /// `kernel` `inet_default_connect_options` and `inet_default_listen_options`
    /// `{nodelay, true}` (inter-node traffic; Erlang default false).
    #[serde(
        default,
        deserialize_with = "super::strict_bool::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub kernel_nodelay: Option<Located<bool>>,
    /// `rabbit` `tcp_listen_options` of the AMQP listeners.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp_listen_options: Option<TcpListenOptions>,
    /// `rabbit` `delegate_count`: processes that fan messages out to other nodes (default 16).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegate_count: Option<Located<u32>>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TcpListenOptions {
    /// Pending connection queue length (broker default 128).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backlog: Option<Located<u32>>,
    /// TCP_NODELAY (broker default true).
    #[serde(
        default,
        deserialize_with = "super::strict_bool::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub nodelay: Option<Located<bool>>,
    /// SO_LINGER: `{ on: true, timeout: 0 }` drops unsent data on close (broker default
    /// `{ on: true, timeout: 0 }`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linger: Option<Linger>,
    /// Close the socket when the peer closes its side (broker default false).
    #[serde(
        default,
        deserialize_with = "super::strict_bool::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub exit_on_close: Option<Located<bool>>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Linger {
    #[serde(deserialize_with = "super::strict_bool::located")]
    pub on: Located<bool>,
    /// Seconds.
    #[serde(default)]
    pub timeout: Located<u32>,
}

/// Checks of the `server:` setting that its types cannot express.
pub fn check(env: &super::Environment) -> Vec<super::Diagnostic> {
    use super::Diagnostic;
    let mut problems = Vec::new();
    let Some(server) = &env.settings.server else {
        return problems;
    };
    let file = server.file;
    let spec = &server.spec;
    if let Some(SecretSource::Literal(literal)) = &spec.default_pass {
        let user = spec.default_user.as_ref().map(|u| u.value.as_str());
        if !(env.settings.local && user == Some("guest") && literal.value == "guest") {
            problems.push(
                Diagnostic::error(
                    DiagnosticKind::SecretLiteral,
                    "server.default_pass is written in the file; secrets must not be committed",
                )
                .at(file, literal.at)
                .help("use `{ env: NAME }` or `{ file: PATH }`"),
            );
        }
    }
    let definitions = spec
        .management
        .as_ref()
        .and_then(|m| m.load_definitions.as_ref());
    if let (Some(user), Some(_)) = (&spec.default_user, definitions) {
        problems.push(
            Diagnostic::warning(
                DiagnosticKind::DefaultUserWithDefinitions,
                "RabbitMQ does not create `default_user` on a node that loads definitions at boot",
            )
            .at(file, user.at)
            .help("declare the initial administrator in the definitions file (`warren export`) instead"),
        );
    }
    let mut error = |kind: KindOf, at: super::located::Position, message: String| {
        problems.push(Diagnostic::error(kind, message).at(file, at));
    };
    if let Some(resources) = &spec.resources {
        if let Some(w) = &resources.vm_memory_high_watermark_relative {
            if !(w.value > 0.0 && w.value <= 1.0) {
                error(
                    DiagnosticKind::InvalidSetting,
                    w.at,
                    format!(
                        "vm_memory_high_watermark_relative {} is not a fraction in (0, 1]",
                        w.value
                    ),
                );
            }
        }
        if let Some(d) = &resources.disk_free_limit_relative {
            if !(d.value > 0.0 && d.value.is_finite()) {
                error(
                    DiagnosticKind::InvalidSetting,
                    d.at,
                    format!("disk_free_limit_relative {} must be above 0", d.value),
                );
            }
        }
    }
    let tls_ready = spec
        .tls
        .as_ref()
        .is_some_and(|t| t.cert.is_some() && t.key.is_some());
    let tls_ports = [
        spec.listeners.as_ref().and_then(|l| l.tls_port.as_ref()),
        spec.management.as_ref().and_then(|m| m.tls_port.as_ref()),
    ];
    for port in tls_ports.into_iter().flatten() {
        if !tls_ready {
            error(
                DiagnosticKind::InvalidSetting,
                port.at,
                "a TLS port needs `server.tls.cert` and `server.tls.key`".to_string(),
            );
        }
    }
    if let Some(clustering) = &spec.clustering {
        let dns = clustering
            .peer_discovery
            .as_ref()
            .filter(|p| p.value == PeerDiscovery::Dns);
        if let Some(dns) = dns {
            if clustering.dns_hostname.is_none() {
                error(
                    DiagnosticKind::InvalidSetting,
                    dns.at,
                    "dns peer discovery needs `dns_hostname`".to_string(),
                );
            }
        }
        for node in &clustering.nodes {
            if !node.value.contains('@') {
                error(
                    DiagnosticKind::InvalidSetting,
                    node.at,
                    format!("node name `{}` is not of the form name@host", node.value),
                );
            }
        }
    }
    problems
}

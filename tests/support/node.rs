//! Throwaway RabbitMQ nodes for integration tests, started and stopped through
//! `scripts/rabbitmq-node.sh` (the same script `make demo` uses).
//!
//! `BrokerNode::shared()` gives the node every test in one test binary shares (tests
//! keep to their own vhosts, see `create_vhost`); `BrokerNode::start()` gives a node of
//! the test's own, stopped when dropped. Neither ever touches a broker someone else
//! started (such as a system node on 5672/15672).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

/// Credentials of the default user, accepted from localhost only.
pub const USER: &str = "guest";
pub const PASSWORD: &str = "guest";

/// A RabbitMQ release the harness can start: bookworm's 3.10.8 on this machine, or
/// trixie's 4.0.5 from a debootstrapped root (see `scripts/rabbitmq-node.sh`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Release {
    V3_10,
    V4_0,
}

impl Release {
    /// The release every test of this run uses: `WARREN_TEST_BROKER` (3.10 or 4.0), default 3.10.
    pub fn current() -> Release {
        match std::env::var("WARREN_TEST_BROKER").as_deref() {
            Err(_) | Ok("") | Ok("3.10") => Release::V3_10,
            Ok("4.0") => Release::V4_0,
            Ok(other) => panic!("WARREN_TEST_BROKER={other:?}: expected 3.10 or 4.0"),
        }
    }

    /// As `rabbitmq-node.sh start --broker` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Release::V3_10 => "3.10",
            Release::V4_0 => "4.0",
        }
    }

    /// The exact version the node reports in `/api/overview`.
    pub fn version(self) -> &'static str {
        match self {
            Release::V3_10 => "3.10.8",
            Release::V4_0 => "4.0.5",
        }
    }
}

/// How many times `start` picks fresh ports and retries when a node fails to start
/// (another process can grab a port between our probe and the node binding it).
const START_ATTEMPTS: usize = 3;

fn script() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/rabbitmq-node.sh")
}

fn run_script(args: &[&str]) -> Output {
    run_script_with(args, &[])
}

fn run_script_with(args: &[&str], vars: &[(&str, &str)]) -> Output {
    Command::new("bash")
        .arg(script())
        .args(args)
        .envs(vars.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script()))
}

/// Extra configuration for `start_with_config`.
#[derive(Default)]
struct NodeConfig {
    config: Option<PathBuf>,
    advanced_config: Option<PathBuf>,
    user: Option<String>,
    password: Option<String>,
    /// Instead of the usual plugins (management, shovel, federation).
    plugins: Option<&'static str>,
}

/// A running RabbitMQ node with the management, shovel and federation plugins, listening
/// on 127.0.0.1 only.
pub struct BrokerNode {
    pub amqp_port: u16,
    pub mgmt_port: u16,
    pub dist_port: u16,
    /// Erlang node name, e.g. `warren-test-40123@localhost`.
    pub name: String,
    /// The user `api` logs in as: guest, or the default user of a rendered configuration.
    pub user: String,
    pub password: String,
    pub release: Release,
    dir: PathBuf,
    /// Removes the node's directory once `stop` has stopped it (`Drop` hands it to the
    /// background stop instead); `None` for the shared node, which the watchdog removes.
    tempdir: Option<tempfile::TempDir>,
    /// `stop` already stopped the node.
    stopped: bool,
}

impl BrokerNode {
    /// Starts a node of its own (about 6 s here); dropping it stops it in the background.
    pub fn start() -> BrokerNode {
        Self::try_start(false, &NodeConfig::default()).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A node of its own started with a rendered rabbitmq.conf (its listener ports and log
    /// locations replaced by the harness's) and advanced.config; `user`/`password` is the
    /// configuration's default user, which the start check and `api` log in as.
    pub fn start_with_config(
        config: &Path,
        advanced_config: Option<&Path>,
        user: &str,
        password: &str,
    ) -> BrokerNode {
        let extra = NodeConfig {
            config: Some(config.to_path_buf()),
            advanced_config: advanced_config.map(Path::to_path_buf),
            user: Some(user.to_string()),
            password: Some(password.to_string()),
            plugins: None,
        };
        Self::try_start(false, &extra).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A node of its own running only the management plugin (no shovel, no federation).
    pub fn start_management_only() -> BrokerNode {
        let extra = NodeConfig {
            plugins: Some("rabbitmq_management"),
            ..NodeConfig::default()
        };
        Self::try_start(false, &extra).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The node shared by all tests of this test binary, started on first use.
    ///
    /// A static's destructor never runs, so this node cannot be stopped by `Drop`.
    /// Instead every node gets a watchdog (`rabbitmq-node.sh watch DIR PID`): a detached
    /// shell loop that polls this process's pid and, once the test process has exited
    /// (normally, by panic or by a signal), stops the node and removes its directory. For
    /// nodes from `start()` the watchdog is only the fallback for a killed process: their
    /// `Drop` or `stop` stops them, and the watchdog exits when their directory disappears.
    pub fn shared() -> &'static BrokerNode {
        static SHARED: OnceLock<Result<BrokerNode, String>> = OnceLock::new();
        match SHARED.get_or_init(|| Self::try_start(true, &NodeConfig::default())) {
            Ok(node) => node,
            Err(e) => panic!("the shared broker node did not start: {e}"),
        }
    }

    /// A node that lives until the test process ends, for a pool to lend out (see `pool`).
    pub(crate) fn start_kept() -> BrokerNode {
        Self::try_start(true, &NodeConfig::default()).unwrap_or_else(|e| panic!("{e}"))
    }

    fn try_start(shared: bool, extra: &NodeConfig) -> Result<BrokerNode, String> {
        let mut failures = Vec::new();
        for attempt in 1..=START_ATTEMPTS {
            let [amqp_port, mgmt_port, dist_port] = free_ports();
            let tempdir = tempfile::Builder::new()
                .prefix("warren-node-")
                .tempdir()
                .map_err(|e| format!("cannot create a node directory: {e}"))?;
            let dir = tempdir.path().to_path_buf();
            let dir_arg = dir.to_str().expect("temp dir path is UTF-8");
            let pid = std::process::id().to_string();
            let watch = run_script(&["watch", dir_arg, &pid, "--remove-dir"]);
            if !watch.status.success() {
                return Err(format!(
                    "rabbitmq-node.sh watch failed: {}",
                    String::from_utf8_lossy(&watch.stderr)
                ));
            }
            let name = format!("warren-test-{mgmt_port}@localhost");
            let ports = [amqp_port, mgmt_port, dist_port].map(|p| p.to_string());
            let release = Release::current();
            let mut args = vec!["start", dir_arg, &ports[0], &ports[1], &ports[2], &name];
            args.extend(["--broker", release.as_str()]);
            let config = extra
                .config
                .as_ref()
                .map(|p| p.to_str().expect("UTF-8 path"));
            if let Some(config) = config {
                args.extend(["--config", config]);
            }
            let advanced = extra.advanced_config.as_ref();
            let advanced = advanced.map(|p| p.to_str().expect("UTF-8 path"));
            if let Some(advanced) = advanced {
                args.extend(["--advanced-config", advanced]);
            }
            let user = extra.user.clone().unwrap_or_else(|| USER.to_string());
            let password = extra
                .password
                .clone()
                .unwrap_or_else(|| PASSWORD.to_string());
            let credentials = format!("{user}:{password}");
            let mut vars = vec![
                ("WARREN_NODE_CREDENTIALS", credentials.as_str()),
                // Message counts show in a second instead of five: tests wait on them.
                ("WARREN_NODE_STATS_INTERVAL_MS", "1000"),
                // Both releases' suites share the machine: a boot can take far longer than
                // its usual 6 s, and one cut off and started again only adds to the load.
                ("WARREN_NODE_START_TIMEOUT", "120"),
            ];
            if let Some(plugins) = extra.plugins {
                vars.push(("WARREN_NODE_PLUGINS", plugins));
            }
            let out = run_script_with(&args, &vars);
            let stderr = String::from_utf8_lossy(&out.stderr);
            if out.status.success() {
                eprint!("{stderr}");
                let (dir, tempdir) = if shared {
                    (tempdir.keep(), None)
                } else {
                    (dir, Some(tempdir))
                };
                return Ok(BrokerNode {
                    amqp_port,
                    mgmt_port,
                    dist_port,
                    name,
                    user,
                    password,
                    release,
                    dir,
                    tempdir,
                    stopped: false,
                });
            }
            // `start` already stopped whatever it launched; dropping `tempdir` removes
            // the directory, which also ends that attempt's watchdog.
            failures.push(format!(
                "attempt {attempt} (ports {amqp_port}/{mgmt_port}/{dist_port}): {}\n{stderr}",
                out.status
            ));
        }
        Err(format!(
            "no RabbitMQ node started after {START_ATTEMPTS} attempts:\n{}",
            failures.join("\n")
        ))
    }

    /// Base URL of the management API, e.g. `http://127.0.0.1:40123`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.mgmt_port)
    }

    /// AMQP URL of the default vhost.
    pub fn amqp_url(&self) -> String {
        format!("amqp://{USER}:{PASSWORD}@127.0.0.1:{}", self.amqp_port)
    }

    /// Directory holding the node's data, logs and configuration.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Calls the management API with curl: `path` starts with `/api/` and is already
    /// percent-encoded (`/api/vhosts/%2F`). Returns the status and the body.
    pub fn api(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, String) {
        let bytes = body.map(|b| serde_json::to_vec(b).expect("JSON body"));
        let base = self.url();
        curl(
            &base,
            &self.user,
            &self.password,
            method,
            path,
            bytes.as_deref(),
        )
    }

    /// GETs `path` and parses the JSON answer; panics unless the status is 200.
    pub fn get_json(&self, path: &str) -> Value {
        let (status, body) = self.api("GET", path, None);
        assert_eq!(status, 200, "GET {path}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body}"))
    }

    /// Creates a vhost with a unique name starting with `prefix` and gives the guest
    /// user full permissions on it. Tests on the shared node keep to such vhosts.
    pub fn create_vhost(&self, prefix: &str) -> String {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "{prefix}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let encoded = encode(&name);
        let (status, body) = self.api("PUT", &format!("/api/vhosts/{encoded}"), None);
        assert!(
            matches!(status, 201 | 204),
            "create vhost {name}: {status} {body}"
        );
        let perms = serde_json::json!({"configure": ".*", "write": ".*", "read": ".*"});
        let path = format!("/api/permissions/{encoded}/{USER}");
        let (status, body) = self.api("PUT", &path, Some(&perms));
        assert!(
            matches!(status, 201 | 204),
            "permissions on {name}: {status} {body}"
        );
        name
    }

    /// `rabbitmqctl ARGS` of the node's own release against the node; panics unless it succeeds.
    pub fn ctl(&self, args: &[&str]) -> String {
        let dir = self.dir.to_str().expect("UTF-8 path");
        let mut all = vec!["ctl", dir];
        all.extend_from_slice(args);
        let out = run_script(&all);
        assert!(
            out.status.success(),
            "rabbitmqctl {args:?} on {}: {}{}",
            self.name,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Deletes a vhost (and everything in it); a missing vhost is fine.
    pub fn delete_vhost(&self, name: &str) {
        let (status, body) = self.api("DELETE", &format!("/api/vhosts/{}", encode(name)), None);
        assert!(
            matches!(status, 204 | 404),
            "delete vhost {name}: {status} {body}"
        );
    }
}

impl BrokerNode {
    /// Stops the node and waits until it is gone and its directory removed (about 6 s):
    /// for tests about stopping. Elsewhere `Drop` stops a node without waiting.
    pub fn stop(mut self) {
        let out = run_script(&["stop", self.dir.to_str().expect("UTF-8 path")]);
        assert!(
            out.status.success(),
            "stopping {} failed: {}",
            self.name,
            String::from_utf8_lossy(&out.stderr)
        );
        self.stopped = true;
    }
}

impl Drop for BrokerNode {
    /// Stops the node in the background, so a test does not wait the 5 s the management
    /// plugin takes to shut down; the process that stops it removes the directory.
    fn drop(&mut self) {
        if self.stopped {
            return;
        }
        let Some(tempdir) = self.tempdir.take() else {
            return;
        };
        let dir = tempdir.keep();
        let dir = dir.to_str().expect("UTF-8 path");
        let stop = format!("bash {} stop {dir}; rm -rf -- {dir}", shell_quote(script()));
        let spawned = Command::new("setsid")
            .args(["bash", "-c", &stop])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        if let Err(e) = spawned {
            eprintln!("cannot stop {} in the background: {e}", self.name);
        }
    }
}

/// `text` as one shell word.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// Three distinct ports free on 127.0.0.1 right now: all three listeners are held at
/// once so the kernel cannot hand out the same port twice.
fn free_ports() -> [u16; 3] {
    let listeners: Vec<TcpListener> = (0..3)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0"))
        .collect();
    let ports: Vec<u16> = listeners
        .iter()
        .map(|l| l.local_addr().expect("local addr").port())
        .collect();
    [ports[0], ports[1], ports[2]]
}

/// Percent-encodes one path segment of a management API URL.
pub(crate) fn encode(segment: &str) -> String {
    let mut out = String::new();
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Polls `f` every 200 ms until it returns `Some`, panicking after `timeout`.
pub fn eventually<T>(timeout: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// One management API request with curl, as `user`; returns the status and the body.
/// `path` starts with `/api/` and is already percent-encoded.
pub fn curl(
    base: &str,
    user: &str,
    password: &str,
    method: &str,
    path: &str,
    body: Option<&[u8]>,
) -> (u16, String) {
    use std::io::Write;
    let url = format!("{base}{path}");
    let mut cmd = Command::new("curl");
    cmd.args(["-sS", "-m", "120", "-u", &format!("{user}:{password}")])
        .args(["-X", method, "-w", "\n%{http_code}"])
        .arg(&url);
    if body.is_some() {
        cmd.args([
            "-H",
            "content-type: application/json",
            "--data-binary",
            "@-",
        ]);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run curl");
    let mut stdin = child.stdin.take().expect("curl stdin");
    if let Some(body) = body {
        stdin.write_all(body).expect("write request body to curl");
    }
    drop(stdin);
    let out = child.wait_with_output().expect("curl");
    let text = String::from_utf8_lossy(&out.stdout);
    let parsed = text
        .rsplit_once('\n')
        .and_then(|(body, code)| Some((code.trim().parse().ok()?, body.to_string())));
    match parsed {
        Some(answer) if out.status.success() => answer,
        _ => panic!(
            "{method} {url} failed ({}): {}{text}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

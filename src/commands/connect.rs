//! Connection settings: flag, then RABBITMQ_MANAGEMENT_* variable, then the environment's `broker:`.

use std::path::PathBuf;
use std::time::Duration;

use crate::broker::{ConnectionSettings, HttpBroker};
use crate::cli::ConnectionArgs;
use crate::config::environment::Environment;
use crate::config::secret_references;
use crate::error::Error;

const URL_VAR: &str = "RABBITMQ_MANAGEMENT_API_URL";
const USER_VAR: &str = "RABBITMQ_MANAGEMENT_USER";
const PASSWORD_VAR: &str = "RABBITMQ_MANAGEMENT_PASSWORD";

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

pub fn settings(args: &ConnectionArgs, env: &Environment) -> Result<ConnectionSettings, Error> {
    resolve(args, Some(env))
}

/// Settings from flags and variables alone, when they name a broker and a password: a live
/// read can start before the environment is loaded (see [`settings`] for the final word).
pub fn settings_from_flags(args: &ConnectionArgs) -> Option<ConnectionSettings> {
    resolve(args, None).ok()
}

fn resolve(args: &ConnectionArgs, env: Option<&Environment>) -> Result<ConnectionSettings, Error> {
    let broker = env.and_then(|e| e.settings.broker.as_ref());
    let dir = env.map(|e| e.dir.clone()).unwrap_or_default();
    let urls: Vec<String> = if !args.urls.is_empty() {
        args.urls.clone()
    } else if let Some(url) = var(URL_VAR) {
        url.split(',').map(|u| u.trim().to_string()).collect()
    } else {
        broker
            .map(|b| b.spec.urls.iter().map(|u| u.value.clone()).collect())
            .unwrap_or_default()
    };
    if urls.is_empty() {
        return Err(Error::Usage(format!(
            "no broker URL: pass --url, set {URL_VAR}, or add `broker: {{ urls: [...] }}` to the environment"
        )));
    }
    let user = args
        .user
        .clone()
        .or_else(|| var(USER_VAR))
        .or_else(|| broker.and_then(|b| b.spec.user.as_ref().map(|u| u.value.clone())))
        .unwrap_or_else(|| "guest".to_string());
    let password = if let Some(p) = &args.password {
        warn_password_flag();
        p.clone()
    } else if let Some(file) = &args.password_file {
        read_password_file(file)?
    } else if let Some(p) = var(PASSWORD_VAR) {
        p
    } else if let Some(source) = broker.and_then(|b| b.spec.password.as_ref()) {
        let file = broker.map(|b| b.file).unwrap_or_default();
        let secret = secret_references::resolve(source, &dir, file)
            .map_err(|d| Error::Usage(format!("broker password: {}", d.message())))?;
        secret.expose().to_string()
    } else {
        let or_setting = if env.is_some() {
            ", or add `broker: { password: { env: NAME } }`"
        } else {
            ""
        };
        return Err(Error::Usage(format!(
            "no broker password: pass --password-file or set {PASSWORD_VAR}{or_setting}"
        )));
    };
    let mut settings = ConnectionSettings::new(urls, user, password);
    settings.ca_cert = args
        .ca_cert
        .clone()
        .or_else(|| broker.and_then(|b| b.spec.ca_cert.as_ref().map(|c| dir.join(&c.value))));
    settings.client_cert = args.client_cert.clone();
    settings.client_key = args.client_key.clone();
    settings.insecure = args.insecure;
    let timeout = args
        .timeout
        .or_else(|| broker.and_then(|b| b.spec.timeout.as_ref().map(|t| t.value)));
    if let Some(seconds) = timeout {
        settings.timeout = Duration::from_secs(seconds);
    }
    Ok(settings)
}

/// A password given as a flag is visible to every user of the machine (`ps`): said once.
fn warn_password_flag() {
    static SAID: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !SAID.swap(true, std::sync::atomic::Ordering::Relaxed) {
        eprintln!(
            "warning: --password shows in the process list to every user of this machine; prefer --password-file or {PASSWORD_VAR}"
        );
    }
}

fn read_password_file(path: &PathBuf) -> Result<String, Error> {
    std::fs::read_to_string(path)
        .map(|text| text.trim_end_matches(['\n', '\r']).to_string())
        .map_err(|source| Error::Io {
            what: format!("reading --password-file {}", path.display()),
            source,
        })
}

pub fn connect(args: &ConnectionArgs, env: &Environment) -> Result<HttpBroker, Error> {
    let settings = settings(args, env)?;
    HttpBroker::new(&settings).map_err(Error::from)
}

/// Settings when there is no environment yet (`import --from-url`): `url`, then only flags and
/// RABBITMQ_MANAGEMENT_USER / RABBITMQ_MANAGEMENT_PASSWORD apply.
pub fn settings_without_environment(
    args: &ConnectionArgs,
    url: &str,
) -> Result<ConnectionSettings, Error> {
    let args = ConnectionArgs {
        urls: vec![url.to_string()],
        ..args.clone()
    };
    resolve(&args, None)
}

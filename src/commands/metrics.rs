//! `warren metrics`: Prometheus metrics as a node_exporter textfile, or served on /metrics.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::broker::HttpBroker;
use crate::cli::{ConnectionArgs, MetricsArgs};
use crate::error::{Error, Outcome};
use crate::ops::{http_server, metrics};
use crate::plan::drift::DriftReport;
use crate::render::drift::{prometheus, DriftDocument};

/// What a scrape needs to also check drift: the environment is re-read every time.
#[derive(Clone)]
struct DriftSource {
    env: String,
    environments_dir: PathBuf,
    connection: ConnectionArgs,
}

pub fn run(args: &MetricsArgs, environments_dir: &Path) -> Result<Outcome, Error> {
    let env = super::pipeline::load_valid(&args.env, environments_dir, None)?;
    let broker = Arc::new(super::connect::connect(&args.connection, &env)?);
    let drift = args.with_drift.then(|| DriftSource {
        env: args.env.clone(),
        environments_dir: environments_dir.to_path_buf(),
        connection: args.connection.clone(),
    });
    let runtime = super::runtime()?;
    if let Some(path) = &args.textfile {
        let text = runtime.block_on(render(&broker, drift.as_ref(), &env.name))?;
        write_atomically(path, &text)?;
        return Ok(Outcome::Success);
    }
    let Some(addr) = &args.listen else {
        return Err(Error::Usage("pass --listen ADDR or --textfile FILE".into()));
    };
    let name = env.name.clone();
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| Error::Io {
                what: format!("listening on {addr}"),
                source,
            })?;
        let local = listener.local_addr().map_err(|source| Error::Io {
            what: "reading the listening address".into(),
            source,
        })?;
        eprintln!("warren metrics: serving http://{local}/metrics");
        let handler = move || {
            let broker = Arc::clone(&broker);
            let drift = drift.clone();
            let name = name.clone();
            async move { render(&broker, drift.as_ref(), &name).await }
        };
        http_server::serve(listener, handler)
            .await
            .map_err(|source| Error::Io {
                what: format!("serving on {local}"),
                source,
            })
    })?;
    Ok(Outcome::Success)
}

/// One scrape's text: the broker's series, then the drift series when asked for.
async fn render(
    broker: &HttpBroker,
    drift: Option<&DriftSource>,
    environment: &str,
) -> Result<String, Error> {
    let scrape = metrics::scrape(broker).await?;
    let mut text = metrics::render(&scrape);
    if let Some(source) = drift {
        let started = now();
        match super::pipeline::plan(&source.env, &source.environments_dir, &source.connection).await
        {
            Ok(planned) => {
                let report = DriftReport::new(&planned.plan, &planned.live, &planned.scope);
                text.push_str(&prometheus::render(&DriftDocument::new(&report), started));
            }
            Err(err) => {
                tracing::warn!(error = %err, "drift check failed");
                text.push_str(&prometheus::render_failure(environment, started));
            }
        }
    }
    Ok(text)
}

/// Writes a sibling temporary file, then renames it over `path`: readers never see half a file.
fn write_atomically(path: &Path, text: &str) -> Result<(), Error> {
    let io = |what: String| move |source| Error::Io { what, source };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| Error::Usage(format!("--textfile {} is not a file", path.display())))?;
    let temp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    std::fs::write(&temp, text).map_err(io(format!("writing {}", temp.display())))?;
    std::fs::rename(&temp, path).map_err(|source| {
        let _ = std::fs::remove_file(&temp);
        Error::Io {
            what: format!("renaming {} to {}", temp.display(), path.display()),
            source,
        }
    })
}

fn now() -> f64 {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    millis as f64 / 1000.0
}

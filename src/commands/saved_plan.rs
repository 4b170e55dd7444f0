//! Writing a saved plan, and proving before apply that it still describes the broker.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::pipeline::Planned;
use crate::config::Environment;
use crate::error::Error;
use crate::plan::saved::{
    file_digests, live_digests, relative_key, same_changes, staleness, SavedPlan,
    SAVED_PLAN_VERSION,
};

pub fn write(path: &Path, planned: &Planned) -> Result<(), Error> {
    let saved = SavedPlan {
        format_version: SAVED_PLAN_VERSION,
        environment: planned.env.name.clone(),
        files: files_of(&planned.env),
        live: live_digests(&planned.live, &planned.scope),
        plan: planned.plan.clone(),
    };
    let text = serde_json::to_string_pretty(&saved)
        .map_err(|e| Error::Usage(format!("cannot encode the plan: {e}")))?;
    std::fs::write(path, text + "\n").map_err(|source| Error::Io {
        what: format!("writing {}", path.display()),
        source,
    })
}

pub fn read(path: &Path) -> Result<SavedPlan, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        what: format!("reading {}", path.display()),
        source,
    })?;
    let saved: SavedPlan = serde_json::from_str(&text).map_err(|e| {
        Error::Usage(format!(
            "{} is not a saved warren plan: {e}",
            path.display()
        ))
    })?;
    if saved.format_version != SAVED_PLAN_VERSION {
        return Err(Error::Usage(format!(
            "{} has saved-plan format {}; this warren reads format {SAVED_PLAN_VERSION}",
            path.display(),
            saved.format_version
        )));
    }
    Ok(saved)
}

/// Refuses a saved plan whose environment or live state changed, or that no longer matches.
pub fn check_fresh(saved: &SavedPlan, current: &Planned) -> Result<(), Error> {
    if saved.environment != current.env.name {
        return Err(Error::Refused(format!(
            "the saved plan is for environment {:?}, not {:?}",
            saved.environment, current.env.name
        )));
    }
    let reasons = staleness(
        saved,
        &files_of(&current.env),
        &live_digests(&current.live, &current.scope),
    );
    if !reasons.is_empty() {
        let shown: Vec<String> = reasons.iter().take(20).map(|r| format!("  {r}")).collect();
        let more = reasons.len().saturating_sub(20);
        let tail = if more > 0 {
            format!("\n  ... and {more} more")
        } else {
            String::new()
        };
        return Err(Error::Refused(format!(
            "the saved plan is stale; run `warren plan --out` again. What changed:\n{}{tail}",
            shown.join("\n")
        )));
    }
    if !same_changes(&saved.plan, &current.plan) {
        return Err(Error::Refused(
            "the saved plan no longer matches what warren would do now; run `warren plan --out` again".to_string(),
        ));
    }
    Ok(())
}

/// The environment's file digests, keyed relative to its folder as the file system resolves
/// both (so `./environments/x`, `x` and a symlinked checkout agree).
fn files_of(env: &Environment) -> BTreeMap<String, String> {
    let resolved = |path: &Path| -> PathBuf {
        std::fs::canonicalize(path)
            .or_else(|_| std::path::absolute(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    let root = resolved(&env.dir);
    let files = env
        .sources
        .iter()
        .map(|(_, f)| (f.path.as_path(), f.text.as_str()));
    file_digests(files, |file| relative_key(&root, &resolved(file)))
}

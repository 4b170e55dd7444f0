//! The plan lowers `GET /api/definitions` while parsing it, never holding the parsed
//! document; it must give exactly the state the lowering of the whole parsed document
//! gives. Checked on every real definitions file at hand: the conformance corpus (written
//! by others) and the recorded answers of releases this machine cannot run.

use std::path::{Path, PathBuf};

use serde::de::DeserializeSeed;
use warren::broker::live_document::LiveDocument;
use warren::broker::lower::{live_state, Lowering};
use warren::broker::LiveSnapshot;
use warren::format::wire::{Definitions, VhostInfo};

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// The vhosts listing a broker holding `definitions` would answer; every other vhost has
/// quorum as its default queue type, so queues that leave their type out are told apart.
fn vhosts_of(definitions: &Definitions) -> Vec<VhostInfo> {
    definitions
        .vhosts
        .iter()
        .enumerate()
        .map(|(i, v)| VhostInfo {
            name: v.name.clone(),
            default_queue_type: (i % 2 == 1).then(|| "quorum".to_string()),
            ..VhostInfo::default()
        })
        .collect()
}

#[test]
fn lowering_while_parsing_gives_the_state_of_the_whole_document() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    json_files(&root.join("../shared/conformance"), &mut files);
    json_files(&root.join("tests/recorded"), &mut files);
    let mut compared = 0;
    let mut objects = 0;
    for file in &files {
        let text = std::fs::read(file).unwrap();
        // The manifest and the non-definitions answers (overview, vhosts) are not documents.
        let Ok(definitions) = serde_json::from_slice::<Definitions>(&text) else {
            continue;
        };
        if definitions.object_count() == 0 {
            continue;
        }
        let vhosts = vhosts_of(&definitions);
        let mut lowering = Lowering::new(vhosts.clone());
        let mut parser = serde_json::Deserializer::from_slice(&text);
        LiveDocument(&mut lowering)
            .deserialize(&mut parser)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let streamed = lowering.finish();
        objects += definitions.object_count();
        let whole = live_state(LiveSnapshot {
            version: String::new(),
            cluster_name: String::new(),
            definitions,
            vhosts,
        });
        assert_eq!(streamed, whole, "{}", file.display());
        compared += 1;
    }
    assert!(
        compared >= 50,
        "only {compared} definitions documents compared"
    );
    assert!(objects > 1000, "only {objects} objects compared");
}

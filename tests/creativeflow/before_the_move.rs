//! CreativeFlow's production as it was before the move to quorum queues: the shipped
//! environment with its nine critical queues classic again and the policy that mirrored
//! them, `ha-all-critical-queues`, back (what the CreativeFlow specification describes).

use std::path::Path;

const HA_POLICY: &str = r#"      # Mirrors the critical application queues on every node (the seed's HA intent).
      ha-all-critical-queues:
        pattern: '^q\.(ai|odoo|n8n|notifications|collaboration)\..*'
        apply-to: queues
        priority: 0
        definition: { ha-mode: all, ha-sync-mode: automatic }
"#;

/// A copy of `environments/production` in a fresh folder, as it was before the move.
pub fn production_before_the_move() -> tempfile::TempDir {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let from = root.join("environments/production");
    let dir = tempfile::Builder::new()
        .prefix("warren-creativeflow-ha-")
        .tempdir()
        .expect("temp dir");
    for entry in std::fs::read_dir(&from).expect("environments/production") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("a file name").to_owned();
        let mut text = std::fs::read_to_string(&path).expect("read");
        // The copy lives elsewhere: its modelines point at nothing, which changes nothing.
        if name == "queues.yaml" {
            assert!(text.contains("        type: quorum\n"), "{text}");
            text = text.replace("        type: quorum\n", "");
        }
        if name == "policies.yaml" {
            text = text.replace("    policies:\n", &format!("    policies:\n{HA_POLICY}"));
        }
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    dir
}

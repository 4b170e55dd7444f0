//! `make demo` and `make bench` run the binary cargo just built, wherever
//! `CARGO_TARGET_DIR` put it.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What `scripts/warren-bin.sh PROFILE` prints, run from `cwd` with `target_dir` set or not.
fn binary(profile: &str, cwd: &Path, target_dir: Option<&str>) -> String {
    let mut cmd = Command::new(root().join("scripts/warren-bin.sh"));
    cmd.arg(profile).current_dir(cwd);
    match target_dir {
        Some(dir) => cmd.env("CARGO_TARGET_DIR", dir),
        None => cmd.env_remove("CARGO_TARGET_DIR"),
    };
    let out = cmd.output().expect("run warren-bin.sh");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .trim()
        .to_string()
}

#[test]
fn the_binary_is_found_under_cargo_target_dir() {
    let root = root();
    let built = binary("debug", &root, Some("/var/tmp/shared-target"));
    assert_eq!(built, "/var/tmp/shared-target/debug/warren");
    // Relative, as cargo reads it: from the folder make runs in.
    let relative = binary("release", &root, Some("build/cargo"));
    assert_eq!(
        relative,
        format!("{}/build/cargo/release/warren", root.display())
    );
    let default = binary("debug", Path::new("/"), None);
    assert_eq!(default, format!("{}/target/debug/warren", root.display()));
}

#[test]
fn demo_and_bench_use_it() {
    for script in ["scripts/demo.sh", "scripts/bench.sh"] {
        let text = std::fs::read_to_string(root().join(script)).expect("read script");
        assert!(text.contains("scripts/warren-bin.sh"), "{script}");
        assert!(!text.contains("/target/debug/warren"), "{script}");
        assert!(!text.contains("/target/release/warren"), "{script}");
    }
}

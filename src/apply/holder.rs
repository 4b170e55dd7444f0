//! Which process holds the apply lock, precisely enough to tell, from the same machine,
//! that it is gone: a killed apply's lock is taken over at once instead of after its lease.

use serde::{Deserialize, Serialize};

/// A process as Linux names it: its machine's boot, its pid namespace, its pid and the time
/// it started (so a recycled pid is not mistaken for it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessId {
    pub boot_id: String,
    pub pid_namespace: String,
    pub pid: u32,
    /// Clock ticks after boot, from /proc/PID/stat.
    pub started: u64,
}

impl ProcessId {
    /// This process; None where /proc does not tell.
    pub fn current() -> Option<ProcessId> {
        Some(ProcessId {
            boot_id: boot_id()?,
            pid_namespace: pid_namespace()?,
            pid: std::process::id(),
            started: start_time(std::process::id())?,
        })
    }

    /// True only when the process is known to be gone: it ran on this machine since its
    /// last boot, in this pid namespace, and no process with its pid and start time exists.
    pub fn is_gone(&self) -> bool {
        let here = boot_id().as_deref() == Some(self.boot_id.as_str())
            && pid_namespace().as_deref() == Some(self.pid_namespace.as_str());
        here && start_time(self.pid) != Some(self.started)
    }
}

fn boot_id() -> Option<String> {
    let text = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
    Some(text.trim().to_string())
}

fn pid_namespace() -> Option<String> {
    let link = std::fs::read_link("/proc/self/ns/pid").ok()?;
    Some(link.to_string_lossy().into_owned())
}

/// Field 22 of /proc/PID/stat, counted after the command name (which may hold spaces).
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    after_name.split(' ').nth(19)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_not_gone_and_a_finished_one_is() {
        let me = ProcessId::current().expect("a Linux /proc");
        assert!(!me.is_gone());
        let mut child = std::process::Command::new("true")
            .spawn()
            .expect("run true");
        let pid = child.id();
        let started = start_time(pid);
        child.wait().expect("true ends");
        if let Some(started) = started {
            let gone = ProcessId {
                pid,
                started,
                ..me.clone()
            };
            assert!(gone.is_gone());
        }
        let elsewhere = ProcessId {
            boot_id: "another machine".into(),
            ..me
        };
        assert!(!elsewhere.is_gone(), "a process elsewhere is never judged");
    }
}

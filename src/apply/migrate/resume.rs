//! Where a rerun picks up a migration whose run stopped after declaring the queue anew:
//! the queue may be filling, empty, or (its declaration cut off) without a leader.

use std::time::{Duration, Instant};

use super::{Step, POLL};
use crate::apply::error::ApplyError;
use crate::broker::fetch::shovel_defined;
use crate::plan::migrations::shovel_name;

/// What a run that stopped left of the queue it had declared anew.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Left {
    /// Being filled, or holding messages of its own: the migration goes on from there.
    InUse,
    /// Empty, declared by a run killed while the broker declared it: declared again.
    Empty,
    /// No count for longer than a healthy queue goes without one: a quorum queue whose
    /// declaration was cut off before its replica elected a leader. It takes no message.
    Leaderless,
}

impl Left {
    /// The queue's first count, read once no shovel back is defined and the temporary queue
    /// still holds every message the migration began with: the run that declared the queue
    /// stopped before moving anything back. (A shovel back that finished after its run was
    /// killed removes itself too, but leaves the temporary queue short.)
    /// A classic queue without a count is only slow to report one: it is used as it is.
    fn judge(count: Option<u64>, replicated: bool) -> Left {
        match count {
            Some(0) => Left::Empty,
            Some(_) => Left::InUse,
            None if replicated => Left::Leaderless,
            None => Left::InUse,
        }
    }
}

/// A healthy queue's first count comes within a statistics interval or a quorum queue's
/// tick (5 s each by default); none after four of them means no leader.
pub(super) const NO_LEADER_AFTER: Duration = Duration::from_secs(20);

impl Step<'_> {
    /// What an earlier run, which declared the queue anew, left of it.
    pub(super) async fn left_declared(&self, replicated: bool) -> Result<Left, ApplyError> {
        let back = shovel_name(self.temporary, true);
        if shovel_defined(self.broker, self.vhost, &back).await? {
            return Ok(Left::InUse);
        }
        if !self.temporary_holds_all().await? {
            return Ok(Left::InUse);
        }
        // A queue whose replica never elected a leader shows no count, ever.
        let count = self.count_within(self.queue, NO_LEADER_AFTER).await?;
        Ok(Left::judge(count, replicated))
    }

    /// Whether the temporary queue still holds every message the migration began with.
    /// Right after a run was killed its count lags: it can show none, or only part of what
    /// the shovel out moved, for a statistics interval or more on a busy node. So a short
    /// count is read again, unless the new queue shows messages (a shovel back moved some).
    async fn temporary_holds_all(&self) -> Result<bool, ApplyError> {
        let deadline = Instant::now() + NO_LEADER_AFTER;
        loop {
            let temporary = self.count_now(self.temporary).await?;
            if temporary.is_some_and(|n| n >= self.expected) {
                return Ok(true);
            }
            let queue = self.count_now(self.queue).await?;
            if queue.is_some_and(|n| n > 0) || Instant::now() >= deadline {
                return Ok(false);
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Left;

    #[test]
    fn a_queue_declared_anew_is_judged_by_its_first_count() {
        assert_eq!(Left::judge(Some(0), true), Left::Empty);
        assert_eq!(Left::judge(Some(3), true), Left::InUse);
        assert_eq!(Left::judge(None, true), Left::Leaderless);
        assert_eq!(Left::judge(Some(0), false), Left::Empty);
        assert_eq!(Left::judge(None, false), Left::InUse);
    }
}

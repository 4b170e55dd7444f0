//! `warren unlock --env E LOCK_ID`: clears the apply lock a crashed apply left, as
//! Terraform's force-unlock does, only when the lock still has that id.

use std::path::Path;

use crate::apply::lock;
use crate::cli::UnlockArgs;
use crate::error::{Error, Outcome};

pub fn run(args: &UnlockArgs, environments_dir: &Path) -> Result<Outcome, Error> {
    let runtime = super::runtime()?;
    runtime.block_on(unlock(args, environments_dir))
}

async fn unlock(args: &UnlockArgs, environments_dir: &Path) -> Result<Outcome, Error> {
    let env = super::pipeline::load_valid(&args.env, environments_dir, None)?;
    let broker = super::connect::connect(&args.connection, &env)?;
    let vhosts = env.lock_vhosts();
    let found = lock::find(&broker, &vhosts).await?;
    match found {
        None => Err(Error::Refused(format!(
            "no apply lock is held on this broker (looked in {}); nothing to clear",
            vhosts.join(", ")
        ))),
        Some((_, holder)) if holder.id != args.lock_id => Err(Error::Refused(format!(
            "the apply lock is now {}, not {}; nothing was cleared",
            holder.describe(),
            args.lock_id
        ))),
        Some((vhost, holder)) => {
            lock::clear(&broker, &vhost, &holder.id).await?;
            println!("Cleared the {}.", holder.describe());
            Ok(Outcome::Success)
        }
    }
}

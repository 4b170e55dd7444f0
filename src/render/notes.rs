//! Plan notes as sentences, shared by the human, JSON and Markdown plans.

use crate::plan::Note;

pub fn sentence(note: &Note) -> String {
    match note {
        Note::GrantOnVhostCreation { user, vhost } => format!(
            "creating vhost {vhost:?} grants {user:?}, the user warren is logged in as, full permissions on it; warren keeps them (it needs them to declare queues and exchanges there). Declare that permission, or ignore the user's permissions, or drift lists it as unmanaged."
        ),
    }
}

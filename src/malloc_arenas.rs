//! The C allocator's arenas: one for the whole process.
//!
//! glibc gives each thread that allocates its own arena, and the pages an arena has touched
//! stay counted. warren's threads are few and mostly wait on the broker, so sharing one arena
//! costs no time, and a 10,000-queue plan peaks at 55 MB instead of 59-60 MB.

/// Asks glibc for a single arena; elsewhere the allocator is left as it is.
pub fn use_one() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: called first thing in `main`, before any other thread exists; mallopt only
    // changes a setting of the allocator.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

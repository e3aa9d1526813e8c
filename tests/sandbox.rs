//! The sandbox engine on real scripts through the real interpreter: modes, results, limits and
//! isolation.

mod cache;
mod isolation;
mod limits;
mod modes;
#[cfg(target_os = "linux")]
mod warm;

//! Host capabilities through the real interpreter: files, escapes, processes, the registry and
//! the built-in scripts, each checked against the audit log it leaves.
#![cfg(unix)]

mod builtins;
mod escapes;
mod files;
mod host;
mod links;
mod processes;
mod protected;
mod registry;
mod regressions;
mod spawned;

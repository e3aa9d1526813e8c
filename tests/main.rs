//! ward's integration tests: one binary, one module per part.

mod capability;
mod cli;
mod common;
mod compat;
mod e2e;
mod hostile;
mod progress;
mod sandbox;
mod script;
mod server;

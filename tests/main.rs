//! ward's integration tests: one binary, one module per part.

mod cli;
mod common;
mod e2e;
mod capability;
mod sandbox;
mod script;
mod server;

//! ward's integration tests: one binary, one module per part.

mod cli;
mod capability;
mod common;
mod sandbox;
mod script;

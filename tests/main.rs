//! ward's integration tests: one binary, one module per part.

mod common;
mod sandbox;

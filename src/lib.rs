//! ward runs administrators' Python scripts on endpoints, each inside a WebAssembly sandbox.
//!
//! How the parts meet:
//!
//! - [`agent`]: the endpoint's job loop: long poll, bounded concurrency, runs in the sandbox,
//!   and an on-disk outbox so that no result is lost.
//! - [`server`]: the central server (axum): script library, actions, per-endpoint statuses,
//!   results and retrieved files, for users with API keys and for enrolled agents.
//! - [`db`]: the server's store (SQLite), one file of queries per table.
//! - [`client`]: the HTTP client of ward's API, used by the agent and the command line.
//! - [`api`]: the wire types of ward's HTTP API, shared by server, agent and client.
//! - [`sandbox`]: the engine. CPython 3.12 built for WASI, compiled once and cached, run by
//!   wasmtime with a fresh instance per run under a timeout, a memory cap and output caps.
//! - [`capability`]: the guest's WASI with every host path and host-channel request checked
//!   against the policy and recorded in the audit log before it acts.
//! - [`policy`]: deny-by-default rules from `policies/*.toml`; decides, never acts.
//! - [`audit`]: the append-only, hash-chained JSON Lines log of every mediated operation.
//! - [`script`]: the consoles' manifest format, typed parameters, output shaping, upload-time
//!   validation by the guest CPython, and the script library.
//! - [`status`]: the per-endpoint statuses shared by the sandbox, the agent and the server.
//! - [`paths`]: where ward keeps its data and caches on this machine.
#![deny(unsafe_code)]

pub mod agent;
pub mod api;
pub mod audit;
pub mod capability;
pub mod client;
pub mod db;
pub mod paths;
pub mod policy;
pub mod sandbox;
pub mod script;
pub mod server;
pub mod status;

//! The server, driven through `router(state)` with agents simulated by HTTP calls: the
//! permission matrix, the state machine, cancel, abort, rerun, expiry and retention by the
//! clock, results and files, refused input, and one test on a real socket.

mod support;

mod agent_auth;
mod agents;
mod control;
mod input;
mod matrix;
mod permissions;
mod rerun;
mod results;
mod scripts;
mod socket;
mod statuses;
mod sweeps;

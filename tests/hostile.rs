//! Hostile scripts: one Python file per attempt to break out of the sandbox, exhaust it, block
//! it or lie to it, each run against a host of its own and checked against the expectation its
//! header states (see `hostile/README.md` for the header format and the table of attempts).
//!
//! - `attempt`: reads a script's header into what the run must show;
//! - `world`: the host an attempt runs against (an allowed root, a directory outside it, the
//!   protected audit log, data directory and policy file) and the checks every run must pass;
//! - `setup`: the links and pipes planted before a run and the swap made during one;
//! - `kinds`: one test per kind of attempt, each running every script of its kind.

mod attempt;
mod kinds;
mod setup;
mod world;

//! Watching and operating actions: the live progress stream, the results exported as TSV, the
//! aggregated results, and the command line's `--watch` and interactive mode, against a server
//! on a loopback port with simulated agents.

mod aggregate;
mod events;
mod export;
mod interactive;
mod support;

//! The console-compatible API (`/public_api/v1`), driven the way the console's automation
//! drives it: both key schemes and their refusals, the script library with filters, runs on
//! several endpoints polled to completion, results, action statuses, and result files as a
//! ZIP behind a download link. Agents are simulated over ward's agent API.

mod support;

mod auth;
mod files;
mod library;
mod runs;

//! The console-compatible API under `/public_api/v1`: the scripts and script-execution calls
//! of the EDR console's public API, with its request and reply shapes, so that automation
//! written for the console (playbooks and their polling commands) drives ward unchanged.
//!
//! Every call is mapped onto ward's own: scripts are ward's library (uids unchanged), actions
//! are ward's actions (`action_id` is ward's integer id, accepted as a number or a string),
//! endpoints are ward's endpoint ids, statuses take the console's spelling. Starting a run goes
//! through ward's own handler, so permissions and checks cannot drift apart; reads query the
//! store directly. ward's own API stays the documented, versioned one under `/api/v1`.
//!
//! | call (`POST`, with or without a trailing `/`) | ward permission |
//! |---|---|
//! | `scripts/get_scripts`, `get_script_metadata`, `get_script_code` | view scripts and results |
//! | `scripts/run_script`, `scripts/run_snippet_code_script` | as `POST /api/v1/actions` |
//! | `scripts/get_script_execution_status`, `get_script_execution_results` | view scripts and results |
//! | `scripts/get_script_execution_results_files` | view scripts and results |
//! | `actions/get_action_status` | view scripts and results |
//! | `GET download/<token>` (a ZIP) | the signed link, and the headers if sent |
//!
//! Requests are `{"request_data": {...}}` and answers `{"reply": ...}`; every refusal is
//! `{"reply": {"err_code", "err_msg", "err_extra"}}` with the HTTP status as `err_code`
//! ([`wire`]). How the console's `x-xdr-auth-id` and `Authorization` headers map onto ward's
//! keys, and what that costs, is in [`auth`].

mod auth;
mod download;
mod library;
mod results;
mod run;
mod status;
mod wire;

use axum::Router;
use axum::middleware::map_response;
use axum::routing::{MethodRouter, any, get, post};

use super::{ApiError, AppState};

/// Where the console's clients put every call.
pub const PREFIX: &str = "/public_api/v1";

/// The console's calls, to merge into the server's router. Each path is served with and
/// without a trailing slash, since the console's own client sends both forms; any other path
/// under `/public_api` is a 404 in the console's shape.
pub fn router() -> Router<AppState> {
    let calls: [(&str, MethodRouter<AppState>); 10] = [
        ("/scripts/get_scripts", post(library::get_scripts)),
        (
            "/scripts/get_script_metadata",
            post(library::get_script_metadata),
        ),
        ("/scripts/get_script_code", post(library::get_script_code)),
        ("/scripts/run_script", post(run::run_script)),
        ("/scripts/run_snippet_code_script", post(run::run_snippet)),
        (
            "/scripts/get_script_execution_status",
            post(status::execution_status),
        ),
        (
            "/scripts/get_script_execution_results",
            post(results::execution_results),
        ),
        (
            "/scripts/get_script_execution_results_files",
            post(download::result_files),
        ),
        ("/actions/get_action_status", post(status::action_status)),
        ("/download/{token}", get(download::download)),
    ];
    let mut router = Router::new();
    for (path, method) in calls {
        let path = format!("{PREFIX}{path}");
        router = router
            .route(&format!("{path}/"), method.clone())
            .route(&path, method);
    }
    router
        .route("/public_api", any(unknown))
        .route("/public_api/{*rest}", any(unknown))
        .layer(map_response(wire::contract_errors))
}

async fn unknown() -> ApiError {
    ApiError::not_found(
        "this server has no such call under /public_api/v1",
        "it serves the scripts and script-execution calls of the console's public API, and \
         actions/get_action_status",
    )
}

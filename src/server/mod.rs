//! The central server: the script library, actions fanned out to endpoints, their per-endpoint
//! statuses and results, and retrieved files, for users with API keys and enrolled agents.
//!
//! It talks to the store ([`crate::db`]) for everything it keeps, to the sandbox only to
//! validate uploaded scripts, and to agents and users over HTTP with the types of
//! [`crate::api`]. ward's own routes are under `/api/v1`; bodies are JSON unless said otherwise.
//! The console-compatible API that existing automation speaks is under `/public_api/v1`
//! (see `compat`), mapped onto the same handlers and permissions.
//!
//! | route | who may call it |
//! |---|---|
//! | `GET /health` | anyone (answers `{"status": "ok"}`) |
//! | `POST /users` | administrators (role) |
//! | `GET /scripts`, `GET /scripts/{uid}`, `GET /scripts/{uid}/code` | view scripts and results |
//! | `POST /scripts`, `PUT /scripts/{uid}`, `DELETE /scripts/{uid}` | script configuration |
//! | `GET /endpoints?name=&platform=&ip=&tag=&status=` | view scripts and results |
//! | `POST /actions` | run standard / high-risk scripts by the script's outcome; a snippet: run high-risk scripts and script configuration |
//! | `GET /actions/{id}`, `GET /actions/{id}/results` | view scripts and results |
//! | `GET /actions/{id}/events` (server-sent events), `GET /actions/{id}/results.tsv` | view scripts and results |
//! | `GET /actions/{id}/aggregate?endpoint_id=` | view scripts and results |
//! | `POST /actions/{id}/cancel`, `/abort`, `/rerun` | as running the action |
//! | `GET /actions/{id}/files`, `GET /actions/{id}/endpoints/{endpoint_id}/files` (ZIP) | view scripts and results |
//! | `POST /agent/enroll` | an enrollment secret in the body |
//! | `GET /agent/jobs?wait=N&max=M` | the agent's token |
//! | `POST /agent/jobs/{job_id}/status`, `PUT /agent/jobs/{job_id}/result` | the token of the job's agent |
//! | `PUT /agent/jobs/{job_id}/files?path=P&sha256=H` (raw body) | the token of the job's agent |
//! | `POST /agent/disable` | the agent's token |
//! | `POST /test/clock` (only with `--test-clock`) | administrators (role) |
//!
//! No credential or an unknown one is 401, a role without the permission 403. Errors are
//! `{"error": "...", "hint": "..."}` ([`ApiError`]). Background sweeps ([`sweep`]) expire
//! unpulled jobs, fail jobs whose agent went silent and delete files past their retention.

mod actions;
mod actions_control;
mod actions_view;
mod agent;
mod aggregate;
mod archive;
mod auth;
mod clock;
mod compat;
mod endpoints;
mod error;
mod export;
mod input;
mod library;
mod plan;
mod poll;
mod progress;
mod scripts;
mod state;
pub mod sweep;
mod targets;
mod test_clock;
mod uploads;
mod users;

use axum::Json;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use tower_http::trace::TraceLayer;

pub use clock::{Clock, ClockNotAdjustable};
pub use error::ApiError;
pub use state::{AppState, Config, ServerError, create_private_dir};
pub use sweep::{SweepReport, tick};
pub use users::{add_user, new_enrollment_secret};

/// Every route of the server, with `state`.
pub fn router(state: AppState) -> Router {
    let mut api = Router::new()
        .route(
            "/health",
            get(|| async { Json(serde_json::json!({"status": "ok"})) }),
        )
        .route("/users", post(users::users_create))
        .route(
            "/scripts",
            get(scripts::scripts_list).post(scripts::scripts_create),
        )
        .route(
            "/scripts/{uid}",
            get(scripts::scripts_get)
                .put(scripts::scripts_update)
                .delete(scripts::scripts_delete),
        )
        .route("/scripts/{uid}/code", get(scripts::scripts_code))
        .route("/endpoints", get(endpoints::endpoints_list))
        .route("/actions", post(actions::actions_create))
        .route("/actions/{id}", get(actions_view::actions_get))
        .route("/actions/{id}/results", get(actions_view::actions_results))
        .route(
            "/actions/{id}/results.tsv",
            get(export::actions_results_tsv),
        )
        .route("/actions/{id}/events", get(progress::actions_events))
        .route("/actions/{id}/aggregate", get(aggregate::actions_aggregate))
        .route(
            "/actions/{id}/cancel",
            post(actions_control::actions_cancel),
        )
        .route("/actions/{id}/abort", post(actions_control::actions_abort))
        .route("/actions/{id}/rerun", post(actions::actions_rerun))
        .route("/actions/{id}/files", get(archive::actions_files))
        .route(
            "/actions/{id}/endpoints/{endpoint_id}/files",
            get(archive::actions_endpoint_files),
        )
        .route("/agent/enroll", post(agent::agents_enroll))
        .route("/agent/jobs", get(poll::agents_poll))
        .route(
            "/agent/jobs/{job_id}/status",
            post(agent::agents_report_status),
        )
        .route("/agent/jobs/{job_id}/result", put(agent::agents_put_result))
        // Streamed to disk under its own cap (`Config::max_file_bytes`).
        .route(
            "/agent/jobs/{job_id}/files",
            put(uploads::agents_upload_file),
        )
        .route("/agent/disable", post(agent::agents_disable));
    if state.config().test_clock && state.clock().is_adjustable() {
        api = api.route("/test/clock", post(test_clock::test_clock_advance));
    }
    Router::new()
        .nest(crate::api::PREFIX, api)
        .merge(compat::router())
        .fallback(|| async {
            ApiError::not_found("there is no such route", "ward's API lives under /api/v1")
        })
        .layer(DefaultBodyLimit::max(state.config().max_body_bytes))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves `state` on `listener` with the background sweeps running, until `shutdown` resolves.
///
/// # Errors
///
/// When the listener fails.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let sweeps = sweep::spawn(&state);
    let served = axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await;
    for sweep in sweeps {
        sweep.abort();
    }
    served
}

//! `POST /test/clock`, served only by `ward server --test-clock`: moves the server's clock
//! forward and runs the sweeps at once, so end-to-end tests can see jobs expire and files leave
//! without waiting days. Administrators only. The offset is kept in the data directory so that
//! a restarted test server does not go back in time.

use std::path::{Path, PathBuf};

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use serde::Serialize;

use super::auth::User;
use super::sweep::{SweepReport, tick};
use super::users::require_administrator;
use super::{ApiError, AppState, input};
use crate::api::AdvanceClock;

#[derive(Debug, Serialize)]
pub struct ClockMoved {
    /// The server's time after the move, Unix seconds.
    pub now: i64,
    pub swept: SweepReport,
}

pub async fn test_clock_advance(
    State(state): State<AppState>,
    user: User,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ClockMoved>, ApiError> {
    require_administrator(&user)?;
    let request: AdvanceClock = input::json(&input::body(body)?)?;
    let now = state
        .clock()
        .advance(request.advance_secs)
        .map_err(|e| ApiError::conflict(e.to_string(), "restart the server with `--test-clock`"))?;
    let file = offset_file(&state.config().data_dir);
    let offset = state.clock().offset().to_string();
    tokio::fs::write(&file, offset)
        .await
        .map_err(|e| ApiError::internal(format!("could not keep the test clock's offset: {e}")))?;
    let swept = tick(&state).await?;
    tracing::warn!(advance_secs = request.advance_secs, now, "test clock moved");
    Ok(Json(ClockMoved { now, swept }))
}

/// Where a test server keeps how far its clock was moved.
fn offset_file(data_dir: &Path) -> PathBuf {
    data_dir.join("test-clock-offset")
}

/// Moves `clock` by the offset a previous run of this test server kept, if any.
pub async fn restore_offset(data_dir: &Path, clock: &super::Clock) {
    let Ok(text) = tokio::fs::read_to_string(offset_file(data_dir)).await else {
        return;
    };
    match text.trim().parse::<i64>() {
        Ok(offset) => {
            if clock.advance(offset - clock.offset()).is_ok() {
                tracing::warn!(offset, "test clock offset restored");
            }
        }
        Err(_) => tracing::warn!("the kept test clock offset does not read; starting from zero"),
    }
}

//! `GET /endpoints`: the enrolled endpoints, filtered like an action's targets.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};

use super::auth::User;
use super::targets::{Matcher, is_connected};
use super::{ApiError, AppState, input};
use crate::api::actions::EndpointFilter;
use crate::api::endpoints::EndpointInfo;
use crate::api::people::Permission;
use crate::db::EndpointRow;

/// `GET /endpoints?name=GLOB&platform=P&ip=NET&tag=T&status=connected|disconnected`.
pub async fn endpoints_list(
    State(state): State<AppState>,
    user: User,
    filter: Result<Query<EndpointFilter>, QueryRejection>,
) -> Result<Json<Vec<EndpointInfo>>, ApiError> {
    user.require(Permission::ViewScriptsAndResults)?;
    let matcher = Matcher::new(&input::query(filter)?)?;
    let endpoints = state.db().endpoints_all().await?;
    let listed = endpoints
        .iter()
        .map(|e| (e, is_connected(&state, e)))
        .filter(|(e, connected)| matcher.matches(e, *connected))
        .map(|(e, connected)| info(e, connected))
        .collect();
    Ok(Json(listed))
}

fn info(endpoint: &EndpointRow, connected: bool) -> EndpointInfo {
    EndpointInfo {
        endpoint_id: endpoint.id.clone(),
        name: endpoint.name.clone(),
        platform: endpoint.platform.clone(),
        ip: endpoint.ip.clone(),
        tags: endpoint.tags.clone(),
        enrolled_at: endpoint.enrolled_at,
        last_seen: endpoint.last_seen,
        status: if connected {
            "connected"
        } else {
            "disconnected"
        }
        .to_owned(),
        scripts_disabled: endpoint.scripts_disabled,
        scripts_disabled_reason: endpoint.disabled_reason.clone(),
    }
}

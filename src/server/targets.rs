//! Which endpoints an action goes to: listed ids, or a filter on name (glob), platform, IP
//! (address or network), tag and connection status; then which of them can take it (platform
//! supported, script execution not disabled). Left-out endpoints are reported with the reason.

use std::net::IpAddr;

use globset::{GlobBuilder, GlobMatcher};

use super::{ApiError, AppState};
use crate::api::actions::{EndpointFilter, SkippedEndpoint, Targets};
use crate::db::EndpointRow;
use crate::script::Platform;

/// A checked [`EndpointFilter`].
pub struct Matcher {
    name: Option<GlobMatcher>,
    platform: Option<String>,
    ip: Option<(IpAddr, u8)>,
    tag: Option<String>,
    connected: Option<bool>,
}

impl Matcher {
    /// # Errors
    ///
    /// 422 listing every field that cannot be used.
    pub fn new(filter: &EndpointFilter) -> Result<Matcher, ApiError> {
        let mut problems = Vec::new();
        let name = filter.name.as_deref().and_then(|glob| {
            let compiled = GlobBuilder::new(glob).case_insensitive(true).build();
            compiled
                .map_err(|e| problems.push(format!("`name`: `{glob}` is not a valid glob ({e})")))
                .ok()
                .map(|g| g.compile_matcher())
        });
        let ip = filter.ip.as_deref().and_then(|ip| {
            network(ip)
                .ok_or_else(|| {
                    problems.push(format!(
                        "`ip`: `{ip}` is neither an address nor a network such as 10.0.0.0/8"
                    ))
                })
                .ok()
        });
        let connected = filter.status.as_deref().and_then(|status| {
            match status.to_ascii_lowercase().as_str() {
                "connected" => Some(true),
                "disconnected" => Some(false),
                _ => {
                    problems.push(format!(
                        "`status`: `{status}` is neither `connected` nor `disconnected`"
                    ));
                    None
                }
            }
        });
        if !problems.is_empty() {
            return Err(ApiError::unprocessable(
                format!(
                    "the endpoint filter cannot be used:\n{}",
                    problems.join("\n")
                ),
                "fix each field listed",
            ));
        }
        Ok(Matcher {
            name,
            platform: filter.platform.clone(),
            ip,
            tag: filter.tag.clone(),
            connected,
        })
    }

    pub fn matches(&self, endpoint: &EndpointRow, connected: bool) -> bool {
        self.name
            .as_ref()
            .is_none_or(|g| g.is_match(&endpoint.name))
            && self
                .platform
                .as_ref()
                .is_none_or(|p| p.eq_ignore_ascii_case(&endpoint.platform))
            && self.ip.is_none_or(|(net, bits)| {
                endpoint
                    .ip
                    .parse()
                    .is_ok_and(|ip| in_network(ip, net, bits))
            })
            && self
                .tag
                .as_ref()
                .is_none_or(|t| endpoint.tags.iter().any(|e| e.eq_ignore_ascii_case(t)))
            && self.connected.is_none_or(|c| c == connected)
    }
}

/// Whether the agent of `endpoint` polled recently enough to count as connected.
pub fn is_connected(state: &AppState, endpoint: &EndpointRow) -> bool {
    let window = state.config().connected_within_secs;
    endpoint
        .last_seen
        .is_some_and(|seen| state.now() - seen <= window)
}

/// The endpoints `targets` names, each once: the listed ids, the endpoints the filter matches,
/// or, when both are given, the listed ids the filter matches.
///
/// # Errors
///
/// 422 when no target is given, an id is unknown, the filter cannot be used, or nothing
/// matches.
pub async fn resolve(state: &AppState, targets: &Targets) -> Result<Vec<EndpointRow>, ApiError> {
    if targets.endpoint_ids.is_empty() && targets.filter.is_none() {
        return Err(ApiError::unprocessable(
            "the action has no targets",
            "give `targets.endpoint_ids`, or a `targets.filter` (an empty filter `{}` means \
             every endpoint)",
        ));
    }
    let matcher = targets.filter.as_ref().map(Matcher::new).transpose()?;
    let all = state.db().endpoints_all().await?;

    let unknown: Vec<&str> = targets
        .endpoint_ids
        .iter()
        .filter(|id| !all.iter().any(|e| &e.id == *id))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        return Err(ApiError::unprocessable(
            format!("unknown endpoint ids: {}", unknown.join(", ")),
            "`ward endpoint list` shows the endpoints with their ids",
        ));
    }

    let chosen: Vec<EndpointRow> = all
        .into_iter()
        .filter(|e| targets.endpoint_ids.is_empty() || targets.endpoint_ids.contains(&e.id))
        .filter(|e| {
            matcher
                .as_ref()
                .is_none_or(|m| m.matches(e, is_connected(state, e)))
        })
        .collect();
    if chosen.is_empty() {
        return Err(ApiError::unprocessable(
            "no endpoint matches the targets",
            "`ward endpoint list` shows the endpoints; loosen the filter",
        ));
    }
    Ok(chosen)
}

/// Splits `endpoints` into those that can run a script for `platforms` (`None`: a snippet,
/// any platform) and those left out, with why.
pub fn runnable(
    endpoints: Vec<EndpointRow>,
    platforms: Option<&[Platform]>,
) -> (Vec<EndpointRow>, Vec<SkippedEndpoint>) {
    let mut kept = Vec::new();
    let mut skipped = Vec::new();
    for endpoint in endpoints {
        match refusal(&endpoint, platforms) {
            None => kept.push(endpoint),
            Some(reason) => skipped.push(SkippedEndpoint {
                endpoint_id: endpoint.id,
                endpoint_name: endpoint.name,
                reason,
            }),
        }
    }
    (kept, skipped)
}

/// Why `endpoint` cannot run a script for `platforms`, if it cannot.
pub fn refusal(endpoint: &EndpointRow, platforms: Option<&[Platform]>) -> Option<String> {
    if endpoint.scripts_disabled {
        let why = endpoint
            .disabled_reason
            .as_deref()
            .unwrap_or("no reason given");
        return Some(format!(
            "script execution is disabled on this endpoint: {why}"
        ));
    }
    let platforms = platforms?;
    match platform(&endpoint.platform) {
        Some(p) if platforms.contains(&p) => None,
        _ => {
            let names: Vec<&str> = platforms.iter().map(|p| p.as_str()).collect();
            Some(format!(
                "the script does not support {} (it runs on {})",
                endpoint.platform,
                names.join(", ")
            ))
        }
    }
}

/// The platform an agent reported, in any case.
pub fn platform(name: &str) -> Option<Platform> {
    Platform::ALL
        .into_iter()
        .find(|p| p.as_str().eq_ignore_ascii_case(name))
}

/// `10.0.0.0/8`, `fd00::/8` or a single address (all bits).
fn network(text: &str) -> Option<(IpAddr, u8)> {
    let (addr, bits) = match text.split_once('/') {
        Some((addr, bits)) => (addr.parse::<IpAddr>().ok()?, Some(bits.parse::<u8>().ok()?)),
        None => (text.parse::<IpAddr>().ok()?, None),
    };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let bits = bits.unwrap_or(max);
    (bits <= max).then_some((addr, bits))
}

fn in_network(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    let (ip, net, width) = match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => (u32::from(ip) as u128, u32::from(net) as u128, 32),
        (IpAddr::V6(ip), IpAddr::V6(net)) => (u128::from(ip), u128::from(net), 128),
        _ => return false,
    };
    let shift = width - u32::from(bits);
    shift >= width || (ip >> shift) == (net >> shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_match_their_addresses_only() {
        let (net, bits) = network("10.1.0.0/16").unwrap();
        assert!(in_network("10.1.2.3".parse().unwrap(), net, bits));
        assert!(!in_network("10.2.0.1".parse().unwrap(), net, bits));
        let (one, bits) = network("192.168.0.7").unwrap();
        assert!(in_network("192.168.0.7".parse().unwrap(), one, bits));
        assert!(!in_network("192.168.0.8".parse().unwrap(), one, bits));
        let (all, bits) = network("0.0.0.0/0").unwrap();
        assert!(in_network("8.8.8.8".parse().unwrap(), all, bits));
        assert!(network("10.0.0.0/33").is_none());
    }
}

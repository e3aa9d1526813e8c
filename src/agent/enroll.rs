//! Enrolling this machine with a server once, and describing it (name, platform, address, tags)
//! the way the server's endpoint filters see it.

use std::net::{IpAddr, SocketAddr, UdpSocket};

use super::deliver::Backoff;
use super::state::Enrollment;
use super::{AgentConfig, AgentError};
use crate::api::agent::Enroll;
use crate::client::Client;

/// The saved enrollment (pointed at `--server` if one is given), or a new one made with the
/// enrollment secret. An unreachable server is waited for; a refused secret is an error.
pub async fn enrollment(config: &AgentConfig) -> Result<Enrollment, AgentError> {
    if let Some(mut saved) = Enrollment::load(&config.data_dir)? {
        if let Some(server) = &config.server
            && server.trim_end_matches('/') != saved.server
        {
            saved.server = server.trim_end_matches('/').to_string();
            saved.save(&config.data_dir)?;
        }
        if config.enroll_secret.is_some() {
            let endpoint_id = &saved.endpoint_id;
            tracing::info!(%endpoint_id, "already enrolled; the enrollment secret is not needed");
        }
        return Ok(saved);
    }

    let Some(secret) = &config.enroll_secret else {
        return Err(AgentError::NotEnrolled {
            path: Enrollment::path(&config.data_dir),
        });
    };
    let server = config.server.as_deref().ok_or(AgentError::NoServer)?;
    let client = Client::new(server)?;
    let name = config.name.clone().unwrap_or_else(host_name);
    let request = Enroll {
        secret: secret.clone(),
        name: name.clone(),
        platform: platform().to_string(),
        ip: local_ip(client.server()).await,
        tags: config.tags.clone(),
    };

    let mut backoff = Backoff::new();
    let enrolled = loop {
        match client.enroll(&request).await {
            Ok(enrolled) => break enrolled,
            Err(error) if error.is_transient() => {
                let wait = backoff.step();
                let retry_in_ms = wait.as_millis() as u64;
                tracing::warn!(%error, retry_in_ms, "enrollment failed; retrying");
                tokio::time::sleep(wait).await;
            }
            Err(error) => return Err(AgentError::Enroll(error)),
        }
    };
    let enrollment = Enrollment {
        server: client.server().to_string(),
        endpoint_id: enrolled.endpoint_id,
        token: enrolled.token,
        name,
    };
    enrollment.save(&config.data_dir)?;
    tracing::info!(endpoint_id = %enrollment.endpoint_id, "enrolled");
    Ok(enrollment)
}

/// The platform name of the consoles' manifests.
pub fn platform() -> &'static str {
    if cfg!(target_os = "windows") {
        "Windows"
    } else if cfg!(target_os = "macos") {
        "macOS"
    } else {
        "Linux"
    }
}

fn host_name() -> String {
    sysinfo::System::host_name()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "endpoint".into())
}

/// The address this machine reaches the server from: the local end of a UDP socket connected to
/// it (which sends nothing). The unspecified address `0.0.0.0` when the server's name does not
/// resolve.
async fn local_ip(server: &str) -> String {
    let Some(authority) = reqwest::Url::parse(server).ok().and_then(|url| {
        let port = url.port_or_known_default()?;
        Some(format!("{}:{port}", url.host_str()?))
    }) else {
        return UNKNOWN_IP.into();
    };
    let Ok(mut addresses) = tokio::net::lookup_host(authority).await else {
        return UNKNOWN_IP.into();
    };
    addresses
        .next()
        .and_then(|peer| local_end(peer).ok())
        .map_or_else(|| UNKNOWN_IP.into(), |ip| ip.to_string())
}

/// What an agent reports when it cannot tell its own address.
const UNKNOWN_IP: &str = "0.0.0.0";

fn local_end(peer: SocketAddr) -> std::io::Result<IpAddr> {
    let any: SocketAddr = if peer.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        ([0u16; 8], 0).into()
    };
    let socket = UdpSocket::bind(any)?;
    socket.connect(peer)?;
    Ok(socket.local_addr()?.ip())
}

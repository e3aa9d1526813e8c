//! What runs may do on this host and where they are recorded: a policy, protected targets and
//! the audit log, assembled in one place for `ward run` and the agent alike.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::registry::{Hive, RegistryError};
use crate::audit::{AuditError, AuditLog};
use crate::policy::{Policy, PolicyError, PolicyTransfer, Protected};

#[derive(Clone)]
pub struct HostAccess {
    pub policy: Arc<Policy>,
    pub audit: Option<AuditLog>,
    /// The file-backed registry named by the policy's `registry_hive`, if any.
    pub registry: Option<Arc<Mutex<Hive>>>,
}

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error(transparent)]
    Registry(#[from] RegistryError),
}

impl HostAccess {
    /// No host access at all and no audit log: the default of a new sandbox.
    pub fn none() -> Self {
        let policy =
            Policy::parse("", "no policy", Protected::new()).expect("an empty policy is valid");
        Self {
            policy: Arc::new(policy),
            audit: None,
            registry: None,
        }
    }

    /// Loads the policy at `policy` and opens the audit log at `audit_log`. Whatever the rules
    /// say, scripts can never reach PID 1, this process and its parents, ward's data directory
    /// and cache, the policy file (and the registry hive it names) or the audit log. Only the
    /// file is protected, not its directory, so a policy kept in `/etc` does not close `/etc`.
    pub fn load(policy: &Path, audit_log: &Path) -> Result<Self, AccessError> {
        Self::load_protecting(policy, audit_log, &[])
    }

    /// [`Self::load`], also protecting each `(path, label)` of `extra`: the agent protects its
    /// own data directory (its token, journal and outbox) wherever it lives.
    pub fn load_protecting(
        policy: &Path,
        audit_log: &Path,
        extra: &[(&Path, &str)],
    ) -> Result<Self, AccessError> {
        let mut protected = Protected::for_current_process()?
            .with_path(absolute(&crate::paths::data_dir()), "ward data directory")
            .with_path(
                absolute(&crate::paths::cache_dir()),
                "ward compiled-code cache",
            )
            .with_path(absolute(audit_log), "audit log");
        for (path, label) in extra {
            protected = protected.with_path(absolute(path), *label);
        }
        let policy = Policy::load(policy, protected)?;
        let registry = match &policy.limits().registry_hive {
            Some(path) => Some(Arc::new(Mutex::new(Hive::open(path.clone())?))),
            None => None,
        };
        let audit = AuditLog::open(audit_log)?;
        Ok(Self {
            policy: Arc::new(policy),
            audit: Some(audit),
            registry,
        })
    }
}

impl HostAccess {
    /// The host access of a warm interpreter's process: the agent's policy as sent by
    /// [`Policy::transfer`], also protecting `extra`, records handed to `audit`, and the agent's
    /// registry hive (see [`Self::registry_hive`]).
    pub fn from_transfer(
        policy: PolicyTransfer,
        extra: Protected,
        audit: Option<AuditLog>,
        registry_hive: Option<PathBuf>,
    ) -> Result<Self, AccessError> {
        let policy = Policy::from_transfer(policy, extra)?;
        let registry = match registry_hive {
            Some(path) => Some(Arc::new(Mutex::new(Hive::open(path)?))),
            None => None,
        };
        Ok(Self {
            policy: Arc::new(policy),
            audit,
            registry,
        })
    }
}

impl HostAccess {
    /// The file of the registry hive runs change, if they have one.
    pub fn registry_hive(&self) -> Option<PathBuf> {
        let hive = self.registry.as_ref()?;
        let hive = hive.lock().unwrap_or_else(|e| e.into_inner());
        Some(hive.path().to_path_buf())
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

//! Users, roles and the four permissions of the consoles.

use serde::{Deserialize, Serialize};

/// What a role may do. The names are those of the consoles' role settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Run library scripts whose outcome is Standard.
    RunStandardScripts,
    /// Run library scripts whose outcome is High Risk.
    RunHighRiskScripts,
    /// Upload, edit and delete scripts; running a snippet also needs `RunHighRiskScripts`.
    ScriptConfiguration,
    /// See scripts, endpoints, actions and results.
    ViewScriptsAndResults,
}

impl Permission {
    pub const ALL: [Permission; 4] = [
        Permission::RunStandardScripts,
        Permission::RunHighRiskScripts,
        Permission::ScriptConfiguration,
        Permission::ViewScriptsAndResults,
    ];
}

/// The built-in roles and what they grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Every permission.
    Administrator,
    /// Runs standard and high-risk scripts and reads results; cannot change the library.
    Responder,
    /// Runs standard scripts and reads results.
    Analyst,
    /// Reads scripts, endpoints and results only.
    Viewer,
    /// Nothing: the account stays (actions keep naming who ran them) but every request it
    /// makes is refused.
    Suspended,
}

impl Role {
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Administrator => &Permission::ALL,
            Role::Responder => &[
                RunStandardScripts,
                RunHighRiskScripts,
                ViewScriptsAndResults,
            ],
            Role::Analyst => &[RunStandardScripts, ViewScriptsAndResults],
            Role::Viewer => &[ViewScriptsAndResults],
            Role::Suspended => &[],
        }
    }

    pub fn grants(self, permission: Permission) -> bool {
        self.permissions().contains(&permission)
    }
}

/// `POST /api/v1/users` (administrators only): creates a user and returns its API key once.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    pub name: String,
    pub role: Role,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreatedUser {
    pub name: String,
    pub role: Role,
    /// Shown once; only its hash is stored.
    pub api_key: String,
}

//! `ward audit verify`: prove that an audit log is the one ward wrote.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use ward::audit::{Anchor, Verdict, verify, verify_with_anchor};

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check the hash chain; report the first record that was edited, removed or reordered.
    Verify {
        file: PathBuf,
        /// A head recorded earlier (`SEQ:SHA256`, printed by a previous verify): also proves
        /// that no record was removed from the end since.
        #[arg(long, value_name = "SEQ:SHA256")]
        anchor: Option<String>,
    },
}

pub fn execute(args: AuditArgs) -> anyhow::Result<ExitCode> {
    let AuditCommand::Verify { file, anchor } = args.command;
    let verdict = match anchor {
        Some(text) => {
            let anchor: Anchor = text
                .parse()
                .map_err(|e| anyhow::anyhow!("--anchor `{text}` is not valid: {e}"))?;
            verify_with_anchor(&file, anchor)
        }
        None => verify(&file),
    }
    .with_context(|| format!("failed to verify `{}`", file.display()))?;
    match verdict {
        Verdict::Intact(verified) => {
            let head = verified.head.map_or("none".to_string(), |h| h.to_string());
            println!(
                "{}: intact, {} records; head {head}",
                file.display(),
                verified.records
            );
            Ok(ExitCode::SUCCESS)
        }
        Verdict::Broken(broken) => {
            println!("{}: TAMPERED at {broken}", file.display());
            Ok(ExitCode::FAILURE)
        }
    }
}

//! `callbrief cache stats|purge`: look into or empty the cache of Gong's answers that `serve`,
//! `mcp` and `briefing` share, with the same `CALLBRIEF_CACHE*` settings, so an operator can see
//! what a deployment keeps and drop it (after rotating Gong credentials, say) without starting
//! the server or knowing Gong credentials.

use anyhow::Context as _;
use clap::{Args, Subcommand};
use server::config::CacheArgs;
use service::cache_admin::CacheAdmin;
use service::settings::{CacheMode, CacheStats};

/// `callbrief cache`.
#[derive(Debug, Args)]
pub struct CacheCommandArgs {
    /// What to do with the cache.
    #[command(subcommand)]
    pub action: CacheAction,
}

/// The cache's operations.
#[derive(Debug, Subcommand)]
pub enum CacheAction {
    /// Print where the cache is and how many entries and bytes each tier holds.
    Stats(CacheArgs),
    /// Empty the cache store (every Gong company in it) and print how many entries went.
    Purge(CacheArgs),
}

impl CacheCommandArgs {
    /// Runs the action and returns what to print.
    pub fn run(&self) -> anyhow::Result<String> {
        let (CacheAction::Stats(args) | CacheAction::Purge(args)) = &self.action;
        // Looking must not create: without a store on disk there is nothing to show or empty.
        let config = args.to_config()?;
        let store = config.dir.join(service::settings::STORE_FILE);
        if config.mode == CacheMode::Disk && !store.exists() {
            return Ok(format!(
                "No cache store at {}: nothing is cached there yet (serve creates it with the first \
                 answer from Gong).",
                store.display()
            ));
        }
        match &self.action {
            CacheAction::Stats(args) => {
                let client = open(args)?;
                Ok(match client.stats() {
                    Some(stats) => describe(&stats, args),
                    None => off_message(),
                })
            }
            CacheAction::Purge(args) => {
                let client = open(args)?;
                let Some(stats) = client.stats() else {
                    return Ok(off_message());
                };
                if let Some(note) = fallback_note(&stats, args) {
                    anyhow::bail!("{note}");
                }
                let removed = client.purge().context("could not empty the cache store")?;
                let place = stats
                    .path
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "memory".to_owned());
                Ok(format!(
                    "Purged {removed} {} from {place}.",
                    plural(removed, "entry", "entries")
                ))
            }
        }
    }
}

/// The cache `args` describe, opened for maintenance (no Gong request, no credentials).
fn open(args: &CacheArgs) -> anyhow::Result<CacheAdmin> {
    Ok(CacheAdmin::open(args.to_config()?)?)
}

fn off_message() -> String {
    "The cache is off (CALLBRIEF_CACHE=off): nothing is kept.".to_owned()
}

/// Why a disk cache could not be opened as asked, if it was not.
fn fallback_note(stats: &CacheStats, args: &CacheArgs) -> Option<String> {
    let wanted_disk = args.to_config().is_ok_and(|c| c.mode == CacheMode::Disk);
    (wanted_disk && stats.mode != CacheMode::Disk).then(|| {
        "the cache store on disk could not be opened (is a callbrief server using it? see the \
         log above)"
            .to_owned()
    })
}

/// `stats` as aligned lines.
fn describe(stats: &CacheStats, args: &CacheArgs) -> String {
    let mode = match stats.mode {
        CacheMode::Disk => "disk (memory over a store on disk)",
        CacheMode::Memory => "memory only (nothing survives the process)",
        CacheMode::Off => "off",
    };
    let mut lines = vec![format!("  Mode          {mode}")];
    if let Some(path) = &stats.path {
        lines.push(format!("  Store         {}", path.display()));
        lines.push(format!(
            "  Encrypted     {}",
            if stats.encrypted { "yes" } else { "no" }
        ));
        lines.push(format!(
            "  Disk          {} {}, file {}",
            stats.disk_entries,
            plural(stats.disk_entries, "entry", "entries"),
            bytes(stats.disk_file_bytes)
        ));
    }
    lines.push(format!(
        "  Memory        {} {}, {} (this process only)",
        stats.memory_entries,
        plural(stats.memory_entries, "entry", "entries"),
        bytes(stats.memory_bytes)
    ));
    if let Some(note) = fallback_note(stats, args) {
        lines.push(format!("  Note          {note}"));
    }
    lines.join("\n")
}

fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// `n` bytes in the largest binary unit that keeps the number at least 1.
fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} {}", plural(n, "byte", "bytes"));
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = UNITS[0];
    for next in &UNITS[1..] {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = next;
    }
    format!("{value:.1} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(bytes(0), "0 bytes");
        assert_eq!(bytes(1), "1 byte");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(64 * 1024 * 1024), "64.0 MiB");
    }
}

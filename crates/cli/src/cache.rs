//! `callbrief cache stats|purge|erase`: look into, empty or erase from the cache of Gong's
//! answers that `serve`, `mcp` and `briefing` share, with the same `CALLBRIEF_CACHE*` settings,
//! so an operator can see what a deployment keeps, drop it (after rotating Gong credentials,
//! say), or honour a person's erasure request, without starting the server.

use anyhow::Context as _;
use clap::{Args, Subcommand};
use server::config::{CacheArgs, GongArgs};
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
    /// Erase calls from every tier (memory, the store on disk, which is rewritten so no trace
    /// stays, and Redis, whose erase log running servers follow within 10 s), by id or by a
    /// party's e-mail address, and print how many were cached.
    Erase(Box<EraseArgs>),
}

/// `callbrief cache erase`.
#[derive(Debug, Args)]
pub struct EraseArgs {
    /// A Gong call id to erase (repeat the flag for several).
    #[arg(long = "call", value_name = "ID")]
    pub calls: Vec<String>,

    /// Erase every cached call one of whose parties has this e-mail address.
    #[arg(long, value_name = "ADDRESS")]
    pub email: Option<String>,

    /// With --email, also ask Gong which calls reference the address
    /// (/v2/data-privacy/data-for-email-address; needs the Gong credentials, and a bearer
    /// token needs the scope api:data-privacy:read) and erase those too.
    #[arg(long, requires = "email")]
    pub ask_gong: bool,

    /// The deployment's Gong, cache and Redis settings, as `serve` reads them.
    #[command(flatten)]
    pub gong: GongArgs,
}

impl CacheCommandArgs {
    /// Runs the action and returns what to print.
    pub async fn run(&self) -> anyhow::Result<String> {
        let (CacheAction::Stats(args) | CacheAction::Purge(args)) = &self.action else {
            return match &self.action {
                CacheAction::Erase(erase) => erase.run().await,
                _ => Ok(String::new()),
            };
        };
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
            CacheAction::Erase(erase) => erase.run().await,
        }
    }
}

impl EraseArgs {
    async fn run(&self) -> anyhow::Result<String> {
        let calls = self
            .calls
            .iter()
            .map(|raw| service::CallId::parse("--call", raw))
            .collect::<Result<Vec<_>, _>>()?;
        let email = self.email.as_deref().map(str::trim);
        if let Some(email) = email {
            if email.is_empty() || !email.contains('@') || email.len() > 320 {
                anyhow::bail!("--email must be an e-mail address");
            }
        }
        if calls.is_empty() && email.is_none() {
            anyhow::bail!("name what to erase: --call ID (repeatable) or --email ADDRESS");
        }
        let cache = self.gong.cache.to_config()?;
        let admin = if self.ask_gong {
            let mut config = self.gong.to_config()?;
            config.cache = cache.clone();
            CacheAdmin::open_with_gong(config)?
        } else {
            CacheAdmin::open_shared(cache.clone(), self.gong.redis.to_config()?)?
        };
        let Some(stats) = admin.stats() else {
            return Ok(off_message());
        };
        if let Some(note) = fallback_note(&stats, &self.gong.cache) {
            anyhow::bail!(
                "{note}: a running server holds the store; stop it and erase again (with Redis,                  erase from any machine: the servers follow)"
            );
        }
        let erased = admin
            .erase(&calls, email, self.ask_gong)
            .await
            .context("could not erase from the cache")?;
        let removed = erased.removed.len() as u64;
        let asked = erased.asked.len() as u64;
        let mut out = format!(
            "Erased {removed} cached {} of {asked} asked for",
            plural(removed, "call", "calls")
        );
        if !erased.removed.is_empty() {
            let ids: Vec<&str> = erased.removed.iter().map(|id| id.as_str()).collect();
            out.push_str(&format!(" ({})", ids.join(", ")));
        }
        out.push('.');
        Ok(out)
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

//! `callbrief cache stats|purge` on a store a Gong client filled, in a directory of the test's
//! own: the counts are the store's, and a purge empties it.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use gong::{CacheConfig, CacheMode, GongAuth, GongClient, GongConfig};
use secrecy::SecretString;
use sim::gong::GongSimConfig;
use sim::org::SampleOrg;

fn callbrief(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_callbrief"));
    for (key, _) in std::env::vars() {
        if key.starts_with("CALLBRIEF_") || key.starts_with("GONG_") || key == "RUST_LOG" {
            cmd.env_remove(key);
        }
    }
    let out = cmd
        .arg("cache")
        .args(args)
        .env("CALLBRIEF_CACHE_DIR", dir)
        .stdin(Stdio::null())
        .output()
        .expect("run callbrief");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The number of entries on the `Disk` line of `cache stats`.
fn disk_entries(stats: &str) -> u64 {
    let line = stats
        .lines()
        .find(|l| l.trim_start().starts_with("Disk"))
        .unwrap_or_else(|| panic!("no Disk line:\n{stats}"));
    line.split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {line:?}"))
}

/// Fills the store in `dir` with what Gong returns for a few calls; returns the entries on disk.
/// Its own runtime, dropped at the end, so nothing of the client keeps the store open.
fn fill(dir: &Path) -> u64 {
    fill_with(dir, &first_calls(3))
}

/// The ids of the sample org's first `n` calls.
fn first_calls(n: usize) -> Vec<String> {
    SampleOrg::for_today()
        .calls
        .iter()
        .take(n)
        .map(|c| c.gong_id.clone())
        .collect()
}

fn fill_with(dir: &Path, ids: &[String]) -> u64 {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let org = Arc::new(SampleOrg::for_today());
        let sim_cfg = GongSimConfig {
            rate_limit_per_sec: None,
            daily_quota: None,
            ..GongSimConfig::default()
        };
        let sim = sim::gong::spawn(org, sim_cfg.clone())
            .await
            .expect("spawn gong sim");
        let mut config = GongConfig::new(
            &sim.base_url,
            GongAuth::Basic {
                access_key: sim_cfg.access_key.clone(),
                access_key_secret: SecretString::from(sim_cfg.access_key_secret.clone()),
            },
        )
        .expect("gong config");
        config.requests_per_second = 0;
        config.cache = CacheConfig {
            mode: CacheMode::Disk,
            dir: dir.to_path_buf(),
            ..CacheConfig::default()
        };
        let client = GongClient::new(config).expect("client");
        let ids: Vec<gong::wire::CallId> = ids
            .iter()
            .map(|i| gong::wire::CallId::parse("id", i).expect("a call id"))
            .collect();
        let data = client.calls_with_transcripts(&ids).await.expect("fetch");
        assert_eq!(data.transcripts.len(), ids.len());
        client.cache_stats().expect("cache on").disk_entries
    })
}

#[test]
fn stats_count_what_the_store_holds_and_purge_empties_it() {
    let dir = tempfile::tempdir().expect("temp dir");

    let filled = fill(dir.path());
    assert!(filled > 0, "the fetch was cached on disk");

    let (ok, stats, err) = callbrief(dir.path(), &["stats"]);
    assert!(ok, "{err}");
    assert_eq!(disk_entries(&stats), filled, "{stats}");
    assert!(stats.contains("Mode          disk"), "{stats}");
    assert!(
        stats.contains(&dir.path().display().to_string()),
        "names the store:\n{stats}"
    );
    assert!(stats.contains("Encrypted     no"), "{stats}");

    let (ok, purged, err) = callbrief(dir.path(), &["purge"]);
    assert!(ok, "{err}");
    assert!(
        purged.starts_with(&format!("Purged {filled} entries from ")),
        "{purged}"
    );

    let (ok, after, err) = callbrief(dir.path(), &["stats"]);
    assert!(ok, "{err}");
    assert_eq!(disk_entries(&after), 0, "{after}");
}

#[test]
fn an_off_cache_says_so_and_a_bad_key_is_refused_without_echo() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (ok, out, err) = callbrief(dir.path(), &["stats", "--cache", "off"]);
    assert!(ok, "{err}");
    assert!(out.contains("off"), "{out}");

    let secret = "not-a-key-but-secret";
    let (ok, out, err) = callbrief(dir.path(), &["purge", "--cache-key", secret]);
    assert!(!ok, "{out}");
    assert!(err.contains("CALLBRIEF_CACHE_KEY"), "{err}");
    assert!(!err.contains(secret), "{err}");
}

#[test]
fn every_cache_command_has_help() {
    for args in [
        &["--help"][..],
        &["stats", "--help"],
        &["purge", "--help"],
        &["erase", "--help"],
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        let (ok, out, err) = callbrief(dir.path(), args);
        assert!(ok, "{args:?}: {err}");
        assert!(!out.is_empty(), "{args:?}");
    }
}

#[test]
fn looking_at_a_cache_that_does_not_exist_creates_nothing() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("never-used");
    for action in ["stats", "purge"] {
        let (ok, stdout, stderr) = callbrief(&dir, &[action]);
        assert!(ok, "{action}: {stderr}");
        assert!(stdout.contains("No cache store at"), "{action}: {stdout}");
        assert!(!dir.exists(), "{action} created {}", dir.display());
    }
    // Once a store is there, stats reads it.
    let filled = fill(&dir);
    let (ok, stdout, _) = callbrief(&dir, &["stats"]);
    assert!(ok);
    assert_eq!(disk_entries(&stdout), filled);
}

/// Whether the store's file in `dir` holds `text` anywhere, in live or freed pages.
fn store_holds(dir: &Path, text: &str) -> bool {
    let file = std::fs::read(dir.join(service::settings::STORE_FILE)).expect("store file");
    file.windows(text.len()).any(|w| w == text.as_bytes())
}

/// An external party's address on call `id` of the sample org, and every call it is on.
fn external_address_of(id: &str) -> Option<(String, Vec<String>)> {
    let org = SampleOrg::for_today();
    let call = org.calls.iter().find(|c| c.gong_id == id)?;
    let address = call
        .parties
        .iter()
        .filter(|p| p.affiliation == sim::org::Affiliation::External)
        .find_map(|p| p.email.clone())?;
    let on: Vec<String> = org
        .calls_with_email(&address)
        .map(|c| c.gong_id.clone())
        .collect();
    Some((address, on))
}

#[test]
fn erase_removes_a_call_by_id_or_by_address_and_leaves_no_trace_of_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ids = first_calls(3);
    let filled = fill_with(dir.path(), &ids);
    assert!(store_holds(dir.path(), &ids[0]));

    let (ok, out, err) = callbrief(dir.path(), &["erase", "--call", &ids[0]]);
    assert!(ok, "{err}");
    assert_eq!(
        out.trim(),
        format!("Erased 1 cached call of 1 asked for ({}).", ids[0])
    );
    assert!(
        !store_holds(dir.path(), &ids[0]),
        "the erased call left a trace"
    );
    let (_, stats, _) = callbrief(dir.path(), &["stats"]);
    assert_eq!(disk_entries(&stats), filled - 2, "{stats}");

    let (address, on) = external_address_of(&ids[1]).expect("a buyer on the call");
    let cached: Vec<&String> = ids[1..].iter().filter(|id| on.contains(id)).collect();
    let (ok, out, err) = callbrief(dir.path(), &["erase", "--email", &address.to_uppercase()]);
    assert!(ok, "{err}");
    assert!(
        out.starts_with(&format!(
            "Erased {n} cached call{s} of {n} asked for",
            n = cached.len(),
            s = if cached.len() == 1 { "" } else { "s" }
        )),
        "{out}"
    );
    for id in cached {
        assert!(!store_holds(dir.path(), id), "{id} left a trace");
    }

    let (ok, _, err) = callbrief(dir.path(), &["erase"]);
    assert!(!ok);
    assert!(
        err.contains("--call ID") && err.contains("--email"),
        "{err}"
    );
    let (ok, _, err) = callbrief(dir.path(), &["erase", "--call", "12; DROP"]);
    assert!(!ok);
    assert!(err.contains("--call"), "{err}");
}

#[test]
fn erase_by_address_can_ask_gong_which_calls_name_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A call whose buyer is on other calls too; only it is cached.
    let (ids, (address, on)) = SampleOrg::for_today()
        .calls
        .iter()
        .filter_map(|c| Some((vec![c.gong_id.clone()], external_address_of(&c.gong_id)?)))
        .find(|(_, (_, on))| on.len() > 1)
        .expect("a buyer on several calls");
    fill_with(dir.path(), &ids);
    assert!(
        on.iter().any(|id| !ids.contains(id)),
        "the address must be on calls that are not cached, for Gong's answer to show"
    );
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let sim_cfg = GongSimConfig::default();
    let sim = runtime
        .block_on(sim::gong::spawn(
            Arc::new(SampleOrg::for_today()),
            sim_cfg.clone(),
        ))
        .expect("spawn gong sim");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_callbrief"));
    for (key, _) in std::env::vars() {
        if key.starts_with("CALLBRIEF_") || key.starts_with("GONG_") || key == "RUST_LOG" {
            cmd.env_remove(key);
        }
    }
    let out = cmd
        .args(["cache", "erase", "--email", &address, "--ask-gong"])
        .env("CALLBRIEF_CACHE_DIR", dir.path())
        .env("GONG_BASE_URL", &sim.base_url)
        .env("GONG_ACCESS_KEY", &sim_cfg.access_key)
        .env("GONG_ACCESS_KEY_SECRET", &sim_cfg.access_key_secret)
        .stdin(Stdio::null())
        .output()
        .expect("run callbrief");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Gong names every call of the address, cached or not.
    assert!(
        stdout.contains(&format!("of {} asked for", on.len())),
        "{stdout} (the address is on {} calls)",
        on.len()
    );
    assert!(!store_holds(dir.path(), &ids[0]));
}

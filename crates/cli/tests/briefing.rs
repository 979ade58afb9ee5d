//! `callbrief briefing` and `callbrief meetings`: the real binary against the Gong and Salesforce
//! simulators.

use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use sim::gong::GongSimConfig;
use sim::org::SampleOrg;
use sim::salesforce::{SalesforceSimConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};

struct Sims {
    org: Arc<SampleOrg>,
    gong: String,
    gong_stats: sim::gong::SimStats,
    salesforce: String,
}

async fn sims() -> Sims {
    let org = SampleOrg::shared_for_today();
    let gong = sim::gong::spawn(
        org.clone(),
        GongSimConfig {
            rate_limit_per_sec: None,
            daily_quota: None,
            ..GongSimConfig::default()
        },
    )
    .await
    .unwrap();
    let salesforce = sim::salesforce::spawn(org.clone(), SalesforceSimConfig::default())
        .await
        .unwrap();
    Sims {
        org,
        gong: gong.base_url,
        gong_stats: gong.stats,
        salesforce: salesforce.base_url,
    }
}

/// Runs `callbrief briefing <args>` against the simulators, off the async runtime that serves them.
async fn briefing(sims: &Sims, args: &[&str], with_salesforce: bool) -> (Output, String, String) {
    callbrief(sims, "briefing", args, with_salesforce).await
}

/// Runs `callbrief <command> <args>` against the simulators.
async fn callbrief(
    sims: &Sims,
    command: &str,
    args: &[&str],
    with_salesforce: bool,
) -> (Output, String, String) {
    callbrief_with(sims, command, args, with_salesforce, &[]).await
}

/// [`callbrief`] with more environment variables.
async fn callbrief_with(
    sims: &Sims,
    command: &str,
    args: &[&str],
    with_salesforce: bool,
    env: &[(&str, &str)],
) -> (Output, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_callbrief"));
    for (key, _) in std::env::vars() {
        if key.starts_with("CALLBRIEF_")
            || key.starts_with("GONG_")
            || key.starts_with("SALESFORCE_")
        {
            cmd.env_remove(key);
        }
    }
    // Tests never write to the user's cache directory.
    cmd.env("CALLBRIEF_CACHE", "memory");
    for (key, value) in env {
        cmd.env(key, value);
    }
    cmd.arg(command)
        .args(args)
        .env("GONG_BASE_URL", &sims.gong)
        .env("GONG_ACCESS_KEY", "demo-access-key")
        .env("GONG_ACCESS_KEY_SECRET", "demo-access-key-secret")
        .stdin(Stdio::null());
    if with_salesforce {
        cmd.env("SALESFORCE_INSTANCE_URL", &sims.salesforce)
            .env("SALESFORCE_CLIENT_ID", DEMO_CLIENT_ID)
            .env("SALESFORCE_CLIENT_SECRET", DEMO_CLIENT_SECRET);
    }
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("run callbrief"))
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stdout, stderr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prints_a_markdown_pack_for_an_account_by_name() {
    let sims = sims().await;
    let account = &sims.org.accounts[0];
    let (out, stdout, stderr) = briefing(
        &sims,
        &[
            &account.name,
            "--calls",
            "2",
            "--methodology",
            "spiced",
            "--max-chars",
            "20000",
        ],
        true,
    )
    .await;
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.starts_with(&format!("# Briefing pack: {}", account.name)),
        "{stdout}"
    );
    assert!(stdout.contains("## How to write this up (SPICED)"));
    assert!(stdout.contains("| Title | Date | Duration | Attendees | Gong link |"));
    let newest = sims.org.calls_for_account(&account.id).next().unwrap();
    assert!(stdout.contains(&format!("(Gong call {})", newest.gong_id)));
    assert!(
        stdout.chars().count() <= 20_001,
        "{}",
        stdout.chars().count()
    );

    // Gong's intelligence of each call comes before the transcripts, whose turns are timed.
    let heard = stdout
        .find("## What Gong heard on each call")
        .expect("intelligence");
    assert!(heard < stdout.find("## Transcripts").unwrap());
    assert!(stdout.contains("\n- Brief: "), "{stdout}");
    assert!(stdout.contains("\n[00:0"), "{stdout}");

    // A gap marker's offsets read on.
    let marker = stdout
        .lines()
        .find(|l| l.starts_with("[… ") && l.contains("call again with offsets"))
        .expect("a cut at 20,000 characters");
    let offsets = &marker[marker.find('{').unwrap()..marker.rfind('}').unwrap() + 1];
    let (out, more, stderr) = briefing(
        &sims,
        &[
            &account.name,
            "--calls",
            "2",
            "--max-chars",
            "20000",
            "--offsets",
            offsets,
        ],
        true,
    )
    .await;
    assert!(out.status.success(), "{stderr}");
    assert_ne!(more, stdout);
    let (out, bare, stderr) = briefing(
        &sims,
        &[&account.name, "--calls", "2", "--transcripts", "none"],
        true,
    )
    .await;
    assert!(out.status.success(), "{stderr}");
    assert!(bare.contains("## What Gong heard on each call"), "{bare}");
    assert!(bare.contains("## Transcripts\n\nNone available."), "{bare}");
    let (out, _, stderr) = briefing(&sims, &[&account.name, "--offsets", "x"], true).await;
    assert!(!out.status.success());
    assert!(stderr.contains("offsets: "), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_by_id_and_clear_errors() {
    let sims = sims().await;
    let account = &sims.org.accounts[1];
    let (out, stdout, stderr) = briefing(
        &sims,
        &[&account.id, "--format", "json", "--calls", "1"],
        true,
    )
    .await;
    assert!(out.status.success(), "{stderr}");
    let body: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(body["account"]["id"], account.id.as_str());
    assert_eq!(body["methodology"], "medpicc");
    assert_eq!(body["calls"].as_array().unwrap().len(), 1);

    let (out, _, stderr) = briefing(&sims, &["Zzyzx Nonexistent"], true).await;
    assert!(!out.status.success());
    assert!(stderr.contains("no Salesforce account matches"), "{stderr}");

    let (out, _, stderr) = briefing(&sims, &["Acme"], false).await;
    assert!(!out.status.success());
    assert!(stderr.contains("SALESFORCE_INSTANCE_URL"), "{stderr}");
}

#[test]
fn serve_and_briefing_help_name_the_new_settings() {
    let out = Command::new(env!("CARGO_BIN_EXE_callbrief"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for env in [
        "CALLBRIEF_AUTH",
        "CALLBRIEF_MAX_RESPONSE_CHARS",
        "CALLBRIEF_TOKEN_CACHE_SECS",
        "CALLBRIEF_GONG_CALL_OBJECT",
        "CALLBRIEF_GONG_CALL_ID_FIELD",
        "CALLBRIEF_GONG_TITLE_FIELD",
        "CALLBRIEF_GONG_START_FIELD",
        "CALLBRIEF_GONG_DURATION_FIELD",
        "CALLBRIEF_GONG_ACCOUNT_FIELD",
        "CALLBRIEF_GONG_URL_FIELD",
    ] {
        assert!(help.contains(env), "{env} missing from serve --help");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_callbrief"))
        .args(["briefing", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--calls",
        "--methodology",
        "--format",
        "--max-chars",
        "--offsets",
    ] {
        assert!(help.contains(flag), "{flag} missing from briefing --help");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pack_opens_with_the_chosen_meeting_and_refuses_a_malformed_one() {
    let sims = sims().await;
    let account = sims
        .org
        .account_by_name(sim::org::NEW_ATTENDEE_ACCOUNT)
        .unwrap();
    let event = sims
        .org
        .events
        .iter()
        .find(|e| e.account_id == account.id)
        .unwrap();
    let (out, stdout, stderr) = briefing(
        &sims,
        &[&account.id, "--transcripts", "none", "--meeting", &event.id],
        true,
    )
    .await;
    assert!(out.status.success(), "{stderr}");
    let expected = format!(
        "# Briefing pack: {}\n\n## Next meeting\n\n- Subject: {}\n",
        account.name, event.subject
    );
    assert!(stdout.starts_with(&expected), "{stdout}");
    assert!(stdout.contains("(first time)"), "{stdout}");
    assert!(stdout.contains("## Since the last call ("), "{stdout}");

    let (out, _, stderr) = briefing(&sims, &[&account.id, "--meeting", "soon"], true).await;
    assert!(!out.status.success());
    assert!(stderr.contains("--meeting"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_credentials_by_the_jwt_bearer_flow_need_no_secret() {
    let sims = sims().await;
    let account = &sims.org.accounts[0];
    let key = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(key.path(), sim::salesforce::jwt::DEMO_JWT_PRIVATE_KEY_PEM).unwrap();
    let username = sims
        .org
        .users
        .iter()
        .find(|u| u.role == sim::org::UserRole::Integration)
        .unwrap()
        .username
        .clone();
    let run = |with_key: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_callbrief"));
        for (k, _) in std::env::vars() {
            if k.starts_with("CALLBRIEF_") || k.starts_with("GONG_") || k.starts_with("SALESFORCE_")
            {
                cmd.env_remove(k);
            }
        }
        cmd.env("CALLBRIEF_CACHE", "memory")
            .env("GONG_BASE_URL", &sims.gong)
            .env("GONG_ACCESS_KEY", "demo-access-key")
            .env("GONG_ACCESS_KEY_SECRET", "demo-access-key-secret")
            .env("SALESFORCE_INSTANCE_URL", &sims.salesforce)
            .env("SALESFORCE_CLIENT_ID", DEMO_CLIENT_ID)
            .env("SALESFORCE_USERNAME", &username)
            .args(["briefing", &account.name, "--calls", "1"])
            .stdin(Stdio::null());
        if with_key {
            cmd.env("SALESFORCE_JWT_KEY_FILE", key.path());
        }
        cmd
    };
    let mut with_key = run(true);
    let out = tokio::task::spawn_blocking(move || with_key.output().unwrap())
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(&account.name), "{stdout}");
    // Without the key (and without a secret) there are no service credentials.
    let mut without = run(false);
    let out = tokio::task::spawn_blocking(move || without.output().unwrap())
        .await
        .unwrap();
    assert!(!out.status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meetings_lists_a_reps_week_as_a_table_or_json_and_names_a_bad_user() {
    let sims = sims().await;
    let maya = sims
        .org
        .users
        .iter()
        .find(|u| u.first_name == "Maya")
        .unwrap()
        .clone();
    let now = chrono::Utc::now();
    let week = now + chrono::Duration::hours(168);
    // An event a few minutes from either end of the window may fall on either side by the
    // time the command reads the clock: those are not compared.
    let margin = chrono::Duration::minutes(5);
    let settled = |id: &str| {
        sims.org
            .events
            .iter()
            .find(|e| e.id == id)
            .is_some_and(|e| (e.start - now).abs() > margin && (e.start - week).abs() > margin)
    };
    // Hers, in the week, not private (the service credentials leave private events out).
    let mut expected: Vec<&sim::org::Event> = sims
        .org
        .events
        .iter()
        .filter(|e| e.owner_id == maya.id && !e.is_private && e.start >= now && e.start < week)
        .filter(|e| settled(&e.id))
        .collect();
    expected.sort_by_key(|e| e.start);
    assert!(
        !expected.is_empty(),
        "the sample org gives Maya meetings this week"
    );

    let args = ["--user", maya.username.as_str(), "--hours", "168"];
    let (out, stdout, stderr) = callbrief(&sims, "meetings", &args, true).await;
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.starts_with("| Start (UTC) | Account |"), "{stdout}");
    for event in &expected {
        assert!(stdout.contains(&event.id), "{}: {stdout}", event.id);
    }

    let json_args = [&args[..], &["--format", "json"]].concat();
    let (out, stdout, stderr) = callbrief(&sims, "meetings", &json_args, true).await;
    assert!(out.status.success(), "{stderr}");
    let body: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let ids: Vec<&str> = body["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["eventId"].as_str())
        .filter(|id| settled(id))
        .collect();
    let expected_ids: Vec<&str> = expected.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, expected_ids);

    let (out, _, stderr) = callbrief(&sims, "meetings", &["--user", "not a user"], true).await;
    assert!(!out.status.success());
    assert!(stderr.contains("--user"), "{stderr}");
    let (out, _, stderr) = callbrief(&sims, "meetings", &["--user", &maya.username], false).await;
    assert!(!out.status.success());
    assert!(stderr.contains("SALESFORCE_INSTANCE_URL"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prefetch_fetches_the_weeks_briefings_once_skips_them_next_time_and_stops_at_its_share() {
    let sims = sims().await;
    let dir = tempfile::tempdir().unwrap();
    let dir_text = dir.path().to_str().unwrap().to_owned();
    let disk = [
        ("CALLBRIEF_CACHE", "disk"),
        ("CALLBRIEF_CACHE_DIR", dir_text.as_str()),
    ];
    let now = chrono::Utc::now();
    let week = now + chrono::Duration::hours(168);
    let margin = chrono::Duration::minutes(5);
    let in_week: Vec<&sim::org::Event> = sims
        .org
        .events
        .iter()
        .filter(|e| e.start >= now && e.start < week)
        .collect();
    assert!(!in_week.is_empty(), "the sample org has meetings this week");
    let settled = in_week
        .iter()
        .all(|e| (e.start - now).abs() > margin && (e.start - week).abs() > margin);
    let accounts: std::collections::BTreeSet<&str> =
        in_week.iter().map(|e| e.account_id.as_str()).collect();

    let args = ["--hours-ahead", "168"];
    let (out, first, stderr) = callbrief_with(&sims, "prefetch", &args, true, &disk).await;
    assert!(out.status.success(), "{stderr}");
    let fetched_requests = sims.gong_stats.requests();
    assert!(fetched_requests > 0, "{first}");
    if settled {
        assert!(
            first.starts_with(&format!(
                "prefetch: {} meetings in the next 168 h on {} accounts;",
                in_week.len(),
                accounts.len()
            )),
            "{first}"
        );
    }
    assert!(first.contains(" 0 already cached,"), "{first}");
    assert!(first.contains(" 0 failed;"), "{first}");

    // Everything is cached now: the next run asks Gong nothing.
    let (out, second, stderr) = callbrief_with(&sims, "prefetch", &args, true, &disk).await;
    assert!(out.status.success(), "{stderr}");
    assert!(
        second.contains(" 0 fetched, 0 failed; 0 Gong requests"),
        "{second}"
    );
    assert_eq!(sims.gong_stats.requests(), fetched_requests);

    // Its share of the day spent, a run stops and says so.
    let other = tempfile::tempdir().unwrap();
    let other_text = other.path().to_str().unwrap().to_owned();
    let tight = [
        ("CALLBRIEF_CACHE", "disk"),
        ("CALLBRIEF_CACHE_DIR", other_text.as_str()),
        ("GONG_DAILY_QUOTA", "1000"),
        ("CALLBRIEF_PREFETCH_DAILY_SHARE", "0.001"),
    ];
    let before = sims.gong_stats.requests();
    let (out, third, stderr) = callbrief_with(&sims, "prefetch", &args, true, &tight).await;
    assert!(out.status.success(), "{stderr}");
    assert!(third.contains("stopped at its share"), "{third}");
    assert_eq!(sims.gong_stats.requests() - before, 1, "{third}");

    let (out, _, stderr) = callbrief(&sims, "prefetch", &["--hours-ahead", "0"], true).await;
    assert!(!out.status.success());
    assert!(stderr.contains("--hours-ahead"), "{stderr}");
}

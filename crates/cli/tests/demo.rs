//! Runs the real binary's `demo --once` and checks the walkthrough a person would see.

use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// Runs the binary with `args` and no callbrief/Gong settings from the environment, killing
/// it after `limit` (a hung demo must fail the test, not hang it). Its temporary files (the
/// demo's log) go to a directory of the test's own, removed when the returned handle drops.
fn run(args: &[&str], limit: Duration) -> (Output, tempfile::TempDir) {
    let temp = tempfile::tempdir().expect("temp dir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_callbrief"));
    cmd.args(args)
        .env("TMPDIR", temp.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, _) in std::env::vars() {
        if key.starts_with("CALLBRIEF_")
            || key.starts_with("GONG_")
            || key.starts_with("SALESFORCE_")
            || key == "RUST_LOG"
        {
            cmd.env_remove(key);
        }
    }
    let child = cmd.spawn().expect("spawn callbrief");
    let output = testkit::process::output_within(child, limit, &format!("callbrief {args:?}"));
    (output, temp)
}

#[test]
fn demo_once_walks_through_and_exits_0() {
    let (out, temp) = run(&["demo", "--once"], Duration::from_secs(60));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "exit {:?}\n{stdout}\n{stderr}",
        out.status
    );

    for needle in [
        "Gong simulator        http://127.0.0.1:",
        "Salesforce simulator  http://127.0.0.1:",
        "callbrief             http://127.0.0.1:",
        "API key               cb-demo-",
        // The two-action flow: sign in, SOSL, confirm, SOQL with the configured names, transcripts.
        "1. Sign in to Salesforce as maya.chen@callbrief-demo.com",
        "2. executeSOSLSearch: FIND {Acme} IN ALL FIELDS RETURNING Account(Id, Name) LIMIT 5",
        "   Acme Logistics - 001",
        "The rep confirms \"Acme Logistics - 001",
        "3. executeSOQLQuery: SELECT Gong__Call_ID__c, Gong__Title__c, Gong__Call_Start__c \
         FROM Gong__Gong_Call__c WHERE Gong__Primary_Account__c = '001",
        "ORDER BY Gong__Call_Start__c DESC LIMIT 2",
        "4. getTranscriptsByCallIds for the 2 newest calls of \"Acme Logistics",
        "-> 200 OK",
        "Title",
        "Attendees",
        "Excerpt of \"",
        "curl -s -X POST http://127.0.0.1:",
        "-H 'Authorization: Bearer cb-demo-",
        "/openapi.json",
        "/healthz",
        "/readyz",
        "metrics (Prometheus)  http://127.0.0.1:",
        "/metrics",
        "Gong URL",
        // Where the GPT setup kit is, and who to sign in as.
        "/gpt/instructions  (callbrief GPT setup: one action (recommended), MEDPICC;",
        "/gpt/instructions?variant=two-action&methodology=spiced",
        "callbrief gpt-setup",
        "/openapi/salesforce.json  (",
        "Sample users (password demo-password):",
        "dana.whitfield@callbrief-demo.com",
        "integration@callbrief-demo.com",
        "curl -s -X POST http://127.0.0.1:",
        "/services/oauth2/token -d grant_type=password",
        "/search --data-urlencode 'q=FIND {Acme}",
        "Done (--once).",
    ] {
        assert!(stdout.contains(needle), "missing {needle:?} in:\n{stdout}");
    }
    // The excerpt shows transcript lines in the `Speaker: text` form.
    let excerpt: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("Excerpt of"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(excerpt.len(), 5, "{stdout}");
    assert!(excerpt.iter().all(|l| l.contains(": ")), "{excerpt:?}");
    // Two calls in the table, each with a date and a duration.
    let rows = stdout
        .lines()
        .filter(|l| l.contains(" min ") && l.contains("-"))
        .count();
    assert_eq!(rows, 2, "{stdout}");
    // The calls the table shows are the ones the SOQL step found, each with its Gong URL.
    let soql_ids: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.split("  Gong call ").nth(1))
        .collect();
    assert_eq!(soql_ids.len(), 2, "{stdout}");
    for id in soql_ids {
        assert!(
            stdout.contains(&format!("https://app.gong.io/call?id={id}")),
            "{id}: {stdout}"
        );
    }
    // The one-action flow, between the two-action flow and the setup kit: search, confirm,
    // one briefing with a non-empty calls table, and curl lines for both requests.
    let one_action: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("The one-action flow (recommended), as the GPT runs it:"))
        .take_while(|l| !l.starts_with("GPT setup kit:"))
        .collect();
    let section = one_action.join("\n");
    assert!(
        stdout.find("4. getTranscriptsByCallIds") < stdout.find("The one-action flow")
            && !one_action.is_empty(),
        "{stdout}"
    );
    for needle in [
        "1. searchAccounts: GET http://127.0.0.1:",
        "/accounts/search?name=Acme",
        "   Acme Logistics - 001",
        "The rep confirms \"Acme Logistics - 001",
        "2. getAccountBriefing: GET http://127.0.0.1:",
        "/briefing?calls=3&methodology=medpicc",
        "-> 200 OK",
        " 3 calls, 3 transcripts, ",
        // The pack opens with the meeting, its newcomer and what changed since the last call.
        "  Next meeting     20",
        " (first time)\n",
        "  Since last call  StageName: ",
        "  Account          Acme Logistics, ",
        "  Open deals       ",
        "  Key contacts     ",
        "  Instructions (MEDPICC), first lines:",
    ] {
        assert!(
            section.contains(needle),
            "missing {needle:?} in:\n{section}"
        );
    }
    let calls_table: Vec<&str> = one_action
        .iter()
        .skip_while(|l| !(l.contains("Title") && l.contains("Attendees")))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .copied()
        .collect();
    assert_eq!(calls_table.len(), 3, "{section}");
    assert!(
        calls_table
            .iter()
            .all(|l| l.contains("Acme Logistics") && l.contains(", ")),
        "{calls_table:?}"
    );
    for needle in [
        "/accounts/search?name=Acme' -H 'Authorization: Bearer cb-demo-",
        "/briefing?calls=3&methodology=medpicc' -H 'Authorization: Bearer cb-demo-",
        "callbrief briefing \"Acme Logistics\"",
    ] {
        let line = stdout
            .lines()
            .skip_while(|l| !l.starts_with("Try it yourself:"))
            .find(|l| l.contains(needle));
        assert!(
            line.is_some(),
            "missing {needle:?} under Try it yourself:\n{stdout}"
        );
    }
    // The briefing line names the binary by its path, so it runs as printed without callbrief
    // on the PATH.
    let briefing_line = stdout
        .lines()
        .find(|l| l.contains(" briefing \"Acme Logistics\""))
        .expect("the briefing line");
    let program = briefing_line
        .split_whitespace()
        .find(|w| !w.contains('='))
        .expect("the program");
    assert!(
        std::path::Path::new(program).is_absolute() && std::path::Path::new(program).exists(),
        "{briefing_line}"
    );
    assert!(!stderr.contains("ERROR"), "{stderr}");
    // A rep who owns no account is described as one.
    let sam = stdout
        .lines()
        .find(|l| l.contains("sam.okafor@callbrief-demo.com"))
        .expect("sam.okafor is listed");
    assert!(sam.contains("owns no accounts"), "{sam}");

    // Logs never land between the walkthrough's lines: not on stdout, not on stderr. They go to
    // the file the walkthrough names at its end, which holds the server's startup line.
    for (stream, text) in [("stdout", &stdout), ("stderr", &stderr)] {
        let logs: Vec<&str> = text.lines().filter(|l| is_log_line(l)).collect();
        assert!(logs.is_empty(), "log lines on {stream}: {logs:#?}");
    }
    assert!(stderr.trim().is_empty(), "stderr: {stderr}");
    let log_path = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Server and library logs: "))
        .unwrap_or_else(|| panic!("the log file is not named:\n{stdout}"));
    let after_try_it = stdout
        .find("Try it yourself:")
        .is_some_and(|at| stdout[at..].contains(log_path));
    assert!(
        after_try_it,
        "the log file is named before the end:\n{stdout}"
    );
    let logs = std::fs::read_to_string(log_path).expect("the named log file");
    assert!(
        log_path.starts_with(&temp.path().display().to_string()),
        "{log_path}"
    );
    assert!(
        logs.lines()
            .any(|l| is_log_line(l) && l.contains("callbrief listening")),
        "{logs}"
    );
}

#[test]
fn demo_without_the_gong_package_finds_calls_in_gong() {
    let (out, temp) = run(
        &["demo", "--once", "--without-gong-package"],
        Duration::from_secs(60),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "exit {:?}\n{stdout}\n{stderr}",
        out.status
    );
    for needle in [
        "Skipped: this org has no Gong package",
        "2. getAccountBriefing: GET http://127.0.0.1:",
        " 3 calls, 3 transcripts, ",
        "Done (--once).",
    ] {
        assert!(stdout.contains(needle), "missing {needle:?} in:\n{stdout}");
    }
    assert!(!stdout.contains("executeSOQLQuery"), "{stdout}");
    // The two-action setup needs the Gong package: not offered here.
    assert!(!stdout.contains("variant two-action"), "{stdout}");
    assert!(!stdout.contains("openapi/salesforce.json"), "{stdout}");
    assert!(stdout.contains("one action only"), "{stdout}");
    // The log went to the test's own temporary directory, and goes with it.
    let log = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Server and library logs: "))
        .expect("the log file is named");
    assert!(log.starts_with(&temp.path().display().to_string()), "{log}");
}

/// Whether `line` is a log line of the text format (`<RFC 3339 time>  INFO ...`, the level
/// padded to five characters) or of the JSON format.
fn is_log_line(line: &str) -> bool {
    let line = line.trim_start();
    let timestamp = line.len() > 20
        && line.as_bytes()[..4].iter().all(u8::is_ascii_digit)
        && line.as_bytes()[4] == b'-'
        && line.as_bytes()[10] == b'T';
    let level = ["TRACE ", "DEBUG ", " INFO ", " WARN ", "ERROR "]
        .iter()
        .any(|level| line.contains(level));
    (timestamp && level) || line.starts_with("{\"timestamp\"")
}

#[test]
fn log_lines_are_recognised() {
    assert!(is_log_line(
        "2026-11-28T06:40:26.123456Z  INFO callbrief listening addr=127.0.0.1:1"
    ));
    assert!(is_log_line(
        "2026-11-28T06:40:26.123456Z  WARN request{method=GET}: slow"
    ));
    assert!(is_log_line(
        r#"{"timestamp":"2026-11-28T06:40:26Z","level":"INFO"}"#
    ));
    assert!(!is_log_line(
        "  callbrief             http://127.0.0.1:8080"
    ));
    assert!(!is_log_line(
        "  2026-11-28  31 min  Acme Logistics INFO call"
    ));
}

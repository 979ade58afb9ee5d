//! The real binary's command surface: help, clear one-line errors, the OpenAPI printer, and
//! `sim` + `serve` end to end with logs checked for secrets and transcript text.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn callbrief() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_callbrief"));
    for (key, _) in std::env::vars() {
        if key.starts_with("CALLBRIEF_")
            || key.starts_with("GONG_")
            || key.starts_with("SALESFORCE_")
            || key == "RUST_LOG"
        {
            cmd.env_remove(key);
        }
    }
    // Tests never write to the user's cache directory.
    cmd.env("CALLBRIEF_CACHE", "memory");
    cmd.stdin(Stdio::null());
    cmd
}

fn output(cmd: &mut Command) -> (Output, String, String) {
    let out = cmd.output().expect("run callbrief");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stdout, stderr)
}

#[test]
fn help_lists_every_command_and_setting() {
    let (out, stdout, _) = output(callbrief().arg("--help"));
    assert!(out.status.success());
    for command in ["serve", "sim", "demo", "openapi", "gpt-setup"] {
        assert!(stdout.contains(command), "{command} missing:\n{stdout}");
    }
    let (out, stdout, _) = output(callbrief().args(["serve", "--help"]));
    assert!(out.status.success());
    for env in [
        "CALLBRIEF_ADDR",
        "CALLBRIEF_API_KEYS",
        "CALLBRIEF_PUBLIC_URL",
        "CALLBRIEF_MAX_CALL_IDS",
        "CALLBRIEF_MAX_BODY_BYTES",
        "CALLBRIEF_REQUEST_TIMEOUT_SECS",
        "CALLBRIEF_LOG_FORMAT",
        "GONG_BASE_URL",
        "GONG_ACCESS_KEY",
        "GONG_ACCESS_KEY_SECRET",
        "GONG_API_KEY",
        "GONG_BEARER_TOKEN",
        "GONG_DEADLINE_SECS",
        "GONG_BATCH_SIZE",
        "GONG_REQUESTS_PER_SECOND",
        "GONG_MAX_RETRIES",
    ] {
        assert!(stdout.contains(env), "{env} missing from serve --help");
    }
    let (out, stdout, _) = output(callbrief().args(["sim", "--help"]));
    assert!(out.status.success());
    for flag in [
        "--gong-addr",
        "--salesforce-addr",
        "--salesforce-page-size",
        "--page-size",
        "--no-rate-limit",
        "--fail-first",
        "--truncate-body",
        "--org-reps",
        "CALLBRIEF_SIM_ORG_REPS",
        "--salesforce-latency-ms",
    ] {
        assert!(stdout.contains(flag), "{flag} missing from sim --help");
    }
}

/// Asserts a failed run with exit code 1 and a single `error: ...` line containing `needle`.
fn assert_one_line_error(cmd: &mut Command, needle: &str) {
    let (out, _, stderr) = output(cmd);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line expected: {stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    assert!(lines[0].contains(needle), "{needle:?} missing: {stderr}");
}

#[test]
fn serve_refuses_a_cache_in_clear_when_a_key_is_required() {
    let dir = tempfile::tempdir().unwrap();
    let serve = || {
        let mut cmd = callbrief();
        cmd.arg("serve")
            .env("CALLBRIEF_API_KEYS", "k")
            .env("GONG_ACCESS_KEY", "k")
            .env("GONG_ACCESS_KEY_SECRET", "s")
            .env("CALLBRIEF_ADDR", "127.0.0.1:0")
            .env("CALLBRIEF_CACHE", "disk")
            .env("CALLBRIEF_CACHE_DIR", dir.path())
            .env("CALLBRIEF_CACHE_REQUIRE_KEY", "true");
        cmd
    };
    assert_one_line_error(&mut serve(), "would keep transcripts in clear");
    assert_one_line_error(
        serve()
            .env("CALLBRIEF_CACHE", "memory")
            .env("CALLBRIEF_REDIS_URL", "redis://127.0.0.1:1/"),
        "Redis would keep transcripts in clear",
    );
}

#[test]
fn serve_refuses_to_start_without_api_keys() {
    assert_one_line_error(
        callbrief()
            .arg("serve")
            .env("GONG_ACCESS_KEY", "k")
            .env("GONG_ACCESS_KEY_SECRET", "s"),
        "no API keys configured: set CALLBRIEF_API_KEYS",
    );
    assert_one_line_error(
        callbrief().arg("serve").env("CALLBRIEF_API_KEYS", " , "),
        "no API keys configured",
    );
}

#[test]
fn serve_needs_exactly_one_form_of_gong_credentials() {
    assert_one_line_error(
        callbrief().arg("serve").env("CALLBRIEF_API_KEYS", "k1"),
        "no Gong credentials",
    );
    assert_one_line_error(
        callbrief()
            .arg("serve")
            .env("CALLBRIEF_API_KEYS", "k1")
            .env("GONG_API_KEY", "abc")
            .env("GONG_BEARER_TOKEN", "t"),
        "more than one form of Gong credentials",
    );
    assert_one_line_error(
        callbrief()
            .arg("serve")
            .env("CALLBRIEF_API_KEYS", "k1")
            .env("GONG_BEARER_TOKEN", "t")
            .env("GONG_BASE_URL", "not a url"),
        "GONG_BASE_URL",
    );
}

#[test]
fn sim_without_an_address_says_what_to_pass() {
    assert_one_line_error(callbrief().arg("sim"), "--gong-addr");
}

#[test]
fn openapi_prints_the_document() {
    let (out, stdout, stderr) = output(
        callbrief()
            .arg("openapi")
            .env("CALLBRIEF_PUBLIC_URL", "https://cb.example.com"),
    );
    assert!(out.status.success(), "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(doc["servers"][0]["url"], "https://cb.example.com");
    assert_eq!(
        doc["paths"]["/callTranscripts"]["post"]["operationId"],
        "getTranscriptsByCallIds"
    );
}

#[test]
fn openapi_security_follows_callbrief_auth() {
    let document = |cmd: &mut Command| -> serde_json::Value {
        let (out, stdout, stderr) =
            output(cmd.env("CALLBRIEF_PUBLIC_URL", "https://cb.example.com/"));
        assert!(out.status.success(), "{stderr}");
        serde_json::from_str(&stdout).expect("JSON")
    };
    let schemes = |doc: &serde_json::Value| doc["components"]["securitySchemes"].clone();

    let doc = document(callbrief().args(["openapi"]));
    assert_eq!(schemes(&doc)["apiKey"]["scheme"], "bearer", "{doc}");

    let doc = document(
        callbrief()
            .args(["openapi"])
            .env("CALLBRIEF_AUTH", "salesforce"),
    );
    let schemes_found = schemes(&doc);
    assert_eq!(
        schemes_found.as_object().unwrap().len(),
        1,
        "{schemes_found}"
    );
    let flow = &schemes_found["salesforceOAuth"]["flows"]["authorizationCode"];
    assert_eq!(
        flow["authorizationUrl"],
        "https://cb.example.com/oauth/authorize"
    );
    assert_eq!(flow["tokenUrl"], "https://cb.example.com/oauth/token");
    assert!(flow["scopes"].get("api").is_some() && flow["scopes"].get("refresh_token").is_some());

    // The flag wins over the environment, as for `serve`.
    let doc = document(
        callbrief()
            .args(["openapi", "--auth", "api-key"])
            .env("CALLBRIEF_AUTH", "salesforce"),
    );
    assert_eq!(schemes(&doc)["apiKey"]["scheme"], "bearer", "{doc}");
    let (out, _, stderr) = output(callbrief().args(["openapi"]).env("CALLBRIEF_AUTH", "ldap"));
    assert!(!out.status.success() && stderr.contains("ldap"), "{stderr}");
}

#[test]
fn openapi_salesforce_prints_the_salesforce_action() {
    let (out, stdout, stderr) = output(callbrief().args([
        "openapi",
        "--salesforce",
        "--salesforce-instance-url",
        "https://acme.my.salesforce.com",
        "--salesforce-api-version",
        "61.0",
    ]));
    assert!(out.status.success(), "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(
        doc["servers"][0]["url"],
        "https://acme.my.salesforce.com/services/data/v61.0"
    );
    assert_eq!(
        doc["paths"]["/query"]["get"]["operationId"],
        "executeSOQLQuery"
    );
    assert_eq!(
        doc["paths"]["/search"]["get"]["operationId"],
        "executeSOSLSearch"
    );
    assert_one_line_error(
        callbrief().args(["openapi", "--salesforce"]),
        "SALESFORCE_INSTANCE_URL",
    );
}

#[test]
fn gpt_setup_prints_the_guide_from_the_settings() {
    let (out, stdout, stderr) = output(
        callbrief()
            .args([
                "gpt-setup",
                "--variant",
                "two-action",
                "--methodology",
                "spiced",
            ])
            .env("CALLBRIEF_PUBLIC_URL", "https://cb.example.com")
            .env("SALESFORCE_INSTANCE_URL", "https://acme.my.salesforce.com"),
    );
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.starts_with("# callbrief GPT setup: two actions"),
        "{stdout}"
    );
    for needle in [
        "**SPICED**",
        "    https://cb.example.com/openapi/salesforce.json\n",
        "`https://acme.my.salesforce.com/services/oauth2/token`",
        "https://chatgpt.com/aip/<your GPT id>/oauth/callback",
    ] {
        assert!(stdout.contains(needle), "missing {needle:?}:\n{stdout}");
    }
    let (out, stdout, stderr) = output(
        callbrief()
            .arg("gpt-setup")
            .env("SALESFORCE_INSTANCE_URL", "https://acme.my.salesforce.com"),
    );
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("one action (recommended), MEDPICC"),
        "{stdout}"
    );
    assert!(stdout.contains("`http://127.0.0.1:8080/oauth/authorize`"));
    assert_one_line_error(callbrief().arg("gpt-setup"), "SALESFORCE_INSTANCE_URL");
}

/// Reads a child's stream line by line on a thread, so the test can wait for a line with a
/// deadline and still collect the rest afterwards. The stream is read to its end even once
/// nobody listens: a pipe closed early would fail the child's next print.
fn lines_of(stream: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    rx
}

fn wait_for_line(rx: &mpsc::Receiver<String>, needle: &str, seen: &mut Vec<String>) -> String {
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("no line with {needle:?}; saw {seen:#?}"));
        seen.push(line.clone());
        if line.contains(needle) {
            return line;
        }
    }
}

fn url_in(line: &str) -> String {
    let start = line.find("http://").expect("url");
    line[start..].split_whitespace().next().unwrap().to_owned()
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `callbrief sim` running the Gong simulator (no rate limit) with `extra` flags: the process
/// (killed when dropped), its output's lines still to read, and the simulator's URL.
fn gong_simulator(extra: &[&str]) -> (KillOnDrop, mpsc::Receiver<String>, String) {
    let mut sim = KillOnDrop(
        callbrief()
            .args(["sim", "--gong-addr", "127.0.0.1:0", "--no-rate-limit"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn sim"),
    );
    let out = lines_of(sim.0.stdout.take().unwrap());
    let url = url_in(&wait_for_line(
        &out,
        "Gong simulator listening on",
        &mut Vec::new(),
    ));
    (sim, out, url)
}

/// `callbrief serve` with `args` and `envs`, on the Gong simulator at `gong_url` with its demo
/// credentials: the process (killed when dropped) and its log's lines still to read.
fn serve_against(
    gong_url: &str,
    args: &[&str],
    envs: &[(&str, &str)],
) -> (KillOnDrop, mpsc::Receiver<String>) {
    let mut serve = KillOnDrop(
        callbrief()
            .arg("serve")
            .args(args)
            .env("GONG_BASE_URL", format!("{gong_url}/v2"))
            .env("GONG_ACCESS_KEY", "demo-access-key")
            .env("GONG_ACCESS_KEY_SECRET", "demo-access-key-secret")
            .envs(envs.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn serve"),
    );
    let log = lines_of(serve.0.stderr.take().unwrap());
    (serve, log)
}

/// `callbrief sim` running both simulators with `envs`, once its output shows `ready_line`:
/// the process (killed when dropped), the Gong simulator's URL and the Salesforce one's.
fn both_simulators(envs: &[(&str, &str)], ready_line: &str) -> (KillOnDrop, String, String) {
    let mut sim = KillOnDrop(
        callbrief()
            .args([
                "sim",
                "--gong-addr",
                "127.0.0.1:0",
                "--salesforce-addr",
                "127.0.0.1:0",
                "--no-rate-limit",
            ])
            .envs(envs.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn sim"),
    );
    let out = lines_of(sim.0.stdout.take().unwrap());
    let mut seen = Vec::new();
    let gong_url = url_in(&wait_for_line(
        &out,
        "Gong simulator listening on",
        &mut seen,
    ));
    let sf_url = url_in(&wait_for_line(
        &out,
        "Salesforce simulator listening on",
        &mut seen,
    ));
    wait_for_line(&out, ready_line, &mut seen);
    (sim, gong_url, sf_url)
}

/// Signs in at the Salesforce simulator with the password flow and runs one query.
async fn query_as(sf_url: &str, username: &str, soql: &str) -> serde_json::Value {
    let http = reqwest::Client::new();
    let token: serde_json::Value = http
        .post(format!("{sf_url}/services/oauth2/token"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", "demo-client-id"),
            ("client_secret", "demo-client-secret"),
            ("username", username),
            ("password", "demo-password"),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token JSON");
    let access = token["access_token"].as_str().expect("access_token");
    http.get(format!("{sf_url}/services/data/v65.0/query"))
        .query(&[("q", soql)])
        .bearer_auth(access)
        .send()
        .await
        .expect("query")
        .json()
        .await
        .expect("query JSON")
}

/// The values of `field` in a query answer's records.
fn field_of<'a>(answer: &'a serde_json::Value, field: &str) -> Vec<&'a str> {
    answer["records"]
        .as_array()
        .expect("records")
        .iter()
        .filter_map(|r| r[field].as_str())
        .collect()
}

/// The ids of the calls the Gong simulator has transcripts of, among `ids`.
async fn gong_transcripts(gong_url: &str, ids: &[&str]) -> Vec<String> {
    let answer: serde_json::Value = reqwest::Client::new()
        .post(format!("{gong_url}/v2/calls/transcript"))
        .basic_auth("demo-access-key", Some("demo-access-key-secret"))
        .json(&serde_json::json!({ "filter": { "callIds": ids } }))
        .send()
        .await
        .expect("transcripts")
        .json()
        .await
        .expect("transcripts JSON");
    answer["callTranscripts"]
        .as_array()
        .expect("callTranscripts")
        .iter()
        .filter_map(|t| t["callId"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn sim_runs_both_simulators_over_one_org() {
    let (_sim, gong_url, sf_url) = both_simulators(&[], "maya.chen@callbrief-demo.com");
    // The Gong call ids Salesforce holds for a rep's account are calls the Gong simulator has.
    let calls = query_as(
        &sf_url,
        "maya.chen@callbrief-demo.com",
        "SELECT Gong__Call_ID__c FROM Gong__Gong_Call__c ORDER BY Gong__Call_Start__c DESC LIMIT 2",
    )
    .await;
    let ids = field_of(&calls, "Gong__Call_ID__c");
    assert_eq!(ids.len(), 2, "{calls}");
    let got = gong_transcripts(&gong_url, &ids).await;
    assert_eq!(got.len(), 2, "{got:?}");
    for id in ids {
        assert!(
            got.iter().any(|g| g == id),
            "{id} missing from Gong: {got:?}"
        );
    }
}

#[tokio::test]
async fn sim_org_reps_adds_a_team_whose_reps_sign_in_and_see_their_own_day() {
    let (_sim, gong_url, sf_url) = both_simulators(
        &[("CALLBRIEF_SIM_ORG_REPS", "3")],
        "rep003@callbrief-demo.com  3 generated reps",
    );
    let org = sim::org::SampleOrg::for_today_with_reps(3);
    let rep = org
        .user_by_username("rep002@callbrief-demo.com")
        .expect("rep002")
        .clone();
    let mut mine: Vec<&str> = org
        .accounts
        .iter()
        .filter(|a| a.owner_id == rep.id)
        .map(|a| a.id.as_str())
        .collect();
    mine.sort_unstable();

    // The rep sees exactly the accounts he owns, none of the other reps'.
    let accounts = query_as(&sf_url, &rep.username, "SELECT Id FROM Account").await;
    let mut seen = field_of(&accounts, "Id");
    seen.sort_unstable();
    assert_eq!(seen, mine, "{accounts}");

    // A meeting tomorrow on each of them.
    let events = query_as(
        &sf_url,
        &rep.username,
        "SELECT Id, AccountId FROM Event WHERE StartDateTime = TOMORROW",
    )
    .await;
    let on = field_of(&events, "AccountId");
    assert_eq!(on.len(), mine.len(), "{events}");
    assert!(on.iter().all(|a| mine.contains(a)), "{events}");

    // Their calls are in the Salesforce call object and in Gong.
    let calls = query_as(
        &sf_url,
        &rep.username,
        "SELECT Gong__Call_ID__c FROM Gong__Gong_Call__c",
    )
    .await;
    let ids = field_of(&calls, "Gong__Call_ID__c");
    assert!((4..=8).contains(&ids.len()), "{calls}");
    assert_eq!(gong_transcripts(&gong_url, &ids).await.len(), ids.len());
}

#[tokio::test]
async fn the_simulator_sends_signed_webhooks_and_serve_caches_each_new_call() {
    const API_KEY: &str = "cb-webhook-test-key";
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let public_url = format!("http://127.0.0.1:{port}");
    let (_sim, sim_out, gong_url) = gong_simulator(&[
        "--webhook-url",
        &format!("{public_url}/webhooks/gong"),
        "--new-call-every-secs",
        "1",
    ]);
    let mut seen = Vec::new();
    let marker = "GONG_WEBHOOK_PUBLIC_KEY for the demo key: ";
    let line = wait_for_line(&sim_out, marker, &mut seen);
    let public_key = line[line.find(marker).unwrap() + marker.len()..]
        .trim()
        .to_owned();

    let (_serve, serve_err) = serve_against(
        &gong_url,
        &["--addr", &format!("127.0.0.1:{port}")],
        &[
            ("CALLBRIEF_API_KEYS", API_KEY),
            ("CALLBRIEF_PUBLIC_URL", &public_url),
            ("CALLBRIEF_CACHE", "memory"),
            ("GONG_WEBHOOK_PUBLIC_KEY", &public_key),
            ("RUST_LOG", "info"),
        ],
    );
    let mut logs = Vec::new();
    wait_for_line(&serve_err, "gong webhook accepted", &mut logs);
    wait_for_line(&serve_err, "webhook call fetched", &mut logs);

    // The calls the simulator processed since serve started are in its cache: asked for, they
    // come from it (the first ones may have been sent before serve listened).
    let new_calls: Vec<String> = (900_000..900_050)
        .map(sim::org::generated_call_id)
        .collect();
    let answer: serde_json::Value = reqwest::Client::new()
        .post(format!("{public_url}/callTranscripts"))
        .bearer_auth(API_KEY)
        .json(&serde_json::json!({ "callIds": new_calls }))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let cached = answer["cachedCallIds"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        !cached.is_empty(),
        "a webhook's call came from the cache: {answer}"
    );
}

#[tokio::test]
async fn sim_and_serve_work_end_to_end_and_logs_hold_no_secrets() {
    const API_KEY: &str = "cb-test-key-do-not-log-4711";

    let (_sim, _, gong_url) = gong_simulator(&[]);

    let keys = format!("other-key,{API_KEY}");
    let (mut serve, serve_err) = serve_against(
        &gong_url,
        &["--addr", "127.0.0.1:0", "--log-format", "json"],
        &[("CALLBRIEF_API_KEYS", &keys), ("RUST_LOG", "debug")],
    );
    let mut logs = Vec::new();
    let base_url = url_in(&wait_for_line(
        &serve_err,
        "callbrief listening on http",
        &mut logs,
    ));

    let org = sim::org::SampleOrg::for_today();
    let call = &org.calls[0];
    let http = reqwest::Client::new();
    let body = serde_json::json!({ "callIds": [call.gong_id] });
    let requests = [
        http.post(format!("{base_url}/callTranscripts?code={API_KEY}")),
        http.post(format!("{base_url}/callTranscripts"))
            .header("x-api-key", API_KEY),
        http.post(format!("{base_url}/api/callTranscripts"))
            .bearer_auth(API_KEY),
    ];
    for request in requests {
        let response = request.json(&body).send().await.expect("request");
        assert_eq!(response.status(), 200);
        let answer: serde_json::Value = response.json().await.expect("json");
        assert_eq!(
            answer["callTranscripts"][0]["callId"],
            call.gong_id.as_str()
        );
    }
    let response = http
        .post(format!("{base_url}/callTranscripts"))
        .bearer_auth("wrong-key-also-not-logged")
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 401);

    // Graceful shutdown on SIGTERM: exit code 0.
    let pid = serve.0.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let exited = testkit::process::status_within(&mut serve.0, Duration::from_secs(5), "serve");
    assert!(exited.success(), "serve did not exit cleanly: {exited:?}");
    while let Ok(line) = serve_err.recv_timeout(Duration::from_secs(2)) {
        logs.push(line);
    }

    let all = logs.join("\n");
    let json_lines: Vec<serde_json::Value> = logs
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert!(json_lines.len() >= 4, "JSON log lines expected:\n{all}");
    assert!(
        json_lines
            .iter()
            .any(|l| l.to_string().contains("request_id")),
        "request spans carry the request id:\n{all}"
    );
    for secret in [
        API_KEY,
        "wrong-key-also-not-logged",
        "demo-access-key-secret",
    ] {
        assert!(!all.contains(secret), "{secret} leaked into logs:\n{all}");
    }
    let sentence = &call.monologues[1].sentences[0].text;
    assert!(
        !all.contains(sentence.as_str()),
        "transcript text leaked into logs"
    );
    assert!(
        !all.contains("code="),
        "query strings are not logged:\n{all}"
    );
}

#[test]
fn oauth_client_create_prints_an_id_and_secret_signed_with_the_cache_key() {
    let key = "11".repeat(32);
    let create = |key: Option<&str>| {
        let mut cmd = callbrief();
        cmd.args([
            "oauth-client",
            "create",
            "--name",
            "Sales GPT",
            "--redirect-uri",
            "https://chatgpt.com/aip/g-1/oauth/callback",
        ]);
        if let Some(key) = key {
            cmd.env("CALLBRIEF_CACHE_KEY", key);
        }
        output(&mut cmd)
    };
    let (out, stdout, stderr) = create(Some(&key));
    assert!(out.status.success(), "{stderr}");
    let field = |name: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("{name} missing:\n{stdout}"))
            .to_owned()
    };
    let id = field("client_id");
    let secret = field("client_secret");
    assert!(id.starts_with("cb1."), "{id}");
    assert!(secret.len() >= 40, "{secret}");
    let (_, again, _) = create(Some(&key));
    assert!(!again.contains(&id), "each client is a new one");
    assert_one_line_error(
        callbrief()
            .args([
                "oauth-client",
                "create",
                "--name",
                "x",
                "--redirect-uri",
                "http://evil.example/cb",
            ])
            .env("CALLBRIEF_CACHE_KEY", &key),
        "invalid_redirect_uri",
    );
    let (out, _, stderr) = create(None);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("CALLBRIEF_CACHE_KEY"), "{stderr}");
}

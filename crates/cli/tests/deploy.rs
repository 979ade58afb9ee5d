//! The deployment files under `deploy/` and the container files at the root, against the real
//! binary: the Azure Functions host's way of starting `callbrief` (taken from `host.json`)
//! serves the original `POST /api/callTranscripts` on the port the host hands it; the image
//! and compose files name only settings the binary reads; `probe` tells ready from not.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};
use sim::gong::GongSimConfig;
use sim::org::SampleOrg;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn functions_dir() -> PathBuf {
    root().join("deploy/azure-functions")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The binary with none of the test's own settings.
fn callbrief() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_callbrief"));
    clean_env(&mut cmd);
    cmd
}

fn clean_env(cmd: &mut Command) {
    for (key, _) in std::env::vars() {
        if key.starts_with("CALLBRIEF_")
            || key.starts_with("GONG_")
            || key.starts_with("SALESFORCE_")
            || key.starts_with("FUNCTIONS_")
        {
            cmd.env_remove(key);
        }
    }
    cmd.stdin(Stdio::null()).kill_on_drop(true);
}

/// A port nothing listens on right now, as the Functions host picks one.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// Reads the child's stderr until the server says where it listens; returns that URL.
async fn listening_url(child: &mut Child) -> String {
    let stderr = child.stderr.take().expect("stderr piped");
    let mut lines = BufReader::new(stderr).lines();
    let wait = async {
        let mut seen = Vec::new();
        while let Some(line) = lines.next_line().await.expect("stderr line") {
            if let Some(url) = line.strip_prefix("callbrief listening on ") {
                // Keep draining stderr so the server never blocks on a full pipe.
                tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
                return url.trim().to_owned();
            }
            seen.push(line);
        }
        panic!("the server exited without listening:\n{}", seen.join("\n"));
    };
    tokio::time::timeout(Duration::from_secs(60), wait)
        .await
        .expect("the server did not start within 60 s (the Functions host allows 60 s)")
}

#[tokio::test]
async fn the_functions_host_start_serves_the_original_route_on_the_port_it_was_given() {
    let host = read_json(&functions_dir().join("host.json"));
    let handler = &host["customHandler"];
    assert_eq!(handler["enableProxyingHttpRequest"], true, "{host}");
    assert_eq!(host["extensions"]["http"]["routePrefix"], "", "{host}");
    let description = &handler["description"];
    let executable = description["defaultExecutablePath"]
        .as_str()
        .expect("defaultExecutablePath");
    let arguments: Vec<String> =
        serde_json::from_value(description["arguments"].clone()).expect("arguments");
    let working_directory = description["workingDirectory"].as_str().unwrap_or("");

    let function = read_json(&functions_dir().join("callbrief-http/function.json"));
    let trigger = &function["bindings"][0];
    assert_eq!(trigger["type"], "httpTrigger");
    assert_eq!(trigger["route"], "{*path}", "every route reaches callbrief");
    assert_eq!(
        trigger["authLevel"], "anonymous",
        "callbrief checks the keys itself"
    );

    // The function app as deployed: the folder's files and the binary under the name
    // host.json gives, started from the working directory host.json gives.
    let app = tempfile::tempdir().expect("tempdir");
    let exe = app.path().join(executable);
    std::fs::copy(env!("CARGO_BIN_EXE_callbrief"), &exe).expect("copy the binary");
    std::fs::create_dir_all(app.path().join("callbrief-http")).unwrap();
    std::fs::copy(
        functions_dir().join("callbrief-http/function.json"),
        app.path().join("callbrief-http/function.json"),
    )
    .unwrap();
    let cwd = app.path().join(working_directory);

    // The app settings of the settings list, with the simulator standing in for Gong.
    let settings = read_json(&functions_dir().join("local.settings.example.json"));
    let mut env: BTreeMap<String, String> =
        serde_json::from_value(settings["Values"].clone()).expect("Values");
    assert_eq!(env["FUNCTIONS_WORKER_RUNTIME"], "Custom");
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
    .expect("gong sim");
    // Every placeholder filled in, as an admin does: a real key, the simulators for Gong and
    // Salesforce.
    for (name, value) in env.iter_mut() {
        if value.starts_with("replace-with") {
            *value = format!("test-{}", name.to_ascii_lowercase());
        }
    }
    env.insert("CALLBRIEF_CACHE_KEY".into(), "ab".repeat(32));
    let salesforce =
        sim::salesforce::spawn(org.clone(), sim::salesforce::SalesforceSimConfig::default())
            .await
            .expect("salesforce sim");
    env.insert(
        "SALESFORCE_INSTANCE_URL".into(),
        salesforce.base_url.clone(),
    );
    env.insert(
        "SALESFORCE_CLIENT_ID".into(),
        sim::salesforce::DEMO_CLIENT_ID.into(),
    );
    env.insert(
        "SALESFORCE_CLIENT_SECRET".into(),
        sim::salesforce::DEMO_CLIENT_SECRET.into(),
    );
    // The file sets up reps signing in with Salesforce; the original action's route with its
    // function key, checked here, is API-key mode.
    assert_eq!(env["CALLBRIEF_AUTH"], "salesforce");
    env.insert("CALLBRIEF_AUTH".into(), "api-key".into());
    let defaults = GongSimConfig::default();
    env.insert("GONG_BASE_URL".into(), gong.base_url.clone());
    env.insert("GONG_ACCESS_KEY".into(), defaults.access_key.clone());
    env.insert(
        "GONG_ACCESS_KEY_SECRET".into(),
        defaults.access_key_secret.clone(),
    );
    let cache = tempfile::tempdir().expect("cache dir");
    env.insert(
        "CALLBRIEF_CACHE_DIR".into(),
        cache.path().display().to_string(),
    );
    let port = free_port();
    env.insert("FUNCTIONS_CUSTOMHANDLER_PORT".into(), port.to_string());
    // What a deployment would have set for its own address must lose to the host's port.
    env.insert("CALLBRIEF_ADDR".into(), "0.0.0.0:8080".into());

    let mut cmd = Command::new(&exe);
    clean_env(&mut cmd);
    let mut child = cmd
        .args(&arguments)
        .current_dir(&cwd)
        .envs(&env)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the handler");
    let url = listening_url(&mut child).await;
    assert_eq!(url, format!("http://127.0.0.1:{port}"));

    // The original middleware's request, key style and route, through the host's port.
    let ids: Vec<String> = org
        .calls
        .iter()
        .take(2)
        .map(|c| c.gong_id.clone())
        .collect();
    let response = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/api/callTranscripts"))
        .header("x-functions-key", &env["CALLBRIEF_API_KEYS"])
        .json(&json!({ "callIds": ids }))
        .send()
        .await
        .expect("request through the host's port");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("JSON");
    let transcripts = body["callTranscripts"].as_array().expect("callTranscripts");
    assert_eq!(transcripts.len(), 2, "{body}");
    for (t, id) in transcripts.iter().zip(&ids) {
        assert_eq!(&t["callId"], id);
        assert!(!t["content"].as_str().unwrap_or_default().is_empty());
    }
    let ready = reqwest::get(format!("http://127.0.0.1:{port}/readyz"))
        .await
        .expect("readyz");
    assert_eq!(ready.status(), 200);
    child.kill().await.expect("stop the handler");
}

#[tokio::test]
async fn probe_exits_0_for_a_ready_server_and_1_when_nothing_answers() {
    let port = free_port();
    let probe = |port: u16| {
        let mut cmd = callbrief();
        cmd.args(["probe"])
            .env("CALLBRIEF_ADDR", format!("0.0.0.0:{port}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    };
    let down = probe(port).output().await.expect("probe");
    assert_eq!(down.status.code(), Some(1), "{down:?}");

    let cache = tempfile::tempdir().expect("cache dir");
    let mut server = callbrief()
        .args(["serve", "--insecure-no-auth", "--gong-bearer-token", "t"])
        .env("CALLBRIEF_ADDR", format!("127.0.0.1:{port}"))
        .env("CALLBRIEF_CACHE_DIR", cache.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve");
    listening_url(&mut server).await;
    let up = probe(port).output().await.expect("probe");
    assert!(up.status.success(), "{up:?}");
    assert!(String::from_utf8_lossy(&up.stdout).contains("/readyz: 200"));
    server.kill().await.expect("stop");
}

/// Every `env = "NAME"` the binary reads (the same scan as the README check).
fn variables_read() -> Vec<String> {
    fn scan(dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                scan(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("source");
                for part in text.split("env = \"").skip(1) {
                    if let Some(name) = part.split('"').next() {
                        out.push(name.to_owned());
                    }
                }
            }
        }
    }
    let mut vars = Vec::new();
    scan(&root().join("crates/cli/src"), &mut vars);
    scan(&root().join("crates/server/src/config"), &mut vars);
    vars
}

/// Settings the deployment files already name that the binary does not read yet; each must
/// leave this list when it lands (the test fails until then).
const NOT_YET_READ: &[&str] = &[];

#[test]
fn the_container_files_build_the_production_binary_and_name_only_real_settings() {
    let dockerfile = std::fs::read_to_string(root().join("Dockerfile")).expect("Dockerfile");
    for needle in [
        "--no-default-features",
        "--profile dist",
        "FROM gcr.io/distroless/static-debian12:nonroot",
        "-unknown-linux-musl",
        "musl-tools",
        "USER 65532:65532",
        "EXPOSE 8080",
        "VOLUME [\"/var/cache/callbrief\"]",
        "CALLBRIEF_CACHE_DIR=/var/cache/callbrief",
        "CALLBRIEF_ADDR=0.0.0.0:8080",
        "CMD [\"/usr/local/bin/callbrief\", \"probe\"]",
    ] {
        assert!(
            dockerfile.contains(needle),
            "the Dockerfile lacks {needle:?}"
        );
    }
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).expect("Cargo.toml");
    let dist = manifest
        .split("[profile.dist]")
        .nth(1)
        .expect("a dist profile");
    assert!(
        dist.contains("strip = true"),
        "the shipped binary is stripped"
    );

    let read = variables_read();
    let compose =
        std::fs::read_to_string(root().join("deploy/docker-compose.yml")).expect("compose");
    let mut named = Vec::new();
    for line in compose.lines() {
        let item = line.trim_start();
        if let Some(entry) = item.strip_prefix("- ") {
            let name = entry.split('=').next().unwrap_or_default();
            if name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
                && !name.is_empty()
            {
                named.push(name.to_owned());
            }
        }
    }
    assert!(named.iter().any(|n| n == "CALLBRIEF_API_KEYS"), "{named:?}");
    for name in &named {
        if NOT_YET_READ.contains(&name.as_str()) {
            assert!(
                !read.contains(name),
                "{name} is read now: take it off NOT_YET_READ"
            );
        } else {
            assert!(
                read.contains(name),
                "compose sets {name}, which callbrief does not read"
            );
        }
    }
    assert_eq!(
        compose.matches("<<: *callbrief").count(),
        2,
        "two replicas share Redis"
    );
    let settings = read_json(&functions_dir().join("local.settings.example.json"));
    for name in settings["Values"].as_object().expect("Values").keys() {
        let host_setting = matches!(
            name.as_str(),
            "FUNCTIONS_WORKER_RUNTIME" | "AzureWebJobsStorage"
        );
        assert!(
            host_setting || read.contains(name),
            "the Functions settings list names {name}, which callbrief does not read"
        );
    }
}

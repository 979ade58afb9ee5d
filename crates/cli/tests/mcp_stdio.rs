//! `callbrief mcp`: MCP over stdin/stdout against the simulators. Every stdout line must be a
//! JSON-RPC message (logs go to stderr), and the tools answer with the service credentials.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{json, Value};
use sim::gong::GongSimConfig;
use sim::org::SampleOrg;
use sim::salesforce::{SalesforceSimConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};

/// The running `callbrief mcp` child and its stdout lines.
struct McpChild {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
}

impl Drop for McpChild {
    fn drop(&mut self) {
        // A failed assertion must not leave the server running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl McpChild {
    fn send(&mut self, message: &Value) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{message}").expect("write to callbrief mcp");
        stdin.flush().expect("flush");
    }

    /// The next stdout line, which must be JSON.
    fn receive(&self) -> Value {
        let line = self
            .lines
            .recv_timeout(Duration::from_secs(20))
            .expect("an answer within 20 s");
        serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("stdout is not JSON-RPC ({e}): {line}"))
    }

    fn request(&mut self, id: u64, method: &str, params: Value) -> Value {
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let answer = self.receive();
        assert_eq!(answer["id"], json!(id), "{answer}");
        assert!(answer.get("error").is_none(), "{answer}");
        answer["result"].clone()
    }
}

fn spawn_mcp(gong_url: &str, salesforce_url: &str) -> McpChild {
    let gong = GongSimConfig::default();
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
    let mut child = cmd
        .arg("mcp")
        .env("GONG_BASE_URL", gong_url)
        .env("GONG_ACCESS_KEY", &gong.access_key)
        .env("GONG_ACCESS_KEY_SECRET", &gong.access_key_secret)
        .env("SALESFORCE_INSTANCE_URL", salesforce_url)
        .env("SALESFORCE_CLIENT_ID", DEMO_CLIENT_ID)
        .env("SALESFORCE_CLIENT_SECRET", DEMO_CLIENT_SECRET)
        .env("RUST_LOG", "info")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start callbrief mcp");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let stdin = child.stdin.take();
    McpChild {
        child,
        stdin,
        lines,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdio_serves_the_tools_with_the_service_credentials() {
    let org = SampleOrg::shared_for_today();
    let gong_sim = sim::gong::spawn(
        org.clone(),
        GongSimConfig {
            rate_limit_per_sec: None,
            daily_quota: None,
            ..GongSimConfig::default()
        },
    )
    .await
    .expect("gong sim");
    let salesforce_sim = sim::salesforce::spawn(org.clone(), SalesforceSimConfig::default())
        .await
        .expect("salesforce sim");
    let account = org
        .accounts
        .iter()
        .find(|a| org.calls_for_account(&a.id).next().is_some())
        .expect("an account with calls")
        .clone();

    let (gong_url, sf_url) = (gong_sim.base_url.clone(), salesforce_sim.base_url.clone());
    // The child is driven with blocking I/O, off the runtime that serves the simulators.
    let mut mcp = tokio::task::spawn_blocking(move || spawn_mcp(&gong_url, &sf_url))
        .await
        .unwrap();
    let result = tokio::task::spawn_blocking(move || {
        let init = mcp.request(
            1,
            "initialize",
            json!({
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "stdio-test", "version": "0"}
            }),
        );
        assert_eq!(init["serverInfo"]["name"], "callbrief", "{init}");
        mcp.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));

        let tools = mcp.request(2, "tools/list", json!({}));
        assert_eq!(tools["tools"].as_array().map(Vec::len), Some(7), "{tools}");

        let found = mcp.request(
            3,
            "tools/call",
            json!({"name": "search_accounts", "arguments": {"name": account.name}}),
        );
        assert_ne!(found["isError"], json!(true), "{found}");
        let ids: Vec<&str> = found["structuredContent"]["accounts"]
            .as_array()
            .expect("accounts")
            .iter()
            .filter_map(|a| a["id"].as_str())
            .collect();
        assert!(ids.contains(&account.id.as_str()), "{found}");

        let briefing = mcp.request(
            4,
            "tools/call",
            json!({"name": "get_account_briefing", "arguments": {"account_id": account.id, "calls": 1}}),
        );
        assert_ne!(briefing["isError"], json!(true), "{briefing}");
        let markdown = briefing["content"][0]["text"].as_str().unwrap_or_default();
        assert!(markdown.contains(&account.name), "{markdown}");

        // Closing stdin ends the server cleanly.
        drop(mcp.stdin.take());
        testkit::process::status_within(
            &mut mcp.child,
            Duration::from_secs(10),
            "callbrief mcp after stdin closed",
        )
    })
    .await
    .unwrap();
    assert!(result.success(), "{result}");
}

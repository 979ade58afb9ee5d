//! What reaches the logs: with the server's own filter asked for `debug` (and the MCP library
//! for `trace`), neither an API key (as `?code=` or a header) nor transcript text is written.
//!
//! The test runtime is single-threaded, so a subscriber set as this thread's default sees
//! everything the server logs while serving these requests.

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use tracing_subscriber::fmt::MakeWriter;

use crate::helpers::{org, spawn_app, API_KEY};

/// Log lines, collected in memory.
#[derive(Clone, Default)]
pub(crate) struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// Captures what this thread logs at `filter` until the guard is dropped (test runtimes
    /// are single-threaded, so the server's logs land here too).
    pub(crate) fn start(filter: &str) -> (Self, tracing::subscriber::DefaultGuard) {
        let captured = Self::default();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(server::telemetry::log_filter(filter, "info"))
            .with_writer(captured.clone())
            .with_ansi(false)
            .finish();
        (captured, tracing::subscriber::set_default(subscriber))
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn debug_logs_hold_no_api_key_and_no_transcript_text() {
    let (captured, _guard) = Captured::start("debug,rmcp=trace");

    let app = spawn_app().await;
    let call = &org().calls[0];
    let sentence = call.monologues[0].sentences[0].text.clone();
    assert!(sentence.len() > 10, "{sentence:?}");

    // REST, with the key in the query string, and a wrong key that is logged as rejected.
    let response = app
        .http
        .post(format!("{}/callTranscripts?code={API_KEY}", app.base_url))
        .json(&json!({"callIds": [call.gong_id]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains(&sentence));
    let response = app
        .http
        .post(format!(
            "{}/callTranscripts?code=wrong-{API_KEY}",
            app.base_url
        ))
        .json(&json!({"callIds": [call.gong_id]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);

    // MCP, with the key as a header.
    let response = app
        .http
        .post(format!("{}/mcp", app.base_url))
        .header("accept", "application/json, text/event-stream")
        .header("x-api-key", API_KEY)
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "fetch", "arguments": {"id": format!("call:{}", call.gong_id)}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert!(body.to_string().contains(&sentence), "{body}");

    let logs = captured.text();
    assert!(logs.contains("served call transcripts"), "{logs}");
    assert!(logs.contains("MCP tool call"), "{logs}");
    assert!(logs.contains("invalid API key"), "{logs}");
    assert!(
        !logs.contains(API_KEY),
        "an API key reached the logs:\n{logs}"
    );
    assert!(
        !logs.contains(&sentence),
        "transcript text reached the logs:\n{logs}"
    );
}

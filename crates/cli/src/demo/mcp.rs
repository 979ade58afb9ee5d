//! The demo's MCP step: lists the tools at `/mcp` over real HTTP, as an MCP client would, and
//! prints how to add callbrief to Claude and ChatGPT and to desktop clients.

use serde_json::{json, Value};

/// Asks `/mcp` for its tools with the demo's API key and prints them with the setup steps.
pub async fn print_mcp(
    http: &reqwest::Client,
    base_url: &str,
    api_key: &str,
) -> anyhow::Result<()> {
    let mcp_url = format!("{base_url}/mcp");
    let body: Value = super::http::read_json(
        http.post(&mcp_url)
            .bearer_auth(api_key)
            .header(
                reqwest::header::ACCEPT,
                "application/json, text/event-stream",
            )
            .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}))
            .send()
            .await,
        "POST /mcp tools/list",
    )
    .await?;
    let tools: Vec<&str> = body["result"]["tools"]
        .as_array()
        .map(|tools| tools.iter().filter_map(|t| t["name"].as_str()).collect())
        .unwrap_or_default();

    println!("MCP (Claude, ChatGPT apps and other MCP clients):");
    println!();
    println!("  URL      {mcp_url}   (Streamable HTTP)");
    println!("  Auth     Authorization: Bearer {api_key}");
    println!("  Tools    {}", tools.join(", "));
    println!("  Prompts  meeting_prep_medpicc, meeting_prep_spiced");
    println!();
    println!("  Claude:  Settings -> Connectors -> Add custom connector; URL <public URL>/mcp.");
    println!("  ChatGPT: Settings -> Apps & Connectors -> Advanced settings -> Developer mode on;");
    println!("           then Create (a connector/app): MCP server URL <public URL>/mcp, authentication OAuth.");
    println!(
        "  Both reach callbrief from the internet: run `callbrief serve` with CALLBRIEF_PUBLIC_URL"
    );
    println!("  (HTTPS) and CALLBRIEF_AUTH=salesforce, so each person signs in with Salesforce.");
    println!(
        "  Desktop clients (Claude Desktop, IDEs) can start `callbrief mcp` over stdio instead;"
    );
    println!("  see README, section MCP, for the claude_desktop_config.json entry.");
    println!();
    println!("  curl -s -X POST {mcp_url} -H 'Authorization: Bearer {api_key}' \\");
    println!("       -H 'Accept: application/json, text/event-stream' -H 'Content-Type: application/json' \\");
    println!("       -d '{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}}'");
    println!();
    Ok(())
}

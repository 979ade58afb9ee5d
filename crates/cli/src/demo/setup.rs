//! Demo step: where the GPT setup kit is. Fetches the setup guide and the Salesforce action
//! document from the running server (so a broken route fails the demo), says where to find
//! them, and lists the sample users to sign in as.

use sim::org::SampleOrg;

/// Fetches `GET /gpt/instructions` and `GET /openapi/salesforce.json` and prints where they are.
pub async fn print_setup(http: &reqwest::Client, base_url: &str) -> anyhow::Result<()> {
    let guide = fetch(http, &format!("{base_url}/gpt/instructions")).await?;
    let action = fetch(http, &format!("{base_url}/openapi/salesforce.json")).await?;
    let title = guide
        .lines()
        .next()
        .unwrap_or_default()
        .trim_start_matches("# ");
    println!("GPT setup kit:");
    println!();
    println!(
        "  Instructions and settings  {base_url}/gpt/instructions  ({title}; {} characters)",
        guide.chars().count()
    );
    println!("                             {base_url}/gpt/instructions?variant=two-action&methodology=spiced");
    println!("                             callbrief gpt-setup [--variant two-action] [--methodology spiced]");
    println!(
        "  Salesforce action schema   {base_url}/openapi/salesforce.json  ({} characters)",
        action.chars().count()
    );
    println!("  callbrief action schema    {base_url}/openapi.json");
    println!();
    Ok(())
}

/// Prints the sample users of the Salesforce simulator and what each may see.
pub fn print_users(org: &SampleOrg) {
    println!(
        "Sample users (password {}):",
        sim::salesforce::DEMO_PASSWORD
    );
    println!();
    let width = org
        .users
        .iter()
        .map(|u| u.username.len())
        .max()
        .unwrap_or(0);
    for user in &org.users {
        println!(
            "  {:<width$}  {}",
            user.username,
            crate::sim::role_name(user.role)
        );
    }
    println!();
}

async fn fetch(http: &reqwest::Client, url: &str) -> anyhow::Result<String> {
    Ok(
        super::http::read(http.get(url).send().await, &format!("GET {url}"))
            .await?
            .text,
    )
}

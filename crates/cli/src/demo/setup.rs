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

#[cfg(test)]
mod tests {
    use sim::org::{SampleOrg, UserRole};

    /// The README's sample users table must say what the simulator's sharing really shows.
    #[test]
    fn readme_sample_users_match_the_org() {
        let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"));
        let org = SampleOrg::for_today();
        for user in &org.users {
            let row = readme
                .lines()
                .find(|l| l.starts_with(&format!("| `{}` |", user.username)))
                .unwrap_or_else(|| panic!("{} missing from the README", user.username));
            let team: Vec<&str> = org
                .users
                .iter()
                .filter(|u| u.id == user.id || u.manager_id.as_deref() == Some(user.id.as_str()))
                .map(|u| u.id.as_str())
                .collect();
            let sees = |a: &&sim::org::Account| {
                team.contains(&a.owner_id.as_str())
                    || a.shared_with.iter().any(|s| team.contains(&s.as_str()))
            };
            match user.role {
                UserRole::Integration => assert!(row.contains("everything"), "{row}"),
                UserRole::Manager => {
                    assert_eq!(org.accounts.iter().filter(sees).count(), org.accounts.len());
                    assert!(row.contains("all nine") && org.accounts.len() == 9, "{row}");
                }
                UserRole::Rep => {
                    let visible: Vec<&str> = org
                        .accounts
                        .iter()
                        .filter(sees)
                        .map(|a| a.name.as_str())
                        .collect();
                    if visible.is_empty() {
                        assert!(row.contains("no accounts"), "{row}");
                    }
                    for account in &org.accounts {
                        assert_eq!(
                            row.contains(&account.name),
                            visible.contains(&account.name.as_str()),
                            "{}: {row}",
                            account.name
                        );
                    }
                }
            }
        }
    }
}

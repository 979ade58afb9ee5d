//! Demo step: where the GPT setup kit is. Fetches the setup guide and the Salesforce action
//! document from the running server (so a broken route fails the demo), says where to find
//! them, and lists the sample users to sign in as.

use sim::org::{SampleOrg, UserRole};

/// Fetches `GET /gpt/instructions` and `GET /openapi/salesforce.json` and prints where they are.
pub async fn print_setup(
    http: &reqwest::Client,
    base_url: &str,
    gpt_setup_line: &str,
    gong_package: bool,
) -> anyhow::Result<()> {
    let guide = fetch(http, &format!("{base_url}/gpt/instructions")).await?;
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
    if gong_package {
        let action = fetch(http, &format!("{base_url}/openapi/salesforce.json")).await?;
        println!("                             {base_url}/gpt/instructions?variant=two-action&methodology=spiced");
        println!("                             {gpt_setup_line}   (add --variant two-action, --methodology spiced)");
        println!(
            "  Salesforce action schema   {base_url}/openapi/salesforce.json  ({} characters)",
            action.chars().count()
        );
    } else {
        println!("                             {gpt_setup_line}   (add --methodology spiced)");
        println!("                             (one action only: the two-action setup queries the Gong package's call object, which this org lacks)");
    }
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
        println!("  {:<width$}  {}", user.username, user_line(org, user));
    }
    println!();
}

/// What a sample user sees, in the demo's list: a rep who owns no account says so (he joins
/// calls, and sees only what is shared with him).
fn user_line(org: &SampleOrg, user: &sim::org::User) -> String {
    let owned = org
        .accounts
        .iter()
        .filter(|a| a.owner_id == user.id)
        .count();
    match user.role {
        UserRole::Rep if owned == 0 => {
            format!(
                "{}, {}: owns no accounts, sees those shared with them",
                user.name(),
                user.title
            )
        }
        UserRole::Rep => format!(
            "{}, {}: owns {owned} account{}, sees those and the ones shared with them",
            user.name(),
            user.title,
            if owned == 1 { "" } else { "s" }
        ),
        role => format!(
            "{}, {}: {}",
            user.name(),
            user.title,
            crate::sim::role_name(role)
        ),
    }
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

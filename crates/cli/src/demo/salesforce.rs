//! Demo steps in Salesforce, done over HTTP the way the GPT's Salesforce action does them: sign a
//! sample rep in (password grant, standing in for the OAuth consent screen), find the account with
//! the two-action flow's SOSL, let the "rep" confirm it, then read its newest Gong calls with the
//! two-action flow's SOQL using the configured object and field API names.

use anyhow::Context;

use super::http::read_json;
use serde::Deserialize;
use server::gpt::salesforce_action::{
    account_search_sosl, rest_base_url, QueryResult, SearchResult,
};
use server::gpt::GongFields;

/// The sample rep the demo signs in as.
pub const DEMO_USERNAME: &str = "maya.chen@callbrief-demo.com";
/// What the rep types when asked which company they are meeting.
pub const SEARCH_TERM: &str = "Acme";
/// The account the rep confirms among the matches.
pub const CONFIRMED_ACCOUNT: &str = "Acme Logistics";
/// Calls the two-action flow's query asks for.
const LATEST_CALLS: usize = 2;

/// Where the Salesforce simulator is and which Connected App and API version to use.
pub struct SalesforceTarget<'a> {
    /// Login and instance URL of the simulator.
    pub base_url: &'a str,
    /// REST API version, `vNN.0`.
    pub api_version: &'a str,
    /// Connected App consumer key.
    pub client_id: &'a str,
    /// Connected App consumer secret.
    pub client_secret: &'a str,
}

/// What the Salesforce steps found, for the transcripts step and the curl lines.
pub struct Found {
    /// The confirmed account's name.
    pub account_name: String,
    /// Its Salesforce id.
    pub account_id: String,
    /// Gong call ids of its newest calls, newest first.
    pub call_ids: Vec<String>,
    /// curl lines repeating each request.
    pub curls: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Token {
    access_token: String,
    instance_url: String,
}

/// Runs the three Salesforce steps and prints what each returned.
pub async fn walkthrough(
    http: &reqwest::Client,
    target: &SalesforceTarget<'_>,
    gong: &GongFields,
) -> anyhow::Result<Found> {
    let token_url = format!("{}/services/oauth2/token", target.base_url);
    let form = [
        ("grant_type", "password"),
        ("client_id", target.client_id),
        ("client_secret", target.client_secret),
        ("username", DEMO_USERNAME),
        ("password", sim::salesforce::DEMO_PASSWORD),
    ];
    println!("1. Sign in to Salesforce as {DEMO_USERNAME} (OAuth password grant)");
    let token: Token = read_json(
        http.post(&token_url).form(&form).send().await,
        "the Salesforce token request",
    )
    .await?;
    println!("   -> access token for {}", token.instance_url);
    let rest = rest_base_url(&token.instance_url, target.api_version);

    let sosl = account_search_sosl(&salesforce::escape::sosl_term(SEARCH_TERM));
    println!("2. executeSOSLSearch: {sosl}");
    let search: SearchResult = rest_get(
        http,
        &format!("{rest}/search"),
        &sosl,
        &token.access_token,
        "the SOSL search",
    )
    .await?;
    let mut matches = Vec::new();
    for record in &search.search_records {
        let id = text_field(&record.fields, "Id");
        let name = text_field(&record.fields, "Name");
        println!("   {name} - {id}");
        matches.push((name, id));
    }
    let (account_name, account_id) = matches
        .into_iter()
        .find(|(name, _)| name == CONFIRMED_ACCOUNT)
        .with_context(|| format!("the search did not find {CONFIRMED_ACCOUNT:?}"))?;
    anyhow::ensure!(
        service::ids::is_account_id(&account_id),
        "Salesforce returned an account id that is not an id: {account_id:?}"
    );
    println!("   The rep confirms \"{account_name} - {account_id}\".");

    let soql = server::gpt::latest_calls_soql(gong, &account_id, LATEST_CALLS);
    println!("3. executeSOQLQuery: {soql}");
    let query: QueryResult = rest_get(
        http,
        &format!("{rest}/query"),
        &soql,
        &token.access_token,
        "the SOQL query",
    )
    .await?;
    let mut call_ids = Vec::new();
    for record in &query.records {
        let id = text_field(&record.fields, &gong.call_id);
        println!(
            "   {}  {}  Gong call {id}",
            text_field(&record.fields, &gong.start),
            text_field(&record.fields, &gong.title),
        );
        call_ids.push(id);
    }
    anyhow::ensure!(
        !call_ids.is_empty(),
        "{account_name} has no Gong calls in Salesforce"
    );
    println!();

    let curls = vec![
        format!(
            "curl -s -X POST {token_url} -d grant_type=password -d client_id={} \
             -d client_secret={} -d username={DEMO_USERNAME} -d password={}",
            target.client_id,
            target.client_secret,
            sim::salesforce::DEMO_PASSWORD
        ),
        format!(
            "curl -s -G {rest}/search --data-urlencode '{}' -H 'Authorization: Bearer {}'",
            format_args!("q={sosl}"),
            token.access_token
        ),
        format!(
            "curl -s -G {rest}/query --data-urlencode \"q={soql}\" -H 'Authorization: Bearer {}'",
            token.access_token
        ),
    ];
    Ok(Found {
        account_name,
        account_id,
        call_ids,
        curls,
    })
}

/// `GET url?q=<q>` as the signed-in rep: the shape of both Salesforce action operations.
async fn rest_get<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: &str,
    q: &str,
    access_token: &str,
    what: &str,
) -> anyhow::Result<T> {
    read_json(
        http.get(url)
            .query(&[("q", q)])
            .bearer_auth(access_token)
            .send()
            .await,
        what,
    )
    .await
}

/// A field's value as text: strings as they are, null as `-`, anything else as JSON.
fn text_field(
    fields: &std::collections::BTreeMap<String, serde_json::Value>,
    name: &str,
) -> String {
    match fields.get(name) {
        Some(serde_json::Value::String(s)) => s.clone(),
        None | Some(serde_json::Value::Null) => "-".to_owned(),
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    #[test]
    fn fields_read_as_text() {
        let fields: BTreeMap<String, serde_json::Value> =
            serde_json::from_value(json!({"Name": "Acme", "Owner": null, "Amount": 5})).unwrap();
        assert_eq!(text_field(&fields, "Name"), "Acme");
        assert_eq!(text_field(&fields, "Owner"), "-");
        assert_eq!(text_field(&fields, "Missing"), "-");
        assert_eq!(text_field(&fields, "Amount"), "5");
    }

    #[test]
    fn the_demo_rep_owns_the_confirmed_account() {
        let org = sim::org::SampleOrg::for_today();
        let account = org.account_by_name(CONFIRMED_ACCOUNT).unwrap();
        let owner = org.users.iter().find(|u| u.id == account.owner_id).unwrap();
        assert_eq!(owner.username, DEMO_USERNAME);
        assert!(account.name.contains(SEARCH_TERM));
        assert!(org.calls_for_account(&account.id).nth(1).is_some());
    }
}

//! The JWT bearer flow against the Salesforce simulator: the client signs in as the integration
//! user with a private key (no shared secret), and the simulator checks the assertion with the
//! app's certificate, refusing another key, an expired assertion and another audience.

use std::sync::Arc;
use std::time::Duration;

use salesforce::jwt_bearer::{JwtSigner, PRODUCTION_AUDIENCE};
use salesforce::{Credentials, SalesforceClient, SalesforceConfig, SalesforceError};
use serde::Deserialize;
use sim::clock::ManualClock;
use sim::salesforce::jwt::DEMO_JWT_PRIVATE_KEY_PEM;
use sim::salesforce::{SalesforceSimConfig, DEMO_CLIENT_ID};

const OTHER_KEY: &str = include_str!("data/other_jwt_key.pem");

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Account {
    name: String,
}

fn integration_user(org: &sim::org::SampleOrg) -> String {
    org.users
        .iter()
        .find(|u| u.role == sim::org::UserRole::Integration)
        .expect("an integration user")
        .username
        .clone()
}

async fn client_for(
    sim_config: SalesforceSimConfig,
    key: &str,
    audience: &str,
) -> Result<Vec<Account>, SalesforceError> {
    let org = sim::org::SampleOrg::shared_for_today();
    let username = integration_user(&org);
    let running = sim::salesforce::spawn(org, sim_config)
        .await
        .expect("salesforce sim");
    let credentials = Credentials::JwtBearer {
        client_id: DEMO_CLIENT_ID.into(),
        username,
        audience: audience.into(),
        signer: Arc::new(JwtSigner::from_pem(key).expect("key")),
    };
    let config = SalesforceConfig::new(running.base_url.parse().unwrap(), credentials);
    let client = SalesforceClient::new(config).expect("client");
    client.query::<Account>("SELECT Name FROM Account").await
}

#[tokio::test]
async fn the_integration_user_signs_in_with_its_key_and_reads_every_account() {
    let accounts = client_for(
        SalesforceSimConfig::default(),
        DEMO_JWT_PRIVATE_KEY_PEM,
        PRODUCTION_AUDIENCE,
    )
    .await
    .expect("signed in with the JWT bearer flow");
    let org = sim::org::SampleOrg::shared_for_today();
    assert_eq!(accounts.len(), org.accounts.len(), "{accounts:?}");
    assert!(accounts.iter().all(|a| !a.name.is_empty()));
}

/// The refusal is Salesforce's `invalid_grant`, named in the error.
fn assert_refused(result: Result<Vec<Account>, SalesforceError>, why: &str) {
    let err = result.expect_err("refused");
    let text = err.to_string();
    assert!(text.contains("invalid_grant"), "{text}");
    assert!(text.contains(why), "{text}");
}

#[tokio::test]
async fn another_key_an_expired_assertion_or_another_audience_is_refused() {
    assert_refused(
        client_for(
            SalesforceSimConfig::default(),
            OTHER_KEY,
            PRODUCTION_AUDIENCE,
        )
        .await,
        "invalid assertion",
    );
    assert_refused(
        client_for(
            SalesforceSimConfig::default(),
            DEMO_JWT_PRIVATE_KEY_PEM,
            "https://test.salesforce.com",
        )
        .await,
        "audience",
    );
    // The simulator's clock ten minutes ahead: the three-minute assertion has expired there.
    let clock = ManualClock::new();
    clock.advance(Duration::from_secs(600));
    assert_refused(
        client_for(
            SalesforceSimConfig::default().with_clock(clock),
            DEMO_JWT_PRIVATE_KEY_PEM,
            PRODUCTION_AUDIENCE,
        )
        .await,
        "expired",
    );
}

//! What the service's black-box tests share: the simulators without Gong's limits, and clients
//! of them with the demo credentials.

use std::sync::Arc;

use gong::{GongAuth, GongClient, GongConfig};
use salesforce::{Credentials, SalesforceClient, SalesforceConfig, SecretString};
use sim::gong::{GongSimConfig, RunningSim};
use sim::org::SampleOrg;
use sim::salesforce::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};

/// A Gong simulator over `org` with no rate limit and no daily quota: these tests are about
/// what the service does, not about waiting for Gong.
pub async fn unlimited_gong(org: Arc<SampleOrg>) -> RunningSim {
    let config = GongSimConfig {
        rate_limit_per_sec: None,
        daily_quota: None,
        ..GongSimConfig::default()
    };
    sim::gong::spawn(org, config).await.unwrap()
}

/// A Gong client of the simulator at `base`, without a limiter of its own.
pub fn gong_client(base: &str) -> GongClient {
    let mut config = GongConfig::new(
        base,
        GongAuth::Basic {
            access_key: "demo-access-key".into(),
            access_key_secret: SecretString::from("demo-access-key-secret"),
        },
    )
    .unwrap();
    config.requests_per_second = 0;
    GongClient::new(config).unwrap()
}

/// A Salesforce client of the simulator at `base`, with the demo integration user.
pub fn salesforce_client(base: &str) -> SalesforceClient {
    SalesforceClient::new(SalesforceConfig::new(
        url::Url::parse(base).unwrap(),
        Credentials::ClientCredentials {
            client_id: DEMO_CLIENT_ID.into(),
            client_secret: SecretString::from(DEMO_CLIENT_SECRET),
        },
    ))
    .unwrap()
}

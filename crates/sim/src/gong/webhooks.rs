//! The webhooks an automation rule with the "Fire webhook" action sends: when Gong has
//! processed a call, a `POST` of `{"callData": <the call>, "isTest": false}` to the rule's URL,
//! with a JWT in `Authorization` signed (RS256) by the rule's private key, binding the token
//! to that URL (`webhook_url`) and body (`body_sha256`, hex) until `exp`. The claims follow
//! what integrators describe (Gong documents the payload and the signature, not the claims).
//!
//! [`spawn_sender`] sends the rule editor's test delivery (`isTest: true`) at start, then, when
//! asked, "processes" a new call every so often: a generated call that appears in Gong (its
//! transcript and details answer like any other) and fires its webhook.

use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde_json::json;
use sha2::{Digest as _, Sha256};

use super::render;
use super::wire::ContentSelector;
use crate::org::{generated_call_id, SampleOrg};

/// How long a webhook's token is valid: a few minutes, enough for a slow delivery.
pub const TOKEN_LIFETIME_SECS: u64 = 300;
/// Number of the first generated call the sender "processes": clear of the calls other
/// features make up, so a new call is new to every cache.
const FIRST_NEW_CALL: u64 = 900_000;

/// Where and how the simulator sends webhooks.
#[derive(Debug, Clone)]
pub struct WebhookSender {
    /// The rule's URL (callbrief's `<CALLBRIEF_PUBLIC_URL>/webhooks/gong`).
    pub url: String,
    /// The rule's signing key, a PKCS#8 `PRIVATE KEY` PEM block.
    pub private_key_pem: String,
    /// Every how long a new call is processed; `None` sends only the test delivery.
    pub new_call_every: Option<Duration>,
}

/// A signing key from a PKCS#8 `PRIVATE KEY` PEM block.
pub fn signing_key(pem: &str) -> Result<ring::signature::RsaKeyPair, String> {
    let begin = "-----BEGIN PRIVATE KEY-----";
    let start = pem.find(begin).ok_or("no PKCS#8 PRIVATE KEY block")? + begin.len();
    let stop = start
        + pem[start..]
            .find("-----END PRIVATE KEY-----")
            .ok_or("the PRIVATE KEY block is incomplete")?;
    let body: String = pem[start..stop]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let der = STANDARD
        .decode(body)
        .map_err(|_| "the PRIVATE KEY block is not base64")?;
    ring::signature::RsaKeyPair::from_pkcs8(&der).map_err(|_| "not an RSA private key".to_owned())
}

/// The token of one delivery of `body` to `url`, issued at `now` (Unix seconds), valid
/// `lifetime` seconds.
pub fn sign(
    key: &ring::signature::RsaKeyPair,
    url: &str,
    body: &[u8],
    now: u64,
    lifetime: u64,
) -> Result<String, String> {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
    let digest: String = Sha256::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let claims = json!({
        "webhook_url": url,
        "body_sha256": digest,
        "iat": now,
        "exp": now + lifetime,
    });
    let input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims.to_string()));
    let mut signature = vec![0u8; key.public().modulus_len()];
    key.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        input.as_bytes(),
        &mut signature,
    )
    .map_err(|_| "the webhook could not be signed".to_owned())?;
    Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

/// The body of the webhook of the call `id` (a generated call), as a rule sends it.
pub fn call_processed(org: &SampleOrg, id: &str) -> Option<Vec<u8>> {
    let call = org.generated_call(id)?;
    let selector: ContentSelector = serde_json::from_value(json!({
        "exposedFields": {"parties": true, "content": {"brief": true, "keyPoints": true, "topics": true}}
    }))
    .ok()?;
    serde_json::to_vec(&json!({
        "callData": render::extensive(&call, org, &selector),
        "isTest": false,
    }))
    .ok()
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Sends the test delivery, then (when asked) one webhook per newly processed call, until the
/// task is dropped. A delivery that fails is logged and not sent again, as Gong documents no
/// retries.
pub fn spawn_sender(
    org: Arc<SampleOrg>,
    sender: WebhookSender,
) -> Result<tokio::task::JoinHandle<()>, String> {
    let key = signing_key(&sender.private_key_pem)?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| format!("cannot build the webhook client: {e}"))?;
    Ok(tokio::spawn(async move {
        let deliver = |body: Vec<u8>, what: String| {
            let token = sign(&key, &sender.url, &body, unix_now(), TOKEN_LIFETIME_SECS);
            let http = http.clone();
            let url = sender.url.clone();
            async move {
                let Ok(token) = token else {
                    tracing::warn!(what, "webhook not signed");
                    return;
                };
                match http
                    .post(&url)
                    .header("authorization", format!("Bearer {token}"))
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                {
                    Ok(answer) => {
                        tracing::info!(what, status = answer.status().as_u16(), "webhook sent")
                    }
                    Err(error) => tracing::warn!(what, %error, "webhook not delivered"),
                }
            }
        };
        let test = json!({"callData": {"metaData": {"id": generated_call_id(FIRST_NEW_CALL)}}, "isTest": true});
        deliver(test.to_string().into_bytes(), "test".into()).await;
        let Some(every) = sender.new_call_every else {
            return;
        };
        let mut tick = tokio::time::interval(every.max(Duration::from_millis(10)));
        tick.tick().await;
        for n in FIRST_NEW_CALL.. {
            tick.tick().await;
            let id = generated_call_id(n);
            if let Some(body) = call_processed(&org, &id) {
                deliver(body, format!("call {id}")).await;
            }
        }
    }))
}

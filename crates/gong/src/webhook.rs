//! Gong's "call processed" webhook, as an automation rule's "Fire webhook" action sends it:
//! a `POST` of `{"callData": <the call, shaped as the API's call object>, "isTest": bool}`,
//! authenticated by a JWT the rule signs with Gong's private key and the rule editor shows the
//! public key of.
//!
//! Gong documents the payload and that the JWT is checked against the rule's public key; the
//! rest is assumed here, from what integrators describe, and each assumption fails closed:
//! - the JWT comes in the `Authorization` header, with or without a `Bearer ` prefix;
//! - it is RS256 (any other `alg`, `none` included, is refused);
//! - its claims bind it to this delivery: `webhook_url`, the URL the rule posts to (compared
//!   without a trailing slash), and `body_sha256`, the hex SHA-256 of the exact body bytes;
//! - `exp` (Unix seconds) is required and must not have passed, with [`CLOCK_SKEW`] of grace;
//!   a token valid for more than [`MAX_LIFETIME`] past now is refused, so a leaked one is
//!   short-lived;
//! - the public key is a PEM `PUBLIC KEY` (SubjectPublicKeyInfo) block, or its base64 body.
//!
//! Verification is pure (the caller passes the time), so every refusal is unit-tested against
//! deliveries the Gong simulator signs.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use crate::wire::{CallId, ExtensiveCall};

/// Grace given to `exp` for clocks that disagree.
pub const CLOCK_SKEW: u64 = 60;
/// Longest a token may still be valid when it arrives.
pub const MAX_LIFETIME: u64 = 60 * 60;

/// The public key a rule's webhooks are checked with.
#[derive(Clone)]
pub struct WebhookKey {
    spki: Vec<u8>,
}

impl std::fmt::Debug for WebhookKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookKey(..)")
    }
}

impl WebhookKey {
    /// The key in `text`: a PEM `PUBLIC KEY` block, or the base64 inside one.
    pub fn parse(text: &str) -> Result<Self, String> {
        let body: String = match (
            text.find("-----BEGIN PUBLIC KEY-----"),
            text.find("-----END PUBLIC KEY-----"),
        ) {
            (Some(start), Some(end)) if start < end => text
                [start + "-----BEGIN PUBLIC KEY-----".len()..end]
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect(),
            (None, None) => text.chars().filter(|c| !c.is_whitespace()).collect(),
            _ => return Err("the webhook public key's PEM block is incomplete".into()),
        };
        let spki = STANDARD
            .decode(body)
            .map_err(|_| "the webhook public key is not base64 or PEM".to_owned())?;
        let der = rustls_pki_types::SubjectPublicKeyInfoDer::from(spki.as_slice());
        webpki::RawPublicKeyEntity::try_from(&der)
            .map_err(|_| "the webhook public key is not a public key (SubjectPublicKeyInfo)")?;
        Ok(Self { spki })
    }
}

/// A verified delivery.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// The rule editor's test: nothing to do.
    Test,
    /// A call Gong processed.
    Call {
        /// Its id.
        id: CallId,
        /// When the token stops being valid (Unix seconds): how long a replay of it must be
        /// remembered.
        expires: u64,
    },
}

/// Why a delivery was refused: a sentence for the 401 body, naming the check, never echoing
/// the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub &'static str);

#[derive(Deserialize)]
struct Header {
    alg: String,
}

#[derive(Deserialize)]
struct Claims {
    webhook_url: Option<String>,
    body_sha256: Option<String>,
    exp: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload {
    #[serde(default)]
    is_test: bool,
    call_data: Option<ExtensiveCall>,
}

/// Checks one delivery: the `Authorization` header's token against `key`, this endpoint's
/// public `url` and the exact `body`, at `now` (Unix seconds), then reads the body.
pub fn verify(
    key: &WebhookKey,
    authorization: Option<&str>,
    url: &str,
    body: &[u8],
    now: u64,
) -> Result<Delivery, Refused> {
    let token = authorization
        .map(str::trim)
        .map(|t| t.strip_prefix("Bearer ").unwrap_or(t).trim())
        .filter(|t| !t.is_empty())
        .ok_or(Refused(
            "no signed JWT in the Authorization header: set the rule to sign its webhooks",
        ))?;
    let mut parts = token.split('.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Refused("the Authorization header is not a JWT"));
    };
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).ok();
    let header: Header = decode(header)
        .and_then(|h| serde_json::from_slice(&h).ok())
        .ok_or(Refused("the JWT's header is unreadable"))?;
    if header.alg != "RS256" {
        return Err(Refused("the JWT is not signed with RS256"));
    }
    let signature = decode(signature).ok_or(Refused("the JWT's signature is unreadable"))?;
    let signed = &token[..token.len() - token.rsplit('.').next().map_or(0, str::len) - 1];
    let der = rustls_pki_types::SubjectPublicKeyInfoDer::from(key.spki.as_slice());
    let entity = webpki::RawPublicKeyEntity::try_from(&der)
        .map_err(|_| Refused("the webhook public key is unusable"))?;
    entity
        .verify_signature(
            webpki::ring::RSA_PKCS1_2048_8192_SHA256,
            signed.as_bytes(),
            &signature,
        )
        .map_err(|_| Refused("the JWT's signature does not match GONG_WEBHOOK_PUBLIC_KEY"))?;
    let claims: Claims = decode(claims)
        .and_then(|c| serde_json::from_slice(&c).ok())
        .ok_or(Refused("the JWT's claims are unreadable"))?;
    let expires = claims.exp.ok_or(Refused("the JWT has no expiry (exp)"))?;
    if expires.saturating_add(CLOCK_SKEW) <= now {
        return Err(Refused("the JWT has expired"));
    }
    if expires > now.saturating_add(MAX_LIFETIME + CLOCK_SKEW) {
        return Err(Refused("the JWT is valid for too long (more than an hour)"));
    }
    let claimed_url = claims
        .webhook_url
        .ok_or(Refused("the JWT names no webhook_url"))?;
    if claimed_url.trim_end_matches('/') != url.trim_end_matches('/') {
        return Err(Refused("the JWT was issued for another webhook URL"));
    }
    let claimed_digest = claims
        .body_sha256
        .ok_or(Refused("the JWT carries no body_sha256"))?;
    let digest: String = Sha256::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if !claimed_digest.eq_ignore_ascii_case(&digest) {
        return Err(Refused("the body is not the one the JWT was signed for"));
    }
    let payload: Payload = serde_json::from_slice(body)
        .map_err(|_| Refused("the body is not a Gong webhook (callData, isTest)"))?;
    if payload.is_test {
        return Ok(Delivery::Test);
    }
    let call = payload
        .call_data
        .ok_or(Refused("the body has no callData"))?;
    let id = CallId::parse("callData.metaData.id", &call.meta_data.id)
        .map_err(|_| Refused("callData.metaData.id is not a Gong call id"))?;
    Ok(Delivery::Call { id, expires })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::gong::webhooks::{sign, signing_key};
    use sim::gong::{
        DEMO_WEBHOOK_PRIVATE_KEY_PEM as PRIVATE, DEMO_WEBHOOK_PUBLIC_KEY_PEM as PUBLIC,
    };
    const URL: &str = "https://callbrief.example.com/webhooks/gong";
    const NOW: u64 = 1_800_000_000;

    fn body(id: &str, test: bool) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "callData": {"metaData": {"id": id, "title": "Discovery"}, "parties": [], "unknown": 1},
            "isTest": test
        }))
        .unwrap()
    }

    fn signed(body: &[u8], url: &str, now: u64, lifetime: u64) -> String {
        let key = signing_key(PRIVATE).unwrap();
        format!("Bearer {}", sign(&key, url, body, now, lifetime).unwrap())
    }

    fn check(auth: Option<&str>, body: &[u8], now: u64) -> Result<Delivery, Refused> {
        verify(&WebhookKey::parse(PUBLIC).unwrap(), auth, URL, body, now)
    }

    #[test]
    fn a_signed_delivery_names_its_call_and_a_test_asks_nothing() {
        let b = body("7782342274025937895", false);
        let auth = signed(&b, URL, NOW, 300);
        assert_eq!(
            check(Some(&auth), &b, NOW),
            Ok(Delivery::Call {
                id: CallId::parse("id", "7782342274025937895").unwrap(),
                expires: NOW + 300
            })
        );
        // Without "Bearer ", and with a trailing slash on the claimed URL.
        let raw = auth.trim_start_matches("Bearer ");
        assert!(check(Some(raw), &b, NOW).is_ok());
        let slash = signed(&b, &format!("{URL}/"), NOW, 300);
        assert!(check(Some(&slash), &b, NOW).is_ok());
        let t = body("1", true);
        assert_eq!(
            check(Some(&signed(&t, URL, NOW, 300)), &t, NOW),
            Ok(Delivery::Test)
        );
    }

    #[test]
    fn every_broken_binding_is_refused_with_its_reason() {
        let b = body("7782342274025937895", false);
        let auth = signed(&b, URL, NOW, 300);
        let reason = |r: Result<Delivery, Refused>| r.unwrap_err().0;
        assert!(reason(check(None, &b, NOW)).contains("no signed JWT"));
        assert!(reason(check(Some("Bearer abc"), &b, NOW)).contains("not a JWT"));
        // Another body under the same token.
        let other = body("1111111111111111111", false);
        assert!(reason(check(Some(&auth), &other, NOW)).contains("not the one"));
        // Another URL.
        let elsewhere = signed(&b, "https://attacker.example/webhooks/gong", NOW, 300);
        assert!(reason(check(Some(&elsewhere), &b, NOW)).contains("another webhook URL"));
        // Expired, and too long-lived.
        assert!(reason(check(Some(&auth), &b, NOW + 300 + CLOCK_SKEW)).contains("expired"));
        let long = signed(&b, URL, NOW, 2 * MAX_LIFETIME);
        assert!(reason(check(Some(&long), &b, NOW)).contains("too long"));
        // A flipped signature byte.
        let mut bytes = auth.into_bytes();
        let last = bytes.len() - 2;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert!(reason(check(Some(&tampered), &b, NOW)).contains("signature"));
        // alg none, and HS256 with the public key as the secret.
        for alg in ["none", "HS256"] {
            let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"{alg}"}}"#));
            let forged = format!("{header}.e30.c2ln");
            assert!(reason(check(Some(&forged), &b, NOW)).contains("RS256"));
        }
        // Signed by another key.
        let other_key = signing_key(sim::salesforce::jwt::DEMO_JWT_PRIVATE_KEY_PEM).unwrap();
        let foreign = sign(&other_key, URL, &b, NOW, 300).unwrap();
        assert!(reason(check(Some(&foreign), &b, NOW)).contains("GONG_WEBHOOK_PUBLIC_KEY"));
        // Signed, but not a webhook body, or not a call id.
        let junk = b"{\"hello\":1}".to_vec();
        assert!(
            reason(check(Some(&signed(&junk, URL, NOW, 300)), &junk, NOW)).contains("callData")
        );
        let bad = body("12; DROP", false);
        assert!(reason(check(Some(&signed(&bad, URL, NOW, 300)), &bad, NOW)).contains("call id"));
    }

    #[test]
    fn keys_are_read_as_pem_or_bare_base64_and_anything_else_is_refused() {
        let bare: String = PUBLIC.lines().filter(|l| !l.starts_with("-----")).collect();
        assert!(WebhookKey::parse(&bare).is_ok());
        assert!(WebhookKey::parse("-----BEGIN PUBLIC KEY-----\nAAAA").is_err());
        assert!(WebhookKey::parse("not a key").is_err());
        assert!(WebhookKey::parse(&STANDARD.encode(b"not der")).is_err());
    }
}

//! The JWT bearer grant (RFC 7523) as Salesforce checks it: an RS256 assertion whose signature
//! the certificate uploaded to the app verifies, issued by the app's consumer key, for the
//! login server's audience, not expired (and at most a few minutes ahead), naming an active
//! user as its subject. Salesforce answers a bad assertion with `invalid_grant`; the
//! descriptions below follow the ones it is reported to send (UNCONFIRMED in their wording).

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde::Deserialize;

/// The grant type of the flow.
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// The demo app's certificate (self-signed; its key is [`DEMO_JWT_PRIVATE_KEY_PEM`]).
pub const DEMO_JWT_CERTIFICATE_PEM: &str = include_str!("demo_jwt_cert.pem");
/// The demo integration key (PKCS#8 PEM) whose certificate the simulator holds: a sample
/// secret like `demo-password`, never a real one.
pub const DEMO_JWT_PRIVATE_KEY_PEM: &str = include_str!("demo_jwt_key.pem");
/// The audience production orgs check.
pub const DEFAULT_JWT_AUDIENCE: &str = "https://login.salesforce.com";
/// Longest an assertion may still be valid for: Salesforce wants `exp` within three minutes.
const MAX_LIFETIME_SECS: i64 = 5 * 60;

#[derive(Deserialize)]
struct Header {
    alg: String,
}

#[derive(Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    aud: serde_json::Value,
    exp: i64,
}

/// A verified assertion's subject (a username).
pub struct Subject(pub String);

/// Why an assertion was refused, as Salesforce's `error_description`.
pub type Refusal = &'static str;

/// The DER of the first `CERTIFICATE` block of `pem`.
pub fn certificate_der(pem: &str) -> Option<Vec<u8>> {
    let begin = "-----BEGIN CERTIFICATE-----";
    let start = pem.find(begin)? + begin.len();
    let stop = start + pem[start..].find("-----END CERTIFICATE-----")?;
    let body: String = pem[start..stop]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    STANDARD.decode(body).ok()
}

/// Checks `assertion` for the app `client_id` with `certificate` (DER) and `audience`, at `now`
/// (Unix seconds).
pub fn verify(
    assertion: &str,
    client_id: &str,
    certificate: &[u8],
    audience: &str,
    now: i64,
) -> Result<Subject, Refusal> {
    let mut parts = assertion.split('.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("invalid assertion");
    };
    let decode = |part: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| "invalid assertion")
    };
    let header: Header =
        serde_json::from_slice(&decode(header)?).map_err(|_| "invalid assertion")?;
    if header.alg != "RS256" {
        return Err("invalid assertion");
    }
    let signature = decode(signature)?;
    let signing_input = &assertion[..assertion.len() - parts_len(assertion) - 1];
    let der = rustls_pki_types::CertificateDer::from(certificate);
    let cert = webpki::EndEntityCert::try_from(&der).map_err(|_| "invalid assertion")?;
    cert.verify_signature(
        webpki::ring::RSA_PKCS1_2048_8192_SHA256,
        signing_input.as_bytes(),
        &signature,
    )
    .map_err(|_| "invalid assertion")?;
    let claims: Claims =
        serde_json::from_slice(&decode(claims)?).map_err(|_| "invalid assertion")?;
    if claims.iss != client_id {
        return Err("invalid client credentials");
    }
    let audience_ok = match &claims.aud {
        serde_json::Value::String(a) => a.trim_end_matches('/') == audience,
        serde_json::Value::Array(list) => list
            .iter()
            .any(|a| a.as_str().map(|a| a.trim_end_matches('/')) == Some(audience)),
        _ => false,
    };
    if !audience_ok {
        return Err("audience is invalid");
    }
    if claims.exp <= now {
        return Err("expired authorization code");
    }
    if claims.exp > now + MAX_LIFETIME_SECS {
        return Err("invalid assertion");
    }
    Ok(Subject(claims.sub))
}

/// Length of the last dot-separated part of `jwt`.
fn parts_len(jwt: &str) -> usize {
    jwt.rsplit('.').next().map_or(0, str::len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_certificate_parses() {
        let der = certificate_der(DEMO_JWT_CERTIFICATE_PEM).unwrap();
        let der = rustls_pki_types::CertificateDer::from(der.as_slice());
        assert!(webpki::EndEntityCert::try_from(&der).is_ok());
    }

    #[test]
    fn malformed_assertions_are_refused() {
        let der = certificate_der(DEMO_JWT_CERTIFICATE_PEM).unwrap();
        for bad in ["", "a.b", "a.b.c.d", "e30.e30.AAAA", "!!.!!.!!"] {
            assert_eq!(
                verify(bad, "k", &der, DEFAULT_JWT_AUDIENCE, 0).err(),
                Some("invalid assertion"),
                "{bad}"
            );
        }
    }
}

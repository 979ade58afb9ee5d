//! The OAuth 2.0 JWT bearer flow (RFC 7523) as Salesforce runs it: service credentials without a
//! shared secret. callbrief signs a short assertion (issuer: the app's consumer key; subject: the
//! integration user's username; audience: the login server) with a private key whose
//! certificate is uploaded to the External Client App, and trades it for an access token.
//!
//! RSA signing comes from `ring`, already in the tree through rustls.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};

use crate::error::SalesforceError;

/// The grant type of the flow.
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// How long an assertion is valid: Salesforce takes at most three minutes.
pub const ASSERTION_LIFETIME_SECS: u64 = 180;
/// The audience of production orgs' assertions.
pub const PRODUCTION_AUDIENCE: &str = "https://login.salesforce.com";
/// The audience of sandboxes' assertions.
pub const SANDBOX_AUDIENCE: &str = "https://test.salesforce.com";

/// A private key that signs assertions (RS256).
pub struct JwtSigner {
    key: RsaKeyPair,
}

impl std::fmt::Debug for JwtSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtSigner(..)")
    }
}

/// The DER inside the first PEM block labelled `label` in `pem`.
pub fn pem_block(pem: &str, label: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = pem.find(&begin)? + begin.len();
    let stop = start + pem[start..].find(&end)?;
    let body: String = pem[start..stop]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    STANDARD.decode(body).ok()
}

impl JwtSigner {
    /// The key in `pem`, a PKCS#8 `PRIVATE KEY` block (what `openssl genpkey` writes). The error
    /// never quotes the key.
    pub fn from_pem(pem: &str) -> Result<Self, SalesforceError> {
        let der = pem_block(pem, "PRIVATE KEY").ok_or_else(|| {
            SalesforceError::Config(
                "the JWT key file holds no PKCS#8 `PRIVATE KEY` block (convert an RSA key with \
                 `openssl pkcs8 -topk8 -nocrypt -in key.pem -out key8.pem`)"
                    .into(),
            )
        })?;
        let key = RsaKeyPair::from_pkcs8(&der).map_err(|_| {
            SalesforceError::Config("the JWT key file's key is not a usable RSA key".into())
        })?;
        Ok(Self { key })
    }

    /// A signed assertion that `username` acts through the app `client_id`, for `audience`,
    /// valid [`ASSERTION_LIFETIME_SECS`] from `now` (Unix seconds).
    pub fn assertion(
        &self,
        client_id: &str,
        username: &str,
        audience: &str,
        now: u64,
    ) -> Result<String, SalesforceError> {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256"}"#);
        let claims = serde_json::json!({
            "iss": client_id,
            "sub": username,
            "aud": audience,
            "exp": now + ASSERTION_LIFETIME_SECS,
        });
        let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signing_input = format!("{header}.{claims}");
        let mut signature = vec![0u8; self.key.public().modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &ring::rand::SystemRandom::new(),
                signing_input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| SalesforceError::Config("the JWT assertion could not be signed".into()))?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        ))
    }
}

/// The audience for a login URL: sandboxes' (`test.salesforce.com`, `*.sandbox.my.salesforce.com`)
/// or production's.
pub fn default_audience(login_url: &str) -> &'static str {
    let host = url::Url::parse(login_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_default();
    if host == "test.salesforce.com" || host.ends_with(".sandbox.my.salesforce.com") {
        SANDBOX_AUDIENCE
    } else {
        PRODUCTION_AUDIENCE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = include_str!("../../sim/src/salesforce/demo_jwt_key.pem");

    #[test]
    fn assertions_carry_the_claims_salesforce_reads_and_a_signature() {
        let signer = JwtSigner::from_pem(KEY).unwrap();
        let jwt = signer
            .assertion("key", "integration@example.com", PRODUCTION_AUDIENCE, 1_000)
            .unwrap();
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["iss"], "key");
        assert_eq!(claims["sub"], "integration@example.com");
        assert_eq!(claims["aud"], PRODUCTION_AUDIENCE);
        assert_eq!(claims["exp"], 1_180);
        assert_eq!(URL_SAFE_NO_PAD.decode(parts[2]).unwrap().len(), 256);
    }

    #[test]
    fn keys_that_are_not_pkcs8_rsa_are_refused_without_quoting_them() {
        for bad in [
            "",
            "not a key",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
        ] {
            let err = JwtSigner::from_pem(bad).unwrap_err().to_string();
            assert!(err.contains("JWT key file"), "{err}");
            assert!(!err.contains("AAAA"));
        }
    }

    #[test]
    fn sandboxes_have_their_own_audience() {
        assert_eq!(
            default_audience("https://acme.my.salesforce.com"),
            PRODUCTION_AUDIENCE
        );
        assert_eq!(
            default_audience("https://test.salesforce.com"),
            SANDBOX_AUDIENCE
        );
        assert_eq!(
            default_audience("https://acme--uat.sandbox.my.salesforce.com"),
            SANDBOX_AUDIENCE
        );
    }
}

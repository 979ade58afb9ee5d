//! OAuth clients: who may ask for a sign-in, and where the answer may go.
//!
//! A registered client (by Dynamic Client Registration at `/oauth/register`, or by an admin
//! with `callbrief oauth-client create`) is not stored anywhere: its id carries its metadata
//! (name, redirect URIs, how it authenticates), signed with a key derived from
//! `CALLBRIEF_CACHE_KEY`, and its secret is derived from its id with that key. Any replica can
//! check any client without shared state, a flood of registrations fills no table, and the CLI
//! can create a client while the server runs. The price: one client cannot be withdrawn alone
//! (rotating the key withdraws all of them).
//!
//! Client ID Metadata Documents (an HTTPS URL as the client id) are read by [`super::cimd`].

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac as _};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use subtle::ConstantTimeEq as _;
use url::Url;

/// Prefix of the ids this server signs (a version, so the format can change).
const ID_PREFIX: &str = "cb1.";
/// Largest registration request body accepted, in bytes.
pub const MAX_REGISTRATION_BYTES: usize = 8 * 1024;
/// Most redirect URIs one client may register.
pub const MAX_REDIRECT_URIS: usize = 5;
/// Longest redirect URI accepted, in characters.
pub const MAX_REDIRECT_URI_CHARS: usize = 512;
/// Longest client name accepted, in characters.
pub const MAX_CLIENT_NAME_CHARS: usize = 128;

/// How a client proves itself at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// A public client (a desktop or browser app): PKCE is its only proof.
    None,
    /// The secret in the form body.
    ClientSecretPost,
    /// The secret as HTTP Basic.
    ClientSecretBasic,
}

impl AuthMethod {
    /// RFC 7591's name of the method.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::None => "none",
            AuthMethod::ClientSecretPost => "client_secret_post",
            AuthMethod::ClientSecretBasic => "client_secret_basic",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        match raw {
            "none" => Some(AuthMethod::None),
            "client_secret_post" => Some(AuthMethod::ClientSecretPost),
            "client_secret_basic" => Some(AuthMethod::ClientSecretBasic),
            _ => None,
        }
    }
}

/// What the server knows of a client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientMetadata {
    /// Shown to people and in logs.
    #[serde(rename = "n")]
    pub name: String,
    /// Where authorization answers may be sent: exact strings, compared exactly.
    #[serde(rename = "r")]
    pub redirect_uris: Vec<String>,
    /// How it authenticates at the token endpoint.
    #[serde(rename = "m")]
    pub auth_method: AuthMethod,
    /// Random per registration, so two registrations with the same metadata are two clients
    /// (one's codes and secret are not the other's).
    #[serde(rename = "k", default)]
    pub salt: String,
    /// Whether the client may leave PKCE out: only ever set by an admin, for a confidential
    /// client whose front end cannot send a code challenge (ChatGPT's GPT actions are reported
    /// not to); its code is still bound to its exact redirect URI and redeemable only with its
    /// secret.
    #[serde(rename = "p", default, skip_serializing_if = "std::ops::Not::not")]
    pub pkce_optional: bool,
    /// Whether an admin created it (`callbrief oauth-client create`): its name and redirect
    /// URIs were vouched for, unlike a self-registered client's.
    #[serde(rename = "a", default, skip_serializing_if = "std::ops::Not::not")]
    pub admin: bool,
}

impl ClientMetadata {
    /// Whether the client has a secret to present.
    pub fn is_confidential(&self) -> bool {
        self.auth_method != AuthMethod::None
    }
}

/// Why a registration was refused: RFC 7591 §3.2.2's error code and a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationError {
    /// `invalid_redirect_uri` or `invalid_client_metadata`.
    pub error: &'static str,
    /// What was wrong.
    pub description: String,
}

fn invalid(description: impl Into<String>) -> RegistrationError {
    RegistrationError {
        error: "invalid_client_metadata",
        description: description.into(),
    }
}

fn invalid_redirect(description: impl Into<String>) -> RegistrationError {
    RegistrationError {
        error: "invalid_redirect_uri",
        description: description.into(),
    }
}

/// A redirect URI a client may register: absolute, no fragment, at most
/// [`MAX_REDIRECT_URI_CHARS`], HTTPS, or plain HTTP only to this machine (native apps listen on
/// loopback, RFC 8252 §7.3).
pub fn check_redirect_uri(raw: &str) -> Result<(), RegistrationError> {
    if raw.chars().count() > MAX_REDIRECT_URI_CHARS {
        return Err(invalid_redirect(format!(
            "a redirect URI may have at most {MAX_REDIRECT_URI_CHARS} characters"
        )));
    }
    let url = Url::parse(raw).map_err(|_| invalid_redirect("a redirect URI is not a URL"))?;
    if url.fragment().is_some() {
        return Err(invalid_redirect("a redirect URI may not have a fragment"));
    }
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match url.scheme() {
        "https" if url.host_str().is_some() => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(invalid_redirect(
            "a redirect URI must be https, or http on localhost",
        )),
    }
}

/// The registration request fields read (RFC 7591 §2); others are ignored.
#[derive(Deserialize)]
struct RegistrationRequest {
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    client_name: Option<String>,
    #[serde(default)]
    token_endpoint_auth_method: Option<String>,
    #[serde(default)]
    grant_types: Option<Vec<String>>,
    #[serde(default)]
    response_types: Option<Vec<String>>,
}

/// Reads and checks a registration request body (already limited to
/// [`MAX_REGISTRATION_BYTES`]).
pub fn parse_registration(body: &[u8]) -> Result<ClientMetadata, RegistrationError> {
    let request: RegistrationRequest = serde_json::from_slice(body)
        .map_err(|_| invalid("the body must be a JSON object of client metadata"))?;
    metadata_from(request)
}

fn metadata_from(request: RegistrationRequest) -> Result<ClientMetadata, RegistrationError> {
    if request.redirect_uris.is_empty() {
        return Err(invalid_redirect("redirect_uris is required"));
    }
    if request.redirect_uris.len() > MAX_REDIRECT_URIS {
        return Err(invalid_redirect(format!(
            "at most {MAX_REDIRECT_URIS} redirect URIs"
        )));
    }
    for uri in &request.redirect_uris {
        check_redirect_uri(uri)?;
    }
    let name = request
        .client_name
        .unwrap_or_else(|| "unnamed client".to_owned());
    check_client_name(&name)?;
    let auth_method = match request.token_endpoint_auth_method.as_deref() {
        None => AuthMethod::ClientSecretBasic,
        Some(raw) => AuthMethod::parse(raw).ok_or_else(|| {
            invalid("token_endpoint_auth_method must be none, client_secret_post or client_secret_basic")
        })?,
    };
    let grants_ok = request.grant_types.as_ref().is_none_or(|g| {
        g.iter()
            .all(|g| g == "authorization_code" || g == "refresh_token")
    });
    if !grants_ok {
        return Err(invalid(
            "grant_types may only hold authorization_code and refresh_token",
        ));
    }
    if !request
        .response_types
        .as_ref()
        .is_none_or(|r| r.iter().all(|r| r == "code"))
    {
        return Err(invalid("response_types may only hold code"));
    }
    Ok(ClientMetadata {
        name,
        redirect_uris: request.redirect_uris,
        auth_method,
        salt: String::new(),
        pkce_optional: false,
        admin: false,
    })
}

/// Whether `c` is a Unicode format character (general category Cf) or a bidirectional mark:
/// invisible, and able to reorder what a consent page or a log line shows
/// ("Trusted\u{202e}ppA" reads as "TrustedAppp" backwards).
pub fn is_format(c: char) -> bool {
    matches!(c,
        '\u{00ad}' | '\u{061c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}'
        | '\u{110bd}' | '\u{1d173}'..='\u{1d17a}' | '\u{e0001}' | '\u{e0020}'..='\u{e007f}')
}

/// A client name people may be shown: at most [`MAX_CLIENT_NAME_CHARS`], no control or format
/// characters.
pub fn check_client_name(name: &str) -> Result<(), RegistrationError> {
    if name.chars().count() > MAX_CLIENT_NAME_CHARS
        || name.trim().is_empty()
        || name.chars().any(|c| c.is_control() || is_format(c))
    {
        return Err(invalid(format!(
            "client_name must be 1 to {MAX_CLIENT_NAME_CHARS} printable characters, without control, bidirectional or other invisible formatting characters"
        )));
    }
    Ok(())
}

/// HMAC-SHA-256 (RFC 2104) of `message` under `key`.
fn hmac(key: &[u8; 32], message: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Signs and checks client ids and secrets with one key.
#[derive(Clone)]
pub struct ClientRegistry {
    key: [u8; 32],
    /// Keys of earlier cache keys (`CALLBRIEF_CACHE_PREVIOUS_KEYS`): ids and secrets they
    /// signed still pass until the key is removed; nothing new is signed with them.
    previous: Vec<[u8; 32]>,
}

impl std::fmt::Debug for ClientRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientRegistry(..)")
    }
}

/// What a new client is told: its id, and its secret when it has one.
#[derive(Debug, Clone)]
pub struct IssuedClient {
    /// The client id.
    pub client_id: String,
    /// The client secret (confidential clients only).
    pub client_secret: Option<String>,
}

impl ClientRegistry {
    /// A registry signing with `key` (see [`store::CacheKey::derive`]).
    pub fn new(key: [u8; 32]) -> Self {
        Self {
            key,
            previous: Vec::new(),
        }
    }

    /// This registry also accepting what `previous` cache keys signed.
    pub fn with_previous(mut self, previous: &[store::CacheKey]) -> Self {
        self.previous = previous.iter().map(|k| k.derive("oauth-clients")).collect();
        self
    }

    /// The signing key first, then the earlier ones.
    fn keys(&self) -> impl Iterator<Item = &[u8; 32]> {
        std::iter::once(&self.key).chain(&self.previous)
    }

    /// The registry of `cache_key`, or of a random key (clients then last as long as the process).
    pub fn for_cache_key(cache_key: Option<&store::CacheKey>) -> Self {
        match cache_key {
            Some(key) => Self::new(key.derive("oauth-clients")),
            None => {
                let mut key = [0u8; 32];
                key[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
                key[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
                Self::new(key)
            }
        }
    }

    /// A new client id (and secret) for `metadata`.
    pub fn issue(&self, metadata: &ClientMetadata) -> IssuedClient {
        let metadata = ClientMetadata {
            salt: uuid::Uuid::new_v4().simple().to_string()[..16].to_owned(),
            ..metadata.clone()
        };
        let json = serde_json::to_vec(&metadata).unwrap_or_default();
        let body = format!("{ID_PREFIX}{}", URL_SAFE_NO_PAD.encode(json));
        let tag = hmac(&self.key, format!("id\n{body}").as_bytes());
        let client_id = format!("{body}.{}", URL_SAFE_NO_PAD.encode(&tag[..16]));
        let client_secret = metadata
            .is_confidential()
            .then(|| self.secret_of(&client_id));
        IssuedClient {
            client_id,
            client_secret,
        }
    }

    fn secret_of(&self, client_id: &str) -> String {
        secret_under(&self.key, client_id)
    }

    /// The metadata a client id carries, when this registry signed it.
    pub fn resolve(&self, client_id: &str) -> Option<ClientMetadata> {
        let (body, tag) = client_id.rsplit_once('.')?;
        let payload = body.strip_prefix(ID_PREFIX)?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        let signed = self.keys().any(|key| {
            let expected = hmac(key, format!("id\n{body}").as_bytes());
            bool::from(expected[..16].ct_eq(&tag))
        });
        if !signed {
            return None;
        }
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
    }

    /// Whether `secret` is the secret of `client_id` (in constant time).
    pub fn secret_matches(&self, client_id: &str, secret: &str) -> bool {
        self.keys().any(|key| {
            bool::from(
                secret_under(key, client_id)
                    .as_bytes()
                    .ct_eq(secret.as_bytes()),
            )
        })
    }
}

/// The secret of `client_id` under `key`.
fn secret_under(key: &[u8; 32], client_id: &str) -> String {
    URL_SAFE_NO_PAD.encode(hmac(key, format!("secret\n{client_id}").as_bytes()))
}

/// A client created by an admin: a confidential client (Basic or form secret), for a GPT action
/// or any client that cannot register itself.
pub fn admin_client(
    registry: &ClientRegistry,
    name: &str,
    redirect_uris: Vec<String>,
    allow_without_pkce: bool,
) -> Result<IssuedClient, RegistrationError> {
    let mut metadata = metadata_from(RegistrationRequest {
        redirect_uris,
        client_name: Some(name.to_owned()),
        token_endpoint_auth_method: Some("client_secret_post".to_owned()),
        grant_types: None,
        response_types: None,
    })?;
    metadata.pkce_optional = allow_without_pkce;
    metadata.admin = true;
    Ok(registry.issue(&metadata))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> ClientRegistry {
        ClientRegistry::new([9; 32])
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2_shape() {
        // RFC 4231 test case 2 uses a 4-byte key; padded with zeros it is the same HMAC key.
        let mut key = [0u8; 32];
        key[..4].copy_from_slice(b"Jefe");
        let tag = hmac(&key, b"what do ya want for nothing?");
        let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn issued_ids_resolve_and_forged_ones_do_not() {
        let meta = parse_registration(
            br#"{"redirect_uris":["https://claude.ai/api/mcp/auth_callback"],"client_name":"Claude","token_endpoint_auth_method":"none"}"#,
        )
        .unwrap();
        let issued = registry().issue(&meta);
        assert!(issued.client_secret.is_none());
        let resolved = registry().resolve(&issued.client_id).unwrap();
        assert_eq!(resolved.redirect_uris, meta.redirect_uris);
        assert_eq!(resolved.name, "Claude");
        assert_ne!(registry().issue(&meta).client_id, issued.client_id);
        assert_eq!(
            ClientRegistry::new([8; 32]).resolve(&issued.client_id),
            None
        );
        let mut forged = meta;
        forged.redirect_uris = vec!["https://evil.example/cb".into()];
        let other = ClientRegistry::new([8; 32]).issue(&forged);
        assert_eq!(registry().resolve(&other.client_id), None);
        assert_eq!(registry().resolve("cb1.e30.AAAA"), None);
        assert_eq!(registry().resolve("nonsense"), None);
    }

    #[test]
    fn admin_clients_get_a_secret_only_their_registry_accepts() {
        let issued = admin_client(
            &registry(),
            "Sales GPT",
            vec!["https://chatgpt.com/aip/g-1/oauth/callback".into()],
            false,
        )
        .unwrap();
        let secret = issued.client_secret.unwrap();
        assert!(registry().secret_matches(&issued.client_id, &secret));
        assert!(!registry().secret_matches(&issued.client_id, "guess"));
        assert!(!ClientRegistry::new([1; 32]).secret_matches(&issued.client_id, &secret));
    }

    #[test]
    fn client_names_with_bidirectional_or_invisible_characters_are_refused() {
        let register = |name: &str| {
            parse_registration(
                serde_json::json!({"redirect_uris": ["https://a.example/cb"], "client_name": name})
                    .to_string()
                    .as_bytes(),
            )
        };
        for bad in [
            "Trusted\u{202e}ppA",
            "\u{2066}Claude\u{2069}",
            "Clau\u{200b}de",
            "\u{feff}Claude",
            "Claude\u{200f}",
            "   ",
        ] {
            let err = register(bad).expect_err(bad);
            assert_eq!(err.error, "invalid_client_metadata");
            assert!(
                err.description.contains("client_name"),
                "{}",
                err.description
            );
        }
        assert_eq!(
            register("Claude — Ünïcode ✓").unwrap().name,
            "Claude — Ünïcode ✓"
        );
    }

    #[test]
    fn clients_of_a_previous_key_pass_until_it_is_removed() {
        let old_key = store::CacheKey::parse(&"01".repeat(32)).unwrap();
        let new_key = store::CacheKey::parse(&"02".repeat(32)).unwrap();
        let old = ClientRegistry::for_cache_key(Some(&old_key));
        let issued = admin_client(
            &old,
            "Sales GPT",
            vec!["https://a.example/cb".into()],
            false,
        )
        .unwrap();
        let secret = issued.client_secret.clone().unwrap();
        let rotated = ClientRegistry::for_cache_key(Some(&new_key))
            .with_previous(std::slice::from_ref(&old_key));
        assert_eq!(
            rotated.resolve(&issued.client_id).unwrap().name,
            "Sales GPT"
        );
        assert!(rotated.secret_matches(&issued.client_id, &secret));
        assert!(!rotated.secret_matches(&issued.client_id, "wrong"));
        // New clients are signed with the new key only.
        let fresh =
            admin_client(&rotated, "New", vec!["https://a.example/cb".into()], false).unwrap();
        assert!(old.resolve(&fresh.client_id).is_none());
        let new_only = ClientRegistry::for_cache_key(Some(&new_key));
        assert!(new_only.resolve(&issued.client_id).is_none());
        assert!(!new_only.secret_matches(&issued.client_id, &secret));
    }

    #[test]
    fn registrations_are_checked() {
        let cases: [&[u8]; 8] = [
            b"not json",
            br#"{"client_name":"x"}"#,
            br#"{"redirect_uris":["http://evil.example/cb"]}"#,
            br#"{"redirect_uris":["https://a.example/cb#frag"]}"#,
            br#"{"redirect_uris":["javascript:alert(1)"]}"#,
            br#"{"redirect_uris":["https://a.example/cb"],"grant_types":["client_credentials"]}"#,
            br#"{"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"private_key_jwt"}"#,
            br#"{"redirect_uris":["https://a.example/cb"],"response_types":["token"]}"#,
        ];
        for body in cases {
            assert!(
                parse_registration(body).is_err(),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        let many: Vec<String> = (0..=MAX_REDIRECT_URIS)
            .map(|i| format!("https://a.example/{i}"))
            .collect();
        let body = serde_json::json!({ "redirect_uris": many }).to_string();
        assert!(parse_registration(body.as_bytes()).is_err());
        let long = format!("https://a.example/{}", "x".repeat(MAX_REDIRECT_URI_CHARS));
        let body = serde_json::json!({ "redirect_uris": [long] }).to_string();
        assert!(parse_registration(body.as_bytes()).is_err());
        assert!(parse_registration(br#"{"redirect_uris":["http://localhost:3000/cb"]}"#).is_ok());
        assert!(parse_registration(br#"{"redirect_uris":["http://127.0.0.1:3000/cb"]}"#).is_ok());
    }
}

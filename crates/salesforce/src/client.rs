//! [`SalesforceClient`]: authentication (a given token, or client credentials / password with a
//! lazily fetched token refreshed once on 401), query with `nextRecordsUrl` paging, search,
//! record reads and userinfo, each under one overall deadline.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::ACCEPT;
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use url::Url;

use crate::config::{normalize_version, Credentials, SalesforceConfig};
use crate::error::SalesforceError;
use crate::escape::is_salesforce_id;
use crate::wire::{ApiErrorItem, OAuthErrorBody, QueryPage, SearchAnswer, TokenResponse, UserInfo};

/// Longest time to wait for a TCP/TLS connection, however long a request may take.
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// `User-Agent` of every request, so Salesforce's logs can tell callbrief's traffic apart.
const USER_AGENT: &str = concat!("callbrief/", env!("CARGO_PKG_VERSION"));
/// Most characters of a non-JSON error body kept in an error message.
const MAX_ERROR_SNIPPET: usize = 200;

/// Cheap to clone: clones share one connection pool and one cached service token.
#[derive(Clone)]
pub struct SalesforceClient {
    http: reqwest::Client,
    settings: Arc<Settings>,
    auth: Arc<Auth>,
}

struct Settings {
    instance_base: String,
    instance_url: Url,
    api_version: String,
    login_base: String,
    request_timeout: Duration,
    deadline: Duration,
}

enum Auth {
    /// A token used as is.
    Fixed(SecretString),
    /// Service credentials: a token fetched on first use and again after a 401.
    Service {
        credentials: Credentials,
        cache: tokio::sync::Mutex<Option<Session>>,
        generation: AtomicU64,
    },
}

/// A token and the instance it is valid for.
#[derive(Clone)]
struct Session {
    token: SecretString,
    base: String,
    /// Which fetched token this is (`None` for a fixed token), so a 401 invalidates only the
    /// token that was rejected.
    generation: Option<u64>,
}

/// An HTTP answer, read whole.
struct Reply {
    status: StatusCode,
    body: Vec<u8>,
}

impl std::fmt::Debug for SalesforceClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Tokens and secrets stay out of debug output.
        let auth = match &*self.auth {
            Auth::Fixed(_) => "access token",
            Auth::Service { .. } => "service credentials",
        };
        f.debug_struct("SalesforceClient")
            .field("instance_url", &self.settings.instance_base)
            .field("api_version", &self.settings.api_version)
            .field("auth", &auth)
            .finish_non_exhaustive()
    }
}

fn base_of(url: &Url) -> Result<String, SalesforceError> {
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(SalesforceError::Config(format!(
            "not an http(s) URL: {url}"
        )));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// A failed exchange. A request that ran past `limit` is a timeout like the operation's own
/// deadline (one status for "too slow" wherever it happens); anything else is a transport error.
fn transport(e: reqwest::Error, limit: Duration) -> SalesforceError {
    if e.is_timeout() {
        SalesforceError::DeadlineExceeded(limit)
    } else {
        // Without the URL: it may carry a query with customer data.
        SalesforceError::Transport(e.without_url().to_string())
    }
}

fn snippet(body: &[u8]) -> String {
    String::from_utf8_lossy(body)
        .chars()
        .take(MAX_ERROR_SNIPPET)
        .collect()
}

/// The typed error of a non-2xx REST answer.
fn api_error(status: StatusCode, body: &[u8]) -> SalesforceError {
    let (code, message) = serde_json::from_slice::<Vec<ApiErrorItem>>(body)
        .ok()
        .and_then(|items| items.into_iter().next())
        .map(|e| (e.error_code, e.message))
        .unwrap_or_else(|| ("UNKNOWN".to_string(), snippet(body)));
    match status.as_u16() {
        401 => SalesforceError::Unauthorized { code, message },
        403 if code == "REQUEST_LIMIT_EXCEEDED" => SalesforceError::RequestLimit { message },
        404 => SalesforceError::NotFound { code, message },
        status => SalesforceError::Api {
            status,
            code,
            message,
        },
    }
}

fn parse<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, SalesforceError> {
    serde_json::from_slice(body)
        .map_err(|e| SalesforceError::InvalidResponse(format!("{what}: {e}")))
}

/// Refuses anything but an API name as an sObject in a URL path: the name goes into the path
/// as is.
fn check_sobject_name(sobject: &str) -> Result<(), SalesforceError> {
    let valid = !sobject.is_empty()
        && sobject
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if valid {
        Ok(())
    } else {
        Err(SalesforceError::InvalidArgument(format!(
            "not an sObject name: {sobject:?}"
        )))
    }
}

impl SalesforceClient {
    /// Builds the client (no network traffic: a service token is fetched on first use).
    pub fn new(config: SalesforceConfig) -> Result<SalesforceClient, SalesforceError> {
        let api_version = normalize_version(&config.api_version).ok_or_else(|| {
            SalesforceError::Config(format!(
                "API version must look like v62.0, got {:?}",
                config.api_version
            ))
        })?;
        let settings = Settings {
            instance_base: base_of(&config.instance_url)?,
            instance_url: config.instance_url.clone(),
            api_version,
            login_base: base_of(&config.login_url)?,
            request_timeout: config.request_timeout,
            deadline: config.deadline,
        };
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(config.request_timeout.min(MAX_CONNECT_TIMEOUT))
            .build()
            .map_err(|e| SalesforceError::Config(format!("HTTP client: {e}")))?;
        let auth = match config.credentials {
            Credentials::AccessToken(token) => Auth::Fixed(token),
            credentials => Auth::Service {
                credentials,
                cache: tokio::sync::Mutex::new(None),
                generation: AtomicU64::new(0),
            },
        };
        Ok(SalesforceClient {
            http,
            settings: Arc::new(settings),
            auth: Arc::new(auth),
        })
    }

    /// A client that acts as the owner of `token` (e.g. the signed-in user, so Salesforce's
    /// sharing decides what they see), sharing this client's connection pool and settings.
    pub fn with_access_token(&self, token: SecretString) -> SalesforceClient {
        SalesforceClient {
            http: self.http.clone(),
            settings: self.settings.clone(),
            auth: Arc::new(Auth::Fixed(token)),
        }
    }

    /// The configured instance URL.
    pub fn instance_url(&self) -> &Url {
        &self.settings.instance_url
    }

    /// The API version in use (`vNN.0`).
    pub fn api_version(&self) -> &str {
        &self.settings.api_version
    }

    /// Runs SOQL and returns every record of every page (following `nextRecordsUrl`), each
    /// deserialized into `T` (the `attributes` entry is there for `T` to read or ignore).
    pub async fn query<T: DeserializeOwned>(&self, soql: &str) -> Result<Vec<T>, SalesforceError> {
        self.deadline(async {
            let path = format!("/services/data/{}/query", self.settings.api_version);
            let mut page: QueryPage = self.get_ok(&path, Some(("q", soql)), "query").await?;
            let mut out = Vec::with_capacity(usize::try_from(page.total_size).unwrap_or(0));
            let mut pages = 1usize;
            loop {
                for (i, record) in std::mem::take(&mut page.records).into_iter().enumerate() {
                    let item = serde_json::from_value(record).map_err(|e| {
                        SalesforceError::InvalidResponse(format!("record {}: {e}", out.len() + i))
                    })?;
                    out.push(item);
                }
                let next = match (page.done, page.next_records_url.take()) {
                    (false, Some(next)) => next,
                    _ => break,
                };
                if !next.starts_with("/services/data/")
                    || next.contains("://")
                    || next.contains("..")
                {
                    // The bearer token must never be sent anywhere but the instance.
                    return Err(SalesforceError::InvalidResponse(
                        "nextRecordsUrl is not a path on the instance".into(),
                    ));
                }
                page = self.get_ok(&next, None, "query page").await?;
                pages += 1;
            }
            tracing::debug!(pages, records = out.len(), "salesforce query");
            Ok(out)
        })
        .await
    }

    /// Runs SOSL and returns the `searchRecords` items.
    pub async fn search(&self, sosl: &str) -> Result<Vec<serde_json::Value>, SalesforceError> {
        self.deadline(async {
            let path = format!("/services/data/{}/search", self.settings.api_version);
            let answer: SearchAnswer = self.get_ok(&path, Some(("q", sosl)), "search").await?;
            let records = match answer {
                SearchAnswer::Wrapped { search_records } => search_records,
                SearchAnswer::Bare(records) => records,
            };
            tracing::debug!(records = records.len(), "salesforce search");
            Ok(records)
        })
        .await
    }

    /// One record with all its fields, or `None` when it does not exist or the caller may not
    /// see it (Salesforce answers 404 for both).
    pub async fn get_record(
        &self,
        sobject: &str,
        id: &str,
    ) -> Result<Option<serde_json::Value>, SalesforceError> {
        check_sobject_name(sobject)?;
        if !is_salesforce_id(id) {
            return Err(SalesforceError::InvalidArgument(format!(
                "not a Salesforce id: {id:?}"
            )));
        }
        self.deadline(async {
            let path = format!(
                "/services/data/{}/sobjects/{sobject}/{id}",
                self.settings.api_version
            );
            let reply = self.get(&path, None).await?;
            match reply.status {
                s if s.is_success() => parse(&reply.body, "record").map(Some),
                StatusCode::NOT_FOUND => Ok(None),
                s => Err(api_error(s, &reply.body)),
            }
        })
        .await
    }

    /// Whether the org has the object `sobject` (its describe answers), for features that
    /// depend on an optional managed package: `false` on Salesforce's 404 `NOT_FOUND`.
    pub async fn has_object(&self, sobject: &str) -> Result<bool, SalesforceError> {
        check_sobject_name(sobject)?;
        self.deadline(async {
            let path = format!(
                "/services/data/{}/sobjects/{sobject}/describe",
                self.settings.api_version
            );
            let reply = self.get(&path, None).await?;
            match reply.status {
                s if s.is_success() => Ok(true),
                StatusCode::NOT_FOUND => Ok(false),
                s => Err(api_error(s, &reply.body)),
            }
        })
        .await
    }

    /// Who the client's token belongs to.
    pub async fn userinfo(&self) -> Result<UserInfo, SalesforceError> {
        self.deadline(async {
            self.get_ok("/services/oauth2/userinfo", None, "userinfo")
                .await
        })
        .await
    }

    async fn deadline<T>(
        &self,
        work: impl Future<Output = Result<T, SalesforceError>>,
    ) -> Result<T, SalesforceError> {
        tokio::time::timeout(self.settings.deadline, work)
            .await
            .unwrap_or(Err(SalesforceError::DeadlineExceeded(
                self.settings.deadline,
            )))
    }

    /// GET and parse a 2xx answer; anything else becomes the typed error.
    async fn get_ok<T: DeserializeOwned>(
        &self,
        path: &str,
        query: Option<(&str, &str)>,
        what: &str,
    ) -> Result<T, SalesforceError> {
        let reply = self.get(path, query).await?;
        if reply.status.is_success() {
            parse(&reply.body, what)
        } else {
            Err(api_error(reply.status, &reply.body))
        }
    }

    /// GET a path on the instance with the current token; after a 401, service credentials
    /// fetch a new token and try once more.
    async fn get(&self, path: &str, query: Option<(&str, &str)>) -> Result<Reply, SalesforceError> {
        let mut retried = false;
        loop {
            let session = self.session().await?;
            let mut url = Url::parse(&format!("{}{path}", session.base))
                .map_err(|e| SalesforceError::InvalidResponse(format!("bad URL: {e}")))?;
            if let Some((k, v)) = query {
                url.query_pairs_mut().append_pair(k, v);
            }
            let response = self
                .http
                .get(url)
                .bearer_auth(session.token.expose_secret())
                .header(ACCEPT, "application/json")
                .timeout(self.settings.request_timeout)
                .send()
                .await
                .map_err(|e| {
                    crate::metrics::request(path, None);
                    transport(e, self.settings.request_timeout)
                })?;
            let status = response.status();
            crate::metrics::request(path, Some(status.as_u16()));
            let body = response
                .bytes()
                .await
                .map_err(|e| transport(e, self.settings.request_timeout))?
                .to_vec();
            if status == StatusCode::UNAUTHORIZED && !retried {
                if let Some(generation) = session.generation {
                    tracing::debug!("salesforce session rejected; fetching a new token");
                    self.invalidate(generation).await;
                    retried = true;
                    continue;
                }
            }
            return Ok(Reply { status, body });
        }
    }

    /// The token to use now: the fixed one, or the cached service token (fetched if missing).
    async fn session(&self) -> Result<Session, SalesforceError> {
        match &*self.auth {
            Auth::Fixed(token) => Ok(Session {
                token: token.clone(),
                base: self.settings.instance_base.clone(),
                generation: None,
            }),
            Auth::Service {
                credentials,
                cache,
                generation,
            } => {
                let mut cached = cache.lock().await;
                if let Some(session) = cached.as_ref() {
                    return Ok(session.clone());
                }
                let (token, base) = self.fetch_token(credentials).await?;
                let session = Session {
                    token,
                    base,
                    generation: Some(generation.fetch_add(1, Ordering::Relaxed) + 1),
                };
                *cached = Some(session.clone());
                Ok(session)
            }
        }
    }

    /// Forgets the cached token if it is still the one that was rejected.
    async fn invalidate(&self, rejected: u64) {
        if let Auth::Service { cache, .. } = &*self.auth {
            let mut cached = cache.lock().await;
            if cached.as_ref().and_then(|s| s.generation) == Some(rejected) {
                *cached = None;
            }
        }
    }

    /// `POST {login}/services/oauth2/token` for service credentials.
    async fn fetch_token(
        &self,
        credentials: &Credentials,
    ) -> Result<(SecretString, String), SalesforceError> {
        let assertion;
        let form: Vec<(&str, &str)> = match credentials {
            Credentials::JwtBearer {
                client_id,
                username,
                audience,
                signer,
            } => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                assertion = signer.assertion(client_id, username, audience, now)?;
                vec![
                    ("grant_type", crate::jwt_bearer::GRANT_TYPE),
                    ("assertion", assertion.as_str()),
                ]
            }
            Credentials::ClientCredentials {
                client_id,
                client_secret,
            } => vec![
                ("grant_type", "client_credentials"),
                ("client_id", client_id),
                ("client_secret", client_secret.expose_secret()),
            ],
            Credentials::Password {
                client_id,
                client_secret,
                username,
                password,
            } => vec![
                ("grant_type", "password"),
                ("client_id", client_id),
                ("client_secret", client_secret.expose_secret()),
                ("username", username),
                ("password", password.expose_secret()),
            ],
            Credentials::AccessToken(_) => {
                return Err(SalesforceError::Config(
                    "an access token cannot be refreshed".into(),
                ))
            }
        };
        let response = self
            .http
            .post(format!(
                "{}/services/oauth2/token",
                self.settings.login_base
            ))
            .header(ACCEPT, "application/json")
            .form(&form)
            .timeout(self.settings.request_timeout)
            .send()
            .await
            .map_err(|e| {
                crate::metrics::request(crate::metrics::TOKEN_PATH, None);
                transport(e, self.settings.request_timeout)
            })?;
        let status = response.status();
        crate::metrics::request(crate::metrics::TOKEN_PATH, Some(status.as_u16()));
        let body = response
            .bytes()
            .await
            .map_err(|e| transport(e, self.settings.request_timeout))?;
        if !status.is_success() {
            let refusal =
                serde_json::from_slice::<OAuthErrorBody>(&body).unwrap_or(OAuthErrorBody {
                    error: format!("http_{}", status.as_u16()),
                    error_description: snippet(&body),
                });
            tracing::warn!(error = %refusal.error, "salesforce token request refused");
            return Err(SalesforceError::Auth {
                error: refusal.error,
                description: refusal.error_description,
            });
        }
        let token: TokenResponse = parse(&body, "token response")?;
        // Salesforce says to call the instance_url the token was issued for.
        let base = token
            .instance_url
            .as_deref()
            .and_then(|u| Url::parse(u).ok())
            .and_then(|u| base_of(&u).ok())
            .unwrap_or_else(|| self.settings.instance_base.clone());
        tracing::debug!("salesforce token obtained");
        Ok((token.access_token, base))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_become_typed_errors() {
        let body =
            br#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#;
        assert!(matches!(
            api_error(StatusCode::UNAUTHORIZED, body),
            SalesforceError::Unauthorized { code, .. } if code == "INVALID_SESSION_ID"
        ));
        let body = br#"[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#;
        assert!(matches!(
            api_error(StatusCode::FORBIDDEN, body),
            SalesforceError::RequestLimit { .. }
        ));
        let body = br#"[{"message":"unexpected token: 'FORM'","errorCode":"MALFORMED_QUERY"}]"#;
        let e = api_error(StatusCode::BAD_REQUEST, body);
        assert_eq!(e.error_code(), Some("MALFORMED_QUERY"));
        assert!(e.is_bad_query());
        let e = api_error(StatusCode::BAD_GATEWAY, b"<html>upstream down</html>");
        assert!(
            matches!(&e, SalesforceError::Api { status: 502, code, message } if code == "UNKNOWN" && message.contains("upstream"))
        );
    }

    #[test]
    fn configuration_is_checked() {
        let url = Url::parse("https://acme.my.salesforce.com/").unwrap();
        let mut config =
            SalesforceConfig::new(url, Credentials::AccessToken(SecretString::from("t")));
        config.api_version = "62.0".into();
        let client = SalesforceClient::new(config.clone()).unwrap();
        assert_eq!(client.api_version(), "v62.0");
        assert!(!format!("{client:?}").contains("\"t\""));
        config.api_version = "latest".into();
        assert!(matches!(
            SalesforceClient::new(config.clone()),
            Err(SalesforceError::Config(_))
        ));
        config.api_version = "v62.0".into();
        config.login_url = Url::parse("mailto:x@y.z").unwrap();
        assert!(matches!(
            SalesforceClient::new(config),
            Err(SalesforceError::Config(_))
        ));
    }
}

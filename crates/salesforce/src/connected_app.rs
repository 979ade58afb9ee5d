//! callbrief's own Connected App signing people in: the authorize URL a browser is sent to, and
//! the server-side code exchange, refresh and revocation.
//!
//! When callbrief is the authorization server its clients talk to, the Connected App's consumer
//! key and secret stay on the server: the browser sees only the key (in the authorize URL), and
//! codes and refresh tokens are redeemed here, server to server.

use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use crate::error::SalesforceError;

/// Time limit of one token-endpoint request: a sign-in or a refresh waits for it.
pub const TOKEN_TIMEOUT: Duration = Duration::from_secs(20);

/// The scopes asked of Salesforce: the REST API, and a refresh token so a person signs in once.
pub const SCOPES: &str = "api refresh_token";

/// What Salesforce's token endpoint issued for a person.
#[derive(Clone, Deserialize)]
pub struct IssuedTokens {
    /// The Salesforce access token.
    pub access_token: SecretString,
    /// The refresh token (absent on a refresh, which keeps the old one).
    pub refresh_token: Option<SecretString>,
    /// The identity URL, `.../id/<org>/<user>`.
    #[serde(default)]
    pub id: String,
    /// Where the person's org answers.
    #[serde(default)]
    pub instance_url: String,
}

impl std::fmt::Debug for IssuedTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedTokens")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl IssuedTokens {
    /// The user id (`005...`): the identity URL's last segment.
    pub fn user_id(&self) -> Option<&str> {
        self.id
            .rsplit('/')
            .next()
            .filter(|s| !s.is_empty() && *s != self.id)
    }
}

#[derive(Deserialize)]
struct OAuthErrorBody {
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_description: String,
}

/// The Connected App callbrief signs people in with.
#[derive(Clone)]
pub struct ConnectedApp {
    http: reqwest::Client,
    login_url: String,
    client_id: String,
    client_secret: SecretString,
}

impl std::fmt::Debug for ConnectedApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectedApp")
            .field("login_url", &self.login_url)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl ConnectedApp {
    /// The app with consumer key `client_id` and secret `client_secret` at the login host
    /// `login_url` (`https://login.salesforce.com`, a My Domain URL, ...).
    pub fn new(
        login_url: &Url,
        client_id: String,
        client_secret: SecretString,
    ) -> Result<Self, SalesforceError> {
        if !matches!(login_url.scheme(), "http" | "https") || login_url.host_str().is_none() {
            return Err(SalesforceError::Config(format!(
                "Salesforce login URL is not an http(s) URL: {login_url}"
            )));
        }
        let http = reqwest::Client::builder()
            .user_agent(concat!("callbrief/", env!("CARGO_PKG_VERSION")))
            .timeout(TOKEN_TIMEOUT)
            // A redirect would resend the consumer secret somewhere else: never follow one.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SalesforceError::Config(format!("HTTP client: {e}")))?;
        Ok(Self {
            http,
            login_url: login_url.as_str().trim_end_matches('/').to_owned(),
            client_id,
            client_secret,
        })
    }

    /// Where people sign in (`https://login.salesforce.com`, a My Domain URL, ...), without a
    /// trailing slash: shown on the consent page and allowed as its form's destination.
    pub fn login_url(&self) -> &str {
        &self.login_url
    }

    /// Where to send a person's browser: Salesforce's authorize page for this app, coming back
    /// to `redirect_uri` with `state`.
    pub fn authorize_url(&self, redirect_uri: &str, state: &str) -> Result<Url, SalesforceError> {
        let mut url = Url::parse(&format!("{}/services/oauth2/authorize", self.login_url))
            .map_err(|e| SalesforceError::Config(format!("Salesforce login URL: {e}")))?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", SCOPES)
            .append_pair("state", state);
        Ok(url)
    }

    /// Redeems the authorization code Salesforce sent to `redirect_uri`.
    pub async fn exchange_code(
        &self,
        code: &str,
        redirect_uri: &str,
    ) -> Result<IssuedTokens, SalesforceError> {
        self.token_request(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
        ])
        .await
    }

    /// A new access token for `refresh_token`. [`SalesforceError::Auth`] means Salesforce
    /// refused it for good (revoked, user deactivated): the session is over.
    pub async fn refresh(&self, refresh_token: &str) -> Result<IssuedTokens, SalesforceError> {
        self.token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .await
    }

    /// Revokes a token at Salesforce (its refresh token ends the whole Salesforce session).
    pub async fn revoke(&self, token: &str) -> Result<(), SalesforceError> {
        let url = format!("{}/services/oauth2/revoke", self.login_url);
        let response = self
            .http
            .post(url)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form(&[("token", token)]))
            .send()
            .await
            .map_err(transport)?;
        tracing::info!(
            status = response.status().as_u16(),
            "revoked a Salesforce token"
        );
        Ok(())
    }

    async fn token_request(&self, pairs: &[(&str, &str)]) -> Result<IssuedTokens, SalesforceError> {
        let mut all = pairs.to_vec();
        all.push(("client_id", &self.client_id));
        all.push(("client_secret", self.client_secret.expose_secret()));
        let url = format!("{}/services/oauth2/token", self.login_url);
        let response = self
            .http
            .post(url)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ACCEPT, "application/json")
            .body(form(&all))
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        let body = response.bytes().await.map_err(transport)?;
        if status.is_success() {
            return serde_json::from_slice(&body).map_err(|_| SalesforceError::Api {
                status: status.as_u16(),
                code: "INVALID_TOKEN_RESPONSE".into(),
                message: "Salesforce's token answer could not be read".into(),
            });
        }
        match serde_json::from_slice::<OAuthErrorBody>(&body) {
            Ok(err) if status.is_client_error() && !err.error.is_empty() => {
                Err(SalesforceError::Auth {
                    error: err.error,
                    description: err.error_description,
                })
            }
            _ => Err(SalesforceError::Api {
                status: status.as_u16(),
                code: "TOKEN_ENDPOINT".into(),
                message: format!("Salesforce's token endpoint answered {status}"),
            }),
        }
    }
}

fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn transport(e: reqwest::Error) -> SalesforceError {
    if e.is_timeout() {
        SalesforceError::DeadlineExceeded(TOKEN_TIMEOUT)
    } else {
        SalesforceError::Transport(e.without_url().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_id_is_the_identity_urls_last_segment() {
        let tokens: IssuedTokens = serde_json::from_str(
            r#"{"access_token":"a","id":"https://login.salesforce.com/id/00D/005A","instance_url":"x"}"#,
        )
        .unwrap();
        assert_eq!(tokens.user_id(), Some("005A"));
        assert!(!format!("{tokens:?}").contains("\"a\""));
        let none: IssuedTokens = serde_json::from_str(r#"{"access_token":"a"}"#).unwrap();
        assert_eq!(none.user_id(), None);
    }

    #[test]
    fn the_authorize_url_names_the_app_and_the_callback() {
        let app = ConnectedApp::new(
            &Url::parse("https://login.example.com/").unwrap(),
            "key".into(),
            SecretString::from("secret".to_owned()),
        )
        .unwrap();
        let url = app
            .authorize_url("https://cb.example.com/oauth/callback", "s1")
            .unwrap();
        let text = url.as_str();
        assert!(text.starts_with("https://login.example.com/services/oauth2/authorize?"));
        assert!(text.contains("client_id=key"));
        assert!(text.contains("state=s1"));
        assert!(!text.contains("secret"));
    }
}

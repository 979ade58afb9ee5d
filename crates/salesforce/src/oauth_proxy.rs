//! Forwarding an OAuth token request to Salesforce, for a front door that serves Salesforce's
//! OAuth endpoints on its own domain.
//!
//! ChatGPT requires an action's OAuth URLs to be on the action's own domain, so callbrief
//! answers `POST /oauth/token` by passing the form on to `{login}/services/oauth2/token` and
//! handing Salesforce's answer back unchanged. Keeping that HTTP call here keeps to the rule
//! that only this crate talks to Salesforce.
//!
//! Only the grants a person's sign-in uses pass: `authorization_code` and `refresh_token`.
//! The Connected App's key and secret are typed into every rep's connector, so forwarding
//! `client_credentials` (or `password`) would hand anyone holding them a token of the
//! integration user, who sees every rep's accounts. Anything else is refused here, before
//! Salesforce is asked, with RFC 6749's error body.

use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use url::Url;

use crate::error::SalesforceError;

/// Time limit of one forwarded token request: well inside ChatGPT's 45 s.
pub const TOKEN_PROXY_TIMEOUT: Duration = Duration::from_secs(20);

/// Salesforce's answer to a forwarded token request, to be returned as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxiedResponse {
    /// Salesforce's status code.
    pub status: u16,
    /// Salesforce's `Content-Type`, when it sent one.
    pub content_type: Option<String>,
    /// Salesforce's body (a token or an OAuth error, as JSON).
    pub body: Vec<u8>,
}

/// The grants a person's sign-in uses; the only ones forwarded.
pub const FORWARDED_GRANTS: [&str; 2] = ["authorization_code", "refresh_token"];

/// Why a token request is refused without asking Salesforce: RFC 6749 §5.2's `error` code and
/// a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRefusal {
    /// `invalid_request` (no `grant_type`, or more than one) or `unsupported_grant_type`.
    pub error: &'static str,
    /// What was wrong and what is accepted.
    pub description: String,
}

impl GrantRefusal {
    /// The refusal as the `400` answer RFC 6749 §5.2 describes.
    pub fn to_response(&self) -> ProxiedResponse {
        let body = serde_json::json!({
            "error": self.error,
            "error_description": self.description,
        });
        ProxiedResponse {
            status: 400,
            content_type: Some("application/json".to_owned()),
            body: body.to_string().into_bytes(),
        }
    }
}

/// Checks a token request's form: exactly one `grant_type`, and one of [`FORWARDED_GRANTS`].
/// A repeated parameter is refused too (RFC 6749 §3.2), so Salesforce cannot read a different
/// grant from the same body than the one checked here.
pub fn check_grant(form: &[u8]) -> Result<(), GrantRefusal> {
    let mut grants = url::form_urlencoded::parse(form)
        .filter(|(name, _)| name == "grant_type")
        .map(|(_, value)| value);
    let grant = match (grants.next(), grants.next()) {
        (Some(grant), None) => grant,
        (None, _) => {
            return Err(GrantRefusal {
                error: "invalid_request",
                description: "grant_type is required (authorization_code or refresh_token)"
                    .to_owned(),
            })
        }
        (Some(_), Some(_)) => {
            return Err(GrantRefusal {
                error: "invalid_request",
                description: "grant_type must appear once".to_owned(),
            })
        }
    };
    if FORWARDED_GRANTS.contains(&grant.as_ref()) {
        return Ok(());
    }
    // The value is the caller's own text: name it only when it is short and plain.
    let shown = if grant.len() <= 64
        && grant
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ":-_.".contains(c))
    {
        format!("grant_type {grant}")
    } else {
        "this grant_type".to_owned()
    };
    Err(GrantRefusal {
        error: "unsupported_grant_type",
        description: format!(
            "{shown} is not accepted here; only authorization_code and refresh_token \
             (a person's own sign-in) are"
        ),
    })
}

/// Forwards token requests to one Salesforce login host. Cheap to clone.
#[derive(Debug, Clone)]
pub struct TokenProxy {
    http: reqwest::Client,
    token_url: Url,
}

impl TokenProxy {
    /// A proxy for `login_url` (`https://login.salesforce.com`, a My Domain URL, ...).
    pub fn new(login_url: &Url) -> Result<Self, SalesforceError> {
        if !matches!(login_url.scheme(), "http" | "https") || login_url.host_str().is_none() {
            return Err(SalesforceError::Config(format!(
                "Salesforce login URL is not an http(s) URL: {login_url}"
            )));
        }
        let base = login_url.as_str().trim_end_matches('/');
        let token_url = Url::parse(&format!("{base}/services/oauth2/token"))
            .map_err(|e| SalesforceError::Config(format!("Salesforce login URL: {e}")))?;
        let http = reqwest::Client::builder()
            .user_agent(concat!("callbrief/", env!("CARGO_PKG_VERSION")))
            .timeout(TOKEN_PROXY_TIMEOUT)
            // A redirect would resend the client secret somewhere else: never follow one.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SalesforceError::Config(format!("HTTP client: {e}")))?;
        Ok(Self { http, token_url })
    }

    /// Where requests go: `{login}/services/oauth2/token`.
    pub fn token_url(&self) -> &Url {
        &self.token_url
    }

    /// Posts `form` (the caller's `application/x-www-form-urlencoded` body, unchanged) to
    /// Salesforce's token endpoint, with the caller's `Authorization` header when it sent one
    /// (clients may send their id and secret as Basic auth). Any answer, error statuses
    /// included, is returned as is; only a failure to reach Salesforce is an `Err`. A grant
    /// [`check_grant`] refuses is answered here with its `400`, and Salesforce is not asked.
    pub async fn forward_token_request(
        &self,
        form: Vec<u8>,
        authorization: Option<&str>,
    ) -> Result<ProxiedResponse, SalesforceError> {
        if let Err(refusal) = check_grant(&form) {
            tracing::warn!(error = refusal.error, "refused an OAuth token request");
            return Ok(refusal.to_response());
        }
        let mut request = self
            .http
            .post(self.token_url.clone())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ACCEPT, "application/json")
            .body(form);
        if let Some(value) = authorization {
            request = request.header(AUTHORIZATION, value);
        }
        let response = request.send().await.map_err(|e| {
            if e.is_timeout() {
                SalesforceError::DeadlineExceeded(TOKEN_PROXY_TIMEOUT)
            } else {
                SalesforceError::Transport(e.without_url().to_string())
            }
        })?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response
            .bytes()
            .await
            .map_err(|e| SalesforceError::Transport(e.without_url().to_string()))?
            .to_vec();
        tracing::info!(status, "forwarded an OAuth token request to Salesforce");
        Ok(ProxiedResponse {
            status,
            content_type,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiremock::matchers::{body_string, header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    #[tokio::test]
    async fn the_form_and_authorization_go_through_and_the_answer_comes_back_unchanged() {
        let sf = MockServer::start().await;
        let answer =
            r#"{"error":"invalid_grant","error_description":"expired authorization code"}"#;
        Mock::given(method("POST"))
            .and(path("/services/oauth2/token"))
            .and(header("content-type", "application/x-www-form-urlencoded"))
            .and(header("authorization", "Basic abc"))
            .and(body_string("grant_type=authorization_code&code=x%2By"))
            .respond_with(
                ResponseTemplate::new(400).set_body_raw(answer, "application/json;charset=UTF-8"),
            )
            .expect(1)
            .mount(&sf)
            .await;
        let proxy = TokenProxy::new(&Url::parse(&format!("{}/", sf.uri())).unwrap()).unwrap();
        assert_eq!(
            proxy.token_url().as_str(),
            format!("{}/services/oauth2/token", sf.uri())
        );
        let got = proxy
            .forward_token_request(
                b"grant_type=authorization_code&code=x%2By".to_vec(),
                Some("Basic abc"),
            )
            .await
            .unwrap();
        assert_eq!(got.status, 400);
        assert_eq!(got.body, answer.as_bytes());
        assert_eq!(
            got.content_type.as_deref(),
            Some("application/json;charset=UTF-8")
        );
    }

    #[tokio::test]
    async fn redirects_are_not_followed_and_unreachable_is_an_error() {
        let sf = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(302).insert_header("location", "https://elsewhere.example/"),
            )
            .mount(&sf)
            .await;
        let proxy = TokenProxy::new(&Url::parse(&sf.uri()).unwrap()).unwrap();
        let got = proxy.forward_token_request(refresh(), None).await.unwrap();
        assert_eq!(got.status, 302);

        let closed = TokenProxy::new(&Url::parse("http://127.0.0.1:9").unwrap()).unwrap();
        assert!(matches!(
            closed.forward_token_request(refresh(), None).await,
            Err(SalesforceError::Transport(_))
        ));
        assert!(TokenProxy::new(&Url::parse("mailto:a@b.c").unwrap()).is_err());
    }

    fn refresh() -> Vec<u8> {
        b"grant_type=refresh_token&refresh_token=r".to_vec()
    }

    #[tokio::test]
    async fn service_grants_are_refused_without_asking_salesforce() {
        let sf = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"access_token":"x"}"#))
            .expect(0)
            .mount(&sf)
            .await;
        let proxy = TokenProxy::new(&Url::parse(&sf.uri()).unwrap()).unwrap();
        for form in [
            "grant_type=client_credentials&client_id=k&client_secret=s",
            "grant_type=password&username=u&password=p&client_id=k&client_secret=s",
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=a",
        ] {
            let got = proxy
                .forward_token_request(form.as_bytes().to_vec(), Some("Basic abc"))
                .await
                .unwrap();
            assert_eq!(got.status, 400, "{form}");
            let body: serde_json::Value = serde_json::from_slice(&got.body).unwrap();
            assert_eq!(body["error"], "unsupported_grant_type", "{form}");
            assert!(body["error_description"]
                .as_str()
                .unwrap()
                .contains("authorization_code"));
        }
        for form in [
            "",
            "code=x",
            "grant_type=authorization_code&grant_type=client_credentials",
        ] {
            let got = proxy
                .forward_token_request(form.as_bytes().to_vec(), None)
                .await
                .unwrap();
            assert_eq!(got.status, 400, "{form}");
            let body: serde_json::Value = serde_json::from_slice(&got.body).unwrap();
            assert_eq!(body["error"], "invalid_request", "{form}");
        }
    }

    #[test]
    fn only_a_persons_grants_pass_the_check() {
        assert!(check_grant(b"grant_type=authorization_code&code=c").is_ok());
        assert!(check_grant(b"code=c&grant_type=refresh_token").is_ok());
        assert_eq!(
            check_grant(b"grant_type=client_credentials")
                .unwrap_err()
                .error,
            "unsupported_grant_type"
        );
        // Encoded spellings are decoded before the check, as Salesforce would.
        assert!(check_grant(b"grant_type=client%5Fcredentials").is_err());
        assert!(check_grant(b"grant%5Ftype=password").is_err());
        // Long or odd values are not echoed back.
        let long = format!("grant_type={}", "a".repeat(500));
        let refusal = check_grant(long.as_bytes()).unwrap_err();
        assert!(!refusal.description.contains(&"a".repeat(65)));
    }
}

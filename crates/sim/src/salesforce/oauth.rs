//! OAuth 2.0 endpoints as Salesforce runs them: the token endpoint (authorization code, refresh
//! token, client credentials and password grants), a login page that issues authorization codes,
//! userinfo, the identity URL and revocation.
//!
//! The login page (`GET /services/oauth2/authorize`) lists the sample users; submitting it
//! (`POST /services/oauth2/authorize` with `username` and `password`) redirects with `302` to
//! `redirect_uri?code=...&state=...`. Any absolute `http(s)` callback is accepted (a real
//! Connected App would check it against its registered callback URLs).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde_json::json;

use super::error::{ApiError, OAuthError};
use super::session::Grant;
use super::{lock, SfState, DEMO_PASSWORD};
use crate::org::{User, UserRole};

type Shared = State<Arc<SfState>>;
type Form = HashMap<String, String>;

fn form(bytes: &[u8]) -> Form {
    url::form_urlencoded::parse(bytes).into_owned().collect()
}

fn field<'a>(f: &'a Form, name: &str) -> Option<&'a str> {
    f.get(name).map(String::as_str).filter(|v| !v.is_empty())
}

/// Client id and secret from the form, or from `Authorization: Basic` (both are accepted).
fn client_credentials(headers: &HeaderMap, f: &Form) -> (Option<String>, Option<String>) {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            s.split_once(':')
                .map(|(id, secret)| (id.to_string(), secret.to_string()))
        });
    let id = field(f, "client_id").map(str::to_string);
    let secret = field(f, "client_secret").map(str::to_string);
    match basic {
        Some((bid, bsecret)) => (id.or(Some(bid)), secret.or(Some(bsecret))),
        None => (id, secret),
    }
}

impl SfState {
    fn check_client(&self, id: Option<&str>, secret: Option<&str>) -> Result<(), OAuthError> {
        if id != Some(self.config.client_id.as_str()) {
            return Err(OAuthError::invalid_client_id());
        }
        if secret != Some(self.config.client_secret.as_str()) {
            return Err(OAuthError::invalid_client());
        }
        Ok(())
    }

    fn user_by_username(&self, username: &str) -> Option<&User> {
        self.org
            .users
            .iter()
            .find(|u| u.username.eq_ignore_ascii_case(username.trim()))
    }

    fn identity_url(&self, base: &str, user_id: &str) -> String {
        format!("{base}/id/{}/{user_id}", self.org_id)
    }

    /// The token response: a new access token (and a refresh token when asked for).
    fn token_response(&self, headers: &HeaderMap, grant: Grant, with_refresh: bool) -> Response {
        let base = self.base_url(headers);
        let mut sessions = lock(&self.sessions);
        let access = sessions.issue_access(
            &self.org_id,
            grant.clone(),
            self.config.token_ttl,
            self.config.clock.now(),
        );
        let refresh = with_refresh.then(|| sessions.issue_refresh(grant.clone()));
        drop(sessions);
        let issued_at = self
            .config
            .clock
            .utc()
            .timestamp_millis()
            .max(0)
            .to_string();
        // Salesforce signs `id + issued_at` with the client secret; clients treat it as opaque.
        let signature = base64::engine::general_purpose::STANDARD
            .encode(uuid::Uuid::new_v4().as_bytes().repeat(2));
        let mut body = json!({
            "access_token": access,
            "signature": signature,
            "scope": grant.scope,
            "instance_url": base,
            "id": self.identity_url(&base, &grant.user_id),
            "token_type": "Bearer",
            "issued_at": issued_at,
        });
        if let (Some(refresh), Some(obj)) = (refresh, body.as_object_mut()) {
            obj.insert("refresh_token".into(), refresh.into());
        }
        tracing::debug!(user = %grant.user_id, "salesforce sim issued a token");
        Json(body).into_response()
    }
}

/// `POST /services/oauth2/token` (form-encoded).
pub async fn token(State(state): Shared, headers: HeaderMap, body: Bytes) -> Response {
    match grant(&state, &headers, &form(&body)) {
        Ok((grant, refresh)) => state.token_response(&headers, grant, refresh),
        Err(e) => e.into_response(),
    }
}

fn grant(state: &SfState, headers: &HeaderMap, f: &Form) -> Result<(Grant, bool), OAuthError> {
    let grant_type = field(f, "grant_type").unwrap_or("");
    let known = [
        "authorization_code",
        "refresh_token",
        "client_credentials",
        "password",
        super::jwt::GRANT_TYPE,
    ];
    if !known.contains(&grant_type) {
        return Err(OAuthError::new(
            "unsupported_grant_type",
            "grant type not supported",
        ));
    }
    if grant_type == super::jwt::GRANT_TYPE {
        // No client secret: the signature is the proof.
        return jwt_grant(state, f).map(|grant| (grant, false));
    }
    let (id, secret) = client_credentials(headers, f);
    state.check_client(id.as_deref(), secret.as_deref())?;
    match grant_type {
        "authorization_code" => {
            let code = field(f, "code").unwrap_or("");
            let code = lock(&state.sessions)
                .take_code(code, state.config.clock.now())
                .filter(|c| Some(c.client_id.as_str()) == id.as_deref())
                .ok_or(OAuthError::new(
                    "invalid_grant",
                    "invalid authorization code",
                ))?;
            if field(f, "redirect_uri") != Some(code.redirect_uri.as_str()) {
                return Err(OAuthError::new(
                    "redirect_uri_mismatch",
                    "redirect_uri must match configuration",
                ));
            }
            let scope = if code.scope.is_empty() {
                "api refresh_token".to_string()
            } else {
                code.scope
            };
            Ok((
                Grant {
                    user_id: code.user_id,
                    scope,
                },
                true,
            ))
        }
        "refresh_token" => {
            state.config.refreshes.add();
            let token = field(f, "refresh_token").unwrap_or("");
            let rotate = state.config.rotate_refresh_tokens;
            let mut sessions = lock(&state.sessions);
            let grant = if rotate {
                sessions.take_refresh(token)
            } else {
                sessions.check_refresh(token)
            }
            .ok_or(OAuthError::new(
                "invalid_grant",
                "expired access/refresh token",
            ))?;
            drop(sessions);
            if state.config.deactivated.contains(&grant.user_id) {
                return Err(OAuthError::new("invalid_grant", "inactive user"));
            }
            // With rotation the answer carries the refresh token that replaces the one used.
            Ok((grant, rotate))
        }
        "client_credentials" => {
            let user = state
                .org
                .users
                .iter()
                .find(|u| u.role == UserRole::Integration)
                .ok_or(OAuthError::new(
                    "invalid_grant",
                    "no client credentials user enabled",
                ))?;
            Ok((
                Grant {
                    user_id: user.id.clone(),
                    scope: "api".into(),
                },
                false,
            ))
        }
        _ => {
            let user = field(f, "username")
                .and_then(|u| state.user_by_username(u))
                .filter(|_| field(f, "password") == Some(DEMO_PASSWORD))
                .ok_or_else(OAuthError::authentication_failure)?;
            Ok((
                Grant {
                    user_id: user.id.clone(),
                    scope: "api".into(),
                },
                false,
            ))
        }
    }
}

/// The JWT bearer grant: the assertion checked with the app's certificate, its subject an
/// active user of the org.
fn jwt_grant(state: &SfState, f: &Form) -> Result<Grant, OAuthError> {
    let refused = |why: &'static str| OAuthError::new("invalid_grant", why);
    let assertion = field(f, "assertion").ok_or(refused("invalid assertion"))?;
    let certificate = super::jwt::certificate_der(&state.config.jwt_certificate_pem)
        .ok_or(refused("invalid assertion"))?;
    let now = state.config.clock.utc().timestamp();
    let super::jwt::Subject(username) = super::jwt::verify(
        assertion,
        &state.config.client_id,
        &certificate,
        &state.config.jwt_audience,
        now,
    )
    .map_err(refused)?;
    let user = state
        .user_by_username(&username)
        .filter(|u| !state.config.deactivated.contains(&u.id))
        .ok_or(refused("user hasn't approved this consumer"))?;
    Ok(Grant {
        user_id: user.id.clone(),
        scope: "api".into(),
    })
}

/// Escapes text for HTML element content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The redirect target, if it is an absolute http(s) URL.
fn callback(f: &Form) -> Option<url::Url> {
    let url = url::Url::parse(field(f, "redirect_uri")?).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(url)
}

fn error_page(status: StatusCode, message: &str) -> Response {
    let html = format!(
        "<!doctype html><html><head><title>Error</title></head><body><h1>OAuth error</h1><p>{}</p></body></html>",
        esc(message)
    );
    (status, Html(html)).into_response()
}

fn redirect(mut target: url::Url, pairs: &[(&str, &str)], state: Option<&str>) -> Response {
    {
        let mut q = target.query_pairs_mut();
        for (k, v) in pairs {
            q.append_pair(k, v);
        }
        if let Some(state) = state {
            q.append_pair("state", state);
        }
    }
    (StatusCode::FOUND, [(header::LOCATION, target.to_string())]).into_response()
}

/// Checks the request of the login page; answers the callback, or the page to show instead.
fn check_authorize(state: &SfState, f: &Form) -> Result<url::Url, Box<Response>> {
    if field(f, "client_id") != Some(state.config.client_id.as_str()) {
        return Err(Box::new(error_page(
            StatusCode::BAD_REQUEST,
            "error=invalid_client_id: client identifier invalid",
        )));
    }
    let Some(target) = callback(f) else {
        return Err(Box::new(error_page(
            StatusCode::BAD_REQUEST,
            "error=redirect_uri_mismatch: redirect_uri must match configuration",
        )));
    };
    if field(f, "response_type") != Some("code") {
        return Err(Box::new(redirect(
            target,
            &[
                ("error", "unsupported_response_type"),
                ("error_description", "response type not supported"),
            ],
            field(f, "state"),
        )));
    }
    Ok(target)
}

fn login_page(state: &SfState, f: &Form, error: Option<&str>) -> String {
    let hidden: String = [
        "response_type",
        "client_id",
        "redirect_uri",
        "state",
        "scope",
    ]
    .iter()
    .filter_map(|k| f.get(*k).map(|v| (k, v)))
    .map(|(k, v)| format!(r#"<input type="hidden" name="{k}" value="{}">"#, esc(v)))
    .collect();
    let hint = f.get("login_hint").map(String::as_str).unwrap_or("");
    let mut users: String = String::new();
    for (i, u) in state.org.users.iter().enumerate() {
        let role = match u.role {
            UserRole::Rep => "rep",
            UserRole::Manager => "manager: sees the team's accounts",
            UserRole::Integration => "integration user: sees everything",
        };
        let checked = if u.username.eq_ignore_ascii_case(hint) || (hint.is_empty() && i == 0) {
            " checked"
        } else {
            ""
        };
        users.push_str(&format!(
            r#"<li><label><input type="radio" name="username" value="{v}"{checked}> {name} ({title}, {role}) <code>{v}</code></label></li>"#,
            v = esc(&u.username),
            name = esc(&u.name()),
            title = esc(&u.title),
        ));
    }
    let error = error
        .map(|e| format!(r#"<p class="error" role="alert">{}</p>"#, esc(e)))
        .unwrap_or_default();
    format!(
        r#"<!doctype html>
<html><head><meta charset="utf-8"><title>Login | Salesforce (simulator)</title></head>
<body>
<h1>Log in to the sample org</h1>
{error}
<form method="post" action="/services/oauth2/authorize">
{hidden}
<fieldset><legend>Sample user</legend><ul>{users}</ul></fieldset>
<p><label>Password <input type="password" name="password" placeholder="{DEMO_PASSWORD}" autocomplete="current-password"></label></p>
<p>Every sample user's password is <code>{DEMO_PASSWORD}</code>.</p>
<p><button type="submit" name="action" value="allow">Log in and allow</button>
<button type="submit" name="action" value="deny">Deny</button></p>
</form>
</body></html>"#
    )
}

/// `GET /services/oauth2/authorize`: the login page.
pub async fn authorize_page(State(state): Shared, RawQuery(raw): RawQuery) -> Response {
    let f = form(raw.unwrap_or_default().as_bytes());
    if let Err(page) = check_authorize(&state, &f) {
        return *page;
    }
    Html(login_page(&state, &f, None)).into_response()
}

/// `POST /services/oauth2/authorize`: the submitted login page; redirects with a code.
pub async fn authorize_submit(State(state): Shared, body: Bytes) -> Response {
    let f = form(&body);
    let target = match check_authorize(&state, &f) {
        Ok(t) => t,
        Err(page) => return *page,
    };
    let st = field(&f, "state");
    if field(&f, "action") == Some("deny") {
        return redirect(
            target,
            &[
                ("error", "access_denied"),
                ("error_description", "end-user denied authorization"),
            ],
            st,
        );
    }
    let user = field(&f, "username")
        .and_then(|u| state.user_by_username(u))
        .filter(|_| field(&f, "password") == Some(DEMO_PASSWORD))
        .filter(|u| !state.config.deactivated.contains(&u.id));
    let Some(user) = user else {
        let page = login_page(
            &state,
            &f,
            Some("Please check your username and password. If you still can't log in, contact your Salesforce administrator."),
        );
        return (StatusCode::UNAUTHORIZED, Html(page)).into_response();
    };
    let code = lock(&state.sessions).issue_code(
        &user.id,
        &state.config.client_id,
        field(&f, "redirect_uri").unwrap_or(""),
        field(&f, "scope").unwrap_or(""),
        state.config.clock.now(),
    );
    redirect(target, &[("code", &code)], st)
}

fn user_json(state: &SfState, base: &str, user: &User) -> serde_json::Value {
    json!({
        "sub": state.identity_url(base, &user.id),
        "user_id": user.id,
        "organization_id": state.org_id,
        "preferred_username": user.username,
        "nickname": user.first_name,
        "name": user.name(),
        "email": user.email,
        "email_verified": true,
        "given_name": user.first_name,
        "family_name": user.last_name,
        "zoneinfo": "GMT",
        "active": true,
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "urls": {
            "query": format!("{base}/services/data/v{{version}}/query/"),
            "search": format!("{base}/services/data/v{{version}}/search/"),
            "sobjects": format!("{base}/services/data/v{{version}}/sobjects/"),
        },
    })
}

/// `GET|POST /services/oauth2/userinfo`: who the bearer token acts as.
pub async fn userinfo(State(state): Shared, headers: HeaderMap) -> Result<Response, ApiError> {
    let grant = state.session(&headers)?;
    let user = state
        .user(&grant.user_id)
        .ok_or_else(ApiError::invalid_session)?;
    let base = state.base_url(&headers);
    Ok(Json(user_json(&state, &base, user)).into_response())
}

/// `GET /id/{org}/{user}`: the identity URL of the token response (own identity only).
pub async fn identity(
    State(state): Shared,
    Path((org_id, user_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let grant = state.session(&headers)?;
    if org_id != state.org_id
        || super::value::id_key(&user_id) != super::value::id_key(&grant.user_id)
    {
        return Err(ApiError {
            status: StatusCode::FORBIDDEN,
            code: "INSUFFICIENT_ACCESS",
            message: "insufficient access rights on object id".into(),
        });
    }
    let user = state
        .user(&grant.user_id)
        .ok_or_else(ApiError::invalid_session)?;
    let base = state.base_url(&headers);
    let mut body = user_json(&state, &base, user);
    if let Some(obj) = body.as_object_mut() {
        obj.insert("id".into(), state.identity_url(&base, &user.id).into());
        obj.insert("username".into(), user.username.clone().into());
        obj.insert("display_name".into(), user.name().into());
    }
    Ok(Json(body).into_response())
}

/// `POST /services/oauth2/revoke` with `token=...`.
pub async fn revoke(State(state): Shared, body: Bytes) -> Response {
    let f = form(&body);
    let revoked = field(&f, "token").is_some_and(|t| lock(&state.sessions).revoke(t));
    if revoked {
        StatusCode::OK.into_response()
    } else {
        OAuthError::new("unsupported_token_type", "this token type is not supported")
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            esc(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn client_credentials_come_from_form_or_basic() {
        let mut h = HeaderMap::new();
        let f = form(b"client_id=a&client_secret=b");
        assert_eq!(
            client_credentials(&h, &f),
            (Some("a".into()), Some("b".into()))
        );
        let basic = base64::engine::general_purpose::STANDARD.encode("id:sec");
        h.insert(
            header::AUTHORIZATION,
            format!("Basic {basic}").parse().unwrap(),
        );
        assert_eq!(
            client_credentials(&h, &form(b"")),
            (Some("id".into()), Some("sec".into()))
        );
    }

    #[test]
    fn only_absolute_http_callbacks_are_accepted() {
        assert!(callback(&form(b"redirect_uri=https%3A%2F%2Fchatgpt.com%2Fcb")).is_some());
        assert!(callback(&form(b"redirect_uri=javascript%3Aalert(1)")).is_none());
        assert!(callback(&form(b"redirect_uri=%2Frelative")).is_none());
    }
}

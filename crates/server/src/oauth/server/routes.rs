//! The authorization server's endpoints: `/oauth/register`, `/oauth/authorize`,
//! `/oauth/callback` (Salesforce's answer), `/oauth/token` and `/oauth/revoke`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use serde_json::json;
use subtle::ConstantTimeEq as _;
use url::Url;

use super::clients::{self, ClientMetadata, MAX_REGISTRATION_BYTES};
use super::{
    digest, known_resource, pkce_matches, random_token, AuthServer, CodeGrant, OAuthError, Pending,
    Session, TokenGrant, CODE_TTL, MAX_STATE_BYTES, PENDING_TTL,
};
use crate::client_addr::ClientAddr;
use crate::error::ApiError;
use crate::oauth::paths::{
    AUTHORIZE_PATH, CALLBACK_PATH, CONSENT_PATH, REGISTER_PATH, REVOKE_PATH, TOKEN_PATH,
};

/// The endpoints, sharing `server`.
pub fn router<S>(server: Arc<AuthServer>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route(REGISTER_PATH, post(register))
        .route(AUTHORIZE_PATH, get(authorize))
        .route(CONSENT_PATH, post(consent))
        .route(CALLBACK_PATH, get(callback))
        .route(TOKEN_PATH, post(token))
        .route(REVOKE_PATH, post(revoke))
        .with_state(server)
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            Json(json!({"error": self.error, "error_description": self.description})),
        )
            .into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"callbrief\""),
            );
        }
        response
    }
}

type Form = HashMap<String, String>;

/// A form or query string, refusing repeated parameters (RFC 6749 §3.1, §3.2): a parameter
/// read twice could be checked in one spelling and used in another.
fn parse_form(raw: &[u8]) -> Result<Form, OAuthError> {
    let mut form = Form::new();
    for (name, value) in url::form_urlencoded::parse(raw) {
        if form.insert(name.into_owned(), value.into_owned()).is_some() {
            return Err(OAuthError::new(
                "invalid_request",
                "a parameter appears more than once",
            ));
        }
    }
    Ok(form)
}

fn field<'a>(form: &'a Form, name: &str) -> Option<&'a str> {
    form.get(name).map(String::as_str).filter(|v| !v.is_empty())
}

/// Client id and secret from `Authorization: Basic` (form-urlencoded, RFC 6749 §2.3.1) or the form.
fn client_credentials(headers: &HeaderMap, form: &Form) -> (Option<String>, Option<String>) {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("basic").then_some(rest)
        })
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            let (id, secret) = s.split_once(':')?;
            let decode = |v: &str| urlencoding::decode(v).ok().map(|c| c.into_owned());
            Some((decode(id)?, decode(secret)?))
        });
    match basic {
        Some((id, secret)) => (Some(id), Some(secret)),
        None => (
            field(form, "client_id").map(str::to_owned),
            field(form, "client_secret").map(str::to_owned),
        ),
    }
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn found(location: &Url) -> Response {
    match HeaderValue::from_str(location.as_str()) {
        Ok(value) => no_store((StatusCode::FOUND, [(header::LOCATION, value)]).into_response()),
        Err(_) => {
            ApiError::bad_request("invalid_request", "the redirect cannot be sent").into_response()
        }
    }
}

/// `redirect_uri` with the authorization response's parameters, `state` and `iss` included
/// (RFC 9207), so a client can tell which server answered.
fn answer_url(
    redirect_uri: &str,
    pairs: &[(&str, &str)],
    state: Option<&str>,
    iss: &str,
) -> Option<Url> {
    let mut url = Url::parse(redirect_uri).ok()?;
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in pairs {
            query.append_pair(name, value);
        }
        if let Some(state) = state {
            query.append_pair("state", state);
        }
        query.append_pair("iss", iss);
    }
    Some(url)
}

/// `POST /oauth/register`: Dynamic Client Registration (RFC 7591), limited per client address.
async fn register(State(server): State<Arc<AuthServer>>, request: Request) -> Response {
    let peer = ClientAddr::of(&request);
    let body = request.into_body();
    if let Some(ip) = peer {
        // Every attempt counts, accepted or not: the limit is on registrations asked for.
        if let Err(wait) = server.registrations.try_acquire(ip) {
            tracing::warn!("registration refused: too many from one address");
            let mut err = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_registrations",
                "too many client registrations from this address; retry after the Retry-After seconds",
            );
            err.retry_after = Some(wait);
            return err.into_response();
        }
    }
    let Ok(body) = axum::body::to_bytes(body, MAX_REGISTRATION_BYTES).await else {
        return OAuthError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            error: "invalid_client_metadata",
            description: format!("a registration may have at most {MAX_REGISTRATION_BYTES} bytes"),
        }
        .into_response();
    };
    let metadata = match clients::parse_registration(&body) {
        Ok(metadata) => metadata,
        Err(err) => {
            return OAuthError::new(err.error, err.description).into_response();
        }
    };
    let issued = server.clients.issue(&metadata);
    tracing::info!(client_name = %crate::telemetry::loggable(&metadata.name), "registered an OAuth client");
    let mut answer = json!({
        "client_id": issued.client_id,
        "client_id_issued_at": server.now(),
        "client_name": metadata.name,
        "redirect_uris": metadata.redirect_uris,
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": metadata.auth_method.as_str(),
    });
    if let (Some(secret), Some(obj)) = (issued.client_secret, answer.as_object_mut()) {
        obj.insert("client_secret".into(), secret.into());
        obj.insert("client_secret_expires_at".into(), 0.into());
    }
    no_store((StatusCode::CREATED, Json(answer)).into_response())
}

/// Why an authorization request is refused, and how the answer goes out.
enum Refusal {
    /// Shown to the person: the client or its redirect URI cannot be trusted with an answer.
    Page(ApiError),
    /// Sent to the client's redirect URI (RFC 6749 §4.1.2.1).
    Redirect(Url),
}

/// `GET /oauth/authorize`: checks the request and asks the person's consent.
async fn authorize(
    State(server): State<Arc<AuthServer>>,
    from: Option<axum::Extension<ClientAddr>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let from = from.map(|axum::Extension(ClientAddr(ip))| ip);
    match server
        .begin(&headers, query.as_deref().unwrap_or(""), from)
        .await
    {
        Ok(consent) => consent_page(&consent),
        Err(Refusal::Page(err)) => no_store(err.into_response()),
        Err(Refusal::Redirect(location)) => found(&location),
    }
}

/// `POST /oauth/consent`: the person's answer on the consent page.
async fn consent(
    State(server): State<Arc<AuthServer>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let answer = match parse_form(&body) {
        Ok(form) => server.consent(&headers, &form).await,
        Err(e) => Err(ApiError::bad_request(e.error, e.description)),
    };
    match answer {
        Ok(Answer { location, cookie }) => {
            let mut response = found(&location);
            // The consent page's cookie has done its work either way.
            set_cookie(&mut response, &expired_cookie(CONSENT_COOKIE, "/oauth"));
            if let Some(cookie) = cookie {
                set_cookie(&mut response, &cookie);
            }
            response
        }
        Err(err) => no_store(err.into_response()),
    }
}

/// Where the consent sends the browser, and the sign-in cookie it sets on the way.
struct Answer {
    location: Url,
    cookie: Option<String>,
}

fn set_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// A `Set-Cookie` value deleting the cookie `name` at `path`.
fn expired_cookie(name: &str, path: &str) -> String {
    format!("{name}=; Path={path}; HttpOnly; SameSite=Lax; Max-Age=0")
}

/// Name of the cookie tying a consent page to the browser that shows it.
const CONSENT_COOKIE: &str = "callbrief_consent";
/// Name prefix of the cookie tying a sign-in at Salesforce to the browser that consented; the
/// rest of the name comes from Salesforce's `state`, so two sign-ins at once keep two cookies.
const SIGN_IN_COOKIE_PREFIX: &str = "callbrief_signin_";
/// The vault name the consent form's sealed request is sealed under.
const CONSENT_REQUEST: &str = "consent-request";
/// Longest cookie value sent: browsers keep at most 4,096 bytes of name and value.
const MAX_COOKIE_BYTES: usize = 4000;

/// An authorization request waiting for the person's answer, sealed into the consent form.
#[derive(serde::Serialize, serde::Deserialize)]
struct ConsentRequest {
    pending: Pending,
    /// SHA-256 of the consent cookie the page set.
    browser: String,
}

/// A consented sign-in, sealed into the cookie of the browser that consented.
#[derive(serde::Serialize, serde::Deserialize)]
struct SignIn {
    pending: Pending,
    /// SHA-256 of the `state` sent to Salesforce.
    state: String,
}

/// How far the person can trust the name a client gives itself.
enum ClientKind {
    /// Registered itself (DCR): its name is whatever it said.
    SelfDeclared,
    /// Its id is the URL of its metadata document: its domain is verified by HTTPS.
    VerifiedDomain(String),
    /// An admin created it.
    Admin,
}

impl ClientKind {
    fn of(client_id: &str, client: &ClientMetadata) -> Self {
        if client.admin {
            return ClientKind::Admin;
        }
        match Url::parse(client_id) {
            Ok(url) if super::cimd::is_document_url(client_id) => {
                ClientKind::VerifiedDomain(url.host_str().unwrap_or_default().to_owned())
            }
            _ => ClientKind::SelfDeclared,
        }
    }

    /// Whether its redirect URIs were vouched for, so that errors it never asked for may be
    /// sent to them (RFC 9700 §4.11: otherwise a server is an open redirector).
    fn vouched(&self) -> bool {
        !matches!(self, ClientKind::SelfDeclared)
    }
}

/// What the consent page shows and sets.
struct Consent {
    request: String,
    browser: String,
    client_name: String,
    kind: ClientKind,
    redirect_uri: String,
    salesforce: String,
    secure: bool,
}

/// The value of the cookie `name` the browser sent.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.to_owned())
}

/// The name of the sign-in cookie for Salesforce's `state`.
fn sign_in_cookie_name(sf_state: &str) -> String {
    format!("{SIGN_IN_COOKIE_PREFIX}{}", &digest(sf_state)[..16])
}

/// `scheme://host[:port]` of `url`, for a CSP source list; `None` when it has no such origin.
fn origin(url: &str) -> Option<String> {
    let origin = Url::parse(url).ok()?.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// Escapes text for HTML element content and attribute values.
fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
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

/// The consent page's style, inline and allowed by its hash: the page loads nothing.
const CONSENT_STYLE: &str = "body{margin:0;background:#f4f6f8;color:#17202a;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}\
main{max-width:34rem;margin:2rem auto;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08)}\
.brand{font-weight:700;letter-spacing:.02em;color:#0b5cab;margin:0 0 1rem}\
h1{font-size:1.35rem;line-height:1.3;margin:0 0 1rem}\
.tag{display:inline-block;font-size:.8rem;font-weight:600;padding:.1rem .5rem;border-radius:99px;background:#fff4d6;color:#7a4d00;vertical-align:middle}\
.tag.ok{background:#e3f4e8;color:#1d6b34}\
dl{margin:1rem 0;display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem}\
dt{color:#56606b}dd{margin:0;word-break:break-all}\
.host{font-size:1.1rem;font-weight:700}\
ul{padding-left:1.2rem}\
.actions{display:flex;gap:.75rem;flex-wrap:wrap;margin-top:1.5rem}\
button{font:inherit;padding:.7rem 1.2rem;border-radius:8px;border:1px solid #0b5cab;cursor:pointer}\
.allow{background:#0b5cab;color:#fff}.deny{background:#fff;color:#0b5cab}\
@media (max-width:36rem){main{margin:0;border-radius:0;padding:1.25rem}}";

/// The `Content-Security-Policy` source of [`CONSENT_STYLE`].
fn consent_style_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        let sum = <sha2::Sha256 as sha2::Digest>::digest(CONSENT_STYLE.as_bytes());
        format!(
            "'sha256-{}'",
            base64::engine::general_purpose::STANDARD.encode(sum)
        )
    })
}

/// The consent page: which app asks (and how far its name can be trusted), where its answer
/// goes, what it will read, at which Salesforce the person signs in; allow or deny. Every
/// client can register itself, so the person, not the registration, decides which app may
/// act as them (MCP's rule for a server that signs in at another authorization server with one
/// client of its own). The page loads nothing, cannot be framed, its form may go only here and
/// on to exactly Salesforce's login origin (*Allow*) or the client's redirect origin (*Deny*),
/// and its cookie must come back with the answer.
fn consent_page(consent: &Consent) -> Response {
    let host = Url::parse(&consent.redirect_uri)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default();
    let salesforce_host = Url::parse(&consent.salesforce)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default();
    let name = html_escape(&consent.client_name);
    let tag = match &consent.kind {
        ClientKind::SelfDeclared => {
            r#"<span class="tag" title="Any app can register under any name">name chosen by the app itself, not verified</span>"#.to_owned()
        }
        ClientKind::VerifiedDomain(domain) => format!(
            r#"<span class="tag ok">verified domain: {}</span>"#,
            html_escape(domain)
        ),
        ClientKind::Admin => {
            r#"<span class="tag ok">added by your administrator</span>"#.to_owned()
        }
    };
    let html = format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Allow access to callbrief</title>
<style>{CONSENT_STYLE}</style></head>
<body><main>
<p class="brand">callbrief</p>
<h1>Allow <q>{name}</q> to use callbrief as you?</h1>
<p>{tag}</p>
<dl>
<dt>Answer goes to</dt><dd class="host" id="redirect-host">{host}</dd>
<dt>You sign in at</dt><dd id="salesforce-host">Salesforce, {salesforce_host}</dd>
</dl>
<p>If you allow it, this app can read, as you:</p>
<ul>
<li>the Salesforce accounts, opportunities, contacts and meetings you can see;</li>
<li>the Gong calls of those accounts: transcripts, summaries and attendees.</li>
</ul>
<p>It cannot change anything in Salesforce or Gong. Only allow apps you started connecting
yourself, and only if you expect <strong>{host}</strong> to receive the answer.</p>
<form method="post" action="{CONSENT_PATH}">
<input type="hidden" name="request" value="{request}">
<div class="actions">
<button class="allow" type="submit" name="action" value="allow">Allow and sign in with Salesforce</button>
<button class="deny" type="submit" name="action" value="deny">Deny</button>
</div>
</form>
</main></body></html>"#,
        host = html_escape(&host),
        salesforce_host = html_escape(&salesforce_host),
        request = html_escape(&consent.request),
    );
    let secure = if consent.secure { "; Secure" } else { "" };
    let cookie = format!(
        "{CONSENT_COOKIE}={}; Path=/oauth; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        consent.browser,
        PENDING_TTL.as_secs()
    );
    // Chrome checks form-action on every redirect of the form's navigation, so the answer's
    // 302 to Salesforce (or to the client, on Deny) must be allowed by exact origin.
    let form_action: Vec<String> = std::iter::once("'self'".to_owned())
        .chain(origin(&consent.salesforce))
        .chain(origin(&consent.redirect_uri))
        .collect();
    let csp = format!(
        "default-src 'none'; style-src {}; form-action {}; frame-ancestors 'none'; base-uri 'none'",
        consent_style_hash(),
        form_action.join(" ")
    );
    let mut response = axum::response::Html(html).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        headers.insert(header::SET_COOKIE, value);
    }
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    match HeaderValue::from_str(&csp) {
        Ok(value) => {
            headers.insert(header::CONTENT_SECURITY_POLICY, value);
        }
        Err(_) => {
            return ApiError::bad_request("invalid_request", "the consent page cannot be shown")
                .into_response()
        }
    }
    no_store(response)
}

/// `GET /oauth/callback`: Salesforce's answer; redeems its code and answers the client.
async fn callback(
    State(server): State<Arc<AuthServer>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    let mut response = match server.finish(&headers, &query).await {
        Ok(location) => found(&location),
        Err(err) => no_store(err.into_response()),
    };
    // The sign-in cookie is used up, whatever the outcome.
    if let Some(state) = parse_form(query.as_bytes())
        .ok()
        .as_ref()
        .and_then(|f| field(f, "state"))
    {
        set_cookie(
            &mut response,
            &expired_cookie(&sign_in_cookie_name(state), CALLBACK_PATH),
        );
    }
    response
}
/// `POST /oauth/token`: the authorization-code and refresh-token grants.
async fn token(State(server): State<Arc<AuthServer>>, headers: HeaderMap, body: Bytes) -> Response {
    let answer = async {
        let form = parse_form(&body)?;
        let (id, secret) = client_credentials(&headers, &form);
        let (client_id, client) = server
            .authenticate_client(id.as_deref(), secret.as_deref())
            .await?;
        let base = server.base(&headers);
        match field(&form, "grant_type") {
            Some("authorization_code") => {
                server.redeem_code(&form, &client_id, &client, &base).await
            }
            Some("refresh_token") => server.rotate_refresh(&form, &client_id, &base).await,
            Some(_) => Err(OAuthError::new(
                "unsupported_grant_type",
                "only authorization_code and refresh_token are accepted",
            )),
            None => Err(OAuthError::new("invalid_request", "grant_type is required")),
        }
    };
    match answer.await {
        Ok(tokens) => no_store(Json(tokens).into_response()),
        Err(err) => {
            tracing::info!(error = err.error, "refused a token request");
            err.into_response()
        }
    }
}

/// `POST /oauth/revoke` (RFC 7009): ends the session behind a refresh token, or one access
/// token. Unknown tokens are answered 200 too, so the endpoint tells nothing of what exists.
async fn revoke(
    State(server): State<Arc<AuthServer>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let answer = async {
        let form = parse_form(&body)?;
        let (id, secret) = client_credentials(&headers, &form);
        let (client_id, _) = server
            .authenticate_client(id.as_deref(), secret.as_deref())
            .await?;
        let token = field(&form, "token")
            .ok_or_else(|| OAuthError::new("invalid_request", "token is required"))?;
        server.revoke_token(token, &client_id).await
    };
    match answer.await {
        Ok(()) => no_store(StatusCode::OK.into_response()),
        Err(err) => err.into_response(),
    }
}

impl AuthServer {
    /// Checks an authorization request (client, exact redirect URI, PKCE S256, resource) and
    /// returns where Salesforce's sign-in is.
    async fn begin(
        &self,
        headers: &HeaderMap,
        query: &str,
        from: Option<std::net::IpAddr>,
    ) -> Result<Consent, Refusal> {
        let page = |code: &str, message: &str| Refusal::Page(ApiError::bad_request(code, message));
        let form = parse_form(query.as_bytes()).map_err(|e| page(e.error, &e.description))?;
        let client_id = field(&form, "client_id")
            .ok_or_else(|| page("invalid_request", "client_id is required"))?;
        let client: ClientMetadata = self
            .client(client_id, from)
            .await
            .map_err(|why| page("invalid_client", &why))?;
        let redirect_uri = field(&form, "redirect_uri")
            .ok_or_else(|| page("invalid_request", "redirect_uri is required"))?;
        if !client.redirect_uris.iter().any(|r| r == redirect_uri) {
            return Err(page(
                "invalid_redirect_uri",
                "redirect_uri is not one the client registered",
            ));
        }
        let state = field(&form, "state");
        if let Some(state) = state {
            if state.len() > MAX_STATE_BYTES || !state.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
                return Err(page(
                    "invalid_request",
                    &format!("state must be at most {MAX_STATE_BYTES} printable ASCII characters"),
                ));
            }
        }
        // From here on a client whose redirect URIs were vouched for (an admin's, or a
        // metadata document's on its own domain) is answered at its redirect URI; a
        // self-registered one sees the error on a page, as nobody vouched for where it sends.
        let kind = ClientKind::of(client_id, &client);
        let base = self.base(headers);
        let refuse = |error: &str, description: &str| {
            if !kind.vouched() {
                return page(error, description);
            }
            answer_url(
                redirect_uri,
                &[("error", error), ("error_description", description)],
                state,
                &base,
            )
            .map_or_else(|| page(error, description), Refusal::Redirect)
        };
        if field(&form, "response_type") != Some("code") {
            return Err(refuse(
                "unsupported_response_type",
                "response_type must be code",
            ));
        }
        let challenge = match (
            field(&form, "code_challenge"),
            field(&form, "code_challenge_method"),
        ) {
            (Some(challenge), Some("S256")) if (43..=128).contains(&challenge.len()) => challenge,
            // An empty challenge marks a code redeemable without a verifier.
            (None, None) if client.pkce_optional && client.is_confidential() => "",
            _ => {
                return Err(refuse(
                    "invalid_request",
                    "PKCE is required: code_challenge with code_challenge_method=S256",
                ))
            }
        };
        let Some(resource) = known_resource(&base, field(&form, "resource")) else {
            return Err(refuse(
                "invalid_target",
                "resource is not served by this server",
            ));
        };
        // Nothing to consent to when no one can sign in.
        let app = self.app().map_err(|e| {
            Refusal::Page(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_configured",
                e.description,
            ))
        })?;
        let pending = Pending {
            client: digest(client_id),
            redirect_uri: redirect_uri.to_owned(),
            state: state.map(str::to_owned),
            challenge: challenge.to_owned(),
            resource,
        };
        let browser = random_token("");
        let sealed = serde_json::to_vec(&ConsentRequest {
            pending,
            browser: digest(&browser),
        })
        .map_err(|_| page("server_error", "the request could not be sealed"))
        .and_then(|json| {
            self.vault()
                .seal_token(CONSENT_REQUEST, &json, PENDING_TTL)
                .map_err(|_| page("server_error", "the request could not be sealed"))
        })?;
        Ok(Consent {
            request: sealed,
            browser,
            client_name: client.name.clone(),
            kind,
            redirect_uri: redirect_uri.to_owned(),
            salesforce: app.login_url().to_owned(),
            secure: base.starts_with("https://"),
        })
    }

    /// The person's answer on the consent page: on "allow", the sign-in goes on to Salesforce
    /// with a cookie that binds it to this browser; otherwise the client is told
    /// `access_denied`. The page's cookie must come back with the answer, so a page elsewhere
    /// cannot answer for the person.
    async fn consent(&self, headers: &HeaderMap, form: &Form) -> Result<Answer, ApiError> {
        let bad = |m: &str| ApiError::bad_request("invalid_request", m);
        let sealed = field(form, "request").ok_or_else(|| bad("request is required"))?;
        let record: ConsentRequest = self
            .vault()
            .open_token(CONSENT_REQUEST, sealed)
            .and_then(|json| serde_json::from_slice(&json).ok())
            .ok_or_else(|| bad("this sign-in is unknown or expired; start again from the app"))?;
        let browser = cookie(headers, CONSENT_COOKIE).unwrap_or_default();
        if !bool::from(digest(&browser).as_bytes().ct_eq(record.browser.as_bytes())) {
            return Err(bad("this answer did not come from the page that asked"));
        }
        let base = self.base(headers);
        let pending = record.pending;
        if field(form, "action") != Some("allow") {
            let location = answer_url(
                &pending.redirect_uri,
                &[
                    ("error", "access_denied"),
                    ("error_description", "the person declined"),
                ],
                pending.state.as_deref(),
                &base,
            )
            .ok_or_else(|| bad("the client's redirect URI is unusable"))?;
            return Ok(Answer {
                location,
                cookie: None,
            });
        }
        let app = self.app().map_err(|e| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_configured",
                e.description,
            )
        })?;
        let sf_state = random_token("");
        let name = sign_in_cookie_name(&sf_state);
        let sealed = serde_json::to_vec(&SignIn {
            pending,
            state: digest(&sf_state),
        })
        .ok()
        .and_then(|json| self.vault().seal_token(&name, &json, PENDING_TTL).ok())
        .filter(|sealed| name.len() + sealed.len() < MAX_COOKIE_BYTES)
        .ok_or_else(|| bad("this sign-in request is too large to carry on"))?;
        let secure = if base.starts_with("https://") {
            "; Secure"
        } else {
            ""
        };
        let cookie = format!(
            "{name}={sealed}; Path={CALLBACK_PATH}; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            PENDING_TTL.as_secs()
        );
        let location = app
            .authorize_url(&format!("{base}{CALLBACK_PATH}"), &sf_state)
            .map_err(|e| {
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "not_configured",
                    e.to_string(),
                )
            })?;
        Ok(Answer {
            location,
            cookie: Some(cookie),
        })
    }

    /// Completes a sign-in: redeems Salesforce's code, keeps the session, and sends the person
    /// back to the client with callbrief's code.
    async fn finish(&self, headers: &HeaderMap, query: &str) -> Result<Url, ApiError> {
        let form = parse_form(query.as_bytes())
            .map_err(|e| ApiError::bad_request(e.error, e.description))?;
        let sf_state = field(&form, "state")
            .ok_or_else(|| ApiError::bad_request("invalid_request", "state is required"))?;
        // Only the browser that consented holds the cookie: a sign-in URL someone else
        // consented to, opened here, ends here, before Salesforce's code is redeemed.
        let name = sign_in_cookie_name(sf_state);
        let sign_in: SignIn = cookie(headers, &name)
            .and_then(|sealed| self.vault().open_token(&name, &sealed))
            .and_then(|json| serde_json::from_slice(&json).ok())
            .filter(|s: &SignIn| bool::from(digest(sf_state).as_bytes().ct_eq(s.state.as_bytes())))
            .ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_request",
                    "this sign-in was not started in this browser, or has expired; start again from the app",
                )
            })?;
        let pending = sign_in.pending;
        let base = self.base(headers);
        let back = |pairs: &[(&str, &str)]| {
            answer_url(
                &pending.redirect_uri,
                pairs,
                pending.state.as_deref(),
                &base,
            )
            .ok_or_else(|| {
                ApiError::bad_request("invalid_request", "the client's redirect URI is unusable")
            })
        };
        let Some(sf_code) = field(&form, "code") else {
            let denied = field(&form, "error").unwrap_or("access_denied");
            let error = if denied == "access_denied" {
                "access_denied"
            } else {
                "server_error"
            };
            return back(&[
                ("error", error),
                (
                    "error_description",
                    "the Salesforce sign-in did not complete",
                ),
            ]);
        };
        let app = self.app().map_err(|e| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_configured",
                e.description,
            )
        })?;
        let issued = match app
            .exchange_code(sf_code, &format!("{base}{CALLBACK_PATH}"))
            .await
        {
            Ok(issued) => issued,
            Err(err) => {
                tracing::warn!(error = %err, "Salesforce's authorization code could not be redeemed");
                return back(&[
                    ("error", "server_error"),
                    (
                        "error_description",
                        "Salesforce did not complete the sign-in",
                    ),
                ]);
            }
        };
        let sf_access = secrecy::ExposeSecret::expose_secret(&issued.access_token).to_owned();
        // The same check as every request: the org, and who the person is.
        let caller = match self.service.authenticate_salesforce_token(&sf_access).await {
            Ok(caller) => caller,
            Err(err) => {
                tracing::info!(error = %err, "a Salesforce sign-in was not accepted");
                return back(&[
                    ("error", "access_denied"),
                    (
                        "error_description",
                        "this Salesforce user cannot use callbrief",
                    ),
                ]);
            }
        };
        let user_id = caller.user_id().unwrap_or_default().to_owned();
        let session_id = random_token("");
        let session = Session {
            user_id: user_id.clone(),
            client_id: pending.client.clone(),
            sf_access,
            sf_refresh: issued
                .refresh_token
                .as_ref()
                .map(|r| secrecy::ExposeSecret::expose_secret(r).to_owned()),
            sf_issued: self.now(),
        };
        let store_failed =
            |e: OAuthError| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.error, e.description);
        self.put_json(
            &format!("session/{session_id}"),
            &session,
            self.settings.refresh_token_ttl,
        )
        .await
        .map_err(store_failed)?;
        let code = random_token("cbc_");
        let grant = CodeGrant {
            client: pending.client.clone(),
            redirect_uri: pending.redirect_uri.clone(),
            challenge: pending.challenge.clone(),
            resource: pending.resource.clone(),
            session: session_id,
            expires: self.now().saturating_add(CODE_TTL.as_secs()),
        };
        self.put_json(&format!("code/{}", digest(&code)), &grant, CODE_TTL)
            .await
            .map_err(store_failed)?;
        tracing::info!(%user_id, "signed a person in through Salesforce");
        back(&[("code", &code)])
    }

    /// The authorization-code grant: one use, same client and redirect URI, the PKCE verifier,
    /// and the resource of the authorization request. A code used twice ends the session it
    /// created (RFC 6749 §4.1.2).
    async fn redeem_code(
        &self,
        form: &Form,
        client_id: &str,
        client: &ClientMetadata,
        base: &str,
    ) -> Result<super::TokenResponse, OAuthError> {
        let code = field(form, "code")
            .ok_or_else(|| OAuthError::new("invalid_request", "code is required"))?;
        let name = format!("code/{}", digest(code));
        let used = format!("used-code/{}", digest(code));
        let Some(grant) = self.take_json::<CodeGrant>(&name).await? else {
            if let Some(session) = self.get_json::<String>(&used).await? {
                tracing::warn!("an authorization code was used twice; its session ends");
                self.end_session(&session).await;
            }
            return Err(OAuthError::new(
                "invalid_grant",
                "the code is invalid, expired or already used",
            ));
        };
        self.put_json(&used, &grant.session, self.settings.access_token_ttl)
            .await?;
        let refuse = |description: &str| OAuthError::new("invalid_grant", description);
        if grant.expires <= self.now() || grant.client != digest(client_id) {
            return Err(refuse("the code is invalid, expired or already used"));
        }
        if field(form, "redirect_uri") != Some(grant.redirect_uri.as_str()) {
            return Err(refuse(
                "redirect_uri differs from the authorization request's",
            ));
        }
        if !(grant.challenge.is_empty() && client.pkce_optional && client.is_confidential()) {
            let verifier = field(form, "code_verifier").ok_or_else(|| {
                OAuthError::new("invalid_request", "code_verifier is required (PKCE)")
            })?;
            if !pkce_matches(verifier, &grant.challenge) {
                return Err(refuse("code_verifier does not match the code_challenge"));
            }
        }
        if let Some(resource) = field(form, "resource") {
            if known_resource(base, Some(resource)).as_deref() != Some(grant.resource.as_str()) {
                return Err(OAuthError::new(
                    "invalid_target",
                    "resource differs from the authorization request's",
                ));
            }
        }
        self.issue_tokens(&grant.session, client_id, &grant.resource)
            .await
    }

    /// The refresh-token grant: the token is used up and a new pair issued (rotation). A
    /// used-up token presented again ends the session (it may have been stolen).
    async fn rotate_refresh(
        &self,
        form: &Form,
        client_id: &str,
        base: &str,
    ) -> Result<super::TokenResponse, OAuthError> {
        let token = field(form, "refresh_token")
            .ok_or_else(|| OAuthError::new("invalid_request", "refresh_token is required"))?;
        let name = format!("refresh/{}", digest(token));
        let used = format!("used-refresh/{}", digest(token));
        let refused = || {
            OAuthError::new(
                "invalid_grant",
                "the refresh token is invalid, expired or revoked",
            )
        };
        let Some(grant) = self.take_json::<TokenGrant>(&name).await? else {
            if let Some(session) = self.get_json::<String>(&used).await? {
                tracing::warn!("a used refresh token was presented again; its session ends");
                self.end_session(&session).await;
            }
            return Err(refused());
        };
        self.put_json(&used, &grant.session, self.settings.refresh_token_ttl)
            .await?;
        if grant.expires <= self.now() || grant.client_id != client_id {
            return Err(refused());
        }
        if let Some(resource) = field(form, "resource") {
            if known_resource(base, Some(resource)).as_deref() != Some(grant.resource.as_str()) {
                return Err(OAuthError::new(
                    "invalid_target",
                    "resource differs from the token's",
                ));
            }
        }
        let session: Option<Session> = self.get_json(&format!("session/{}", grant.session)).await?;
        let Some(session) = session else {
            return Err(refused());
        };
        // The session lives as long as it is used.
        self.put_json(
            &format!("session/{}", grant.session),
            &session,
            self.settings.refresh_token_ttl,
        )
        .await?;
        self.issue_tokens(&grant.session, client_id, &grant.resource)
            .await
    }

    /// Revokes `token` for `client_id`: a refresh token ends its session (every token of the
    /// sign-in), an access token stops at once.
    async fn revoke_token(&self, token: &str, client_id: &str) -> Result<(), OAuthError> {
        let refresh = format!("refresh/{}", digest(token));
        if let Some(grant) = self.get_json::<TokenGrant>(&refresh).await? {
            if grant.client_id == client_id {
                self.vault.remove(&refresh).await?;
                self.end_session(&grant.session).await;
            }
            return Ok(());
        }
        let access = format!("access/{}", digest(token));
        if let Some(grant) = self.get_json::<TokenGrant>(&access).await? {
            if grant.client_id == client_id {
                self.vault.remove(&access).await?;
            }
        }
        Ok(())
    }
}

//! The OpenAPI 3.1 document, generated from the handlers and their types with utoipa.
//!
//! ChatGPT builds its action from this document, so it follows the GPT Actions rules: every
//! operation marked `x-openai-isConsequential: false`, short summaries, no `$ref` to
//! `components/parameters`, and a single security scheme (the GPT editor accepts only one). The
//! scheme follows the server's [`AuthMode`]: a bearer API key (the other key styles are described
//! in `info.description`), or, with Salesforce sign-in, OAuth 2 authorization code through
//! callbrief's own `/oauth/authorize` and `/oauth/token` (ChatGPT wants an action's OAuth URLs on
//! the action's domain).

use utoipa::openapi::security::{
    AuthorizationCode, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes, SecurityRequirement,
    SecurityScheme,
};
use utoipa::openapi::server::Server;
use utoipa::OpenApi;

use crate::config::AuthMode;
use crate::error::ErrorBody;
use crate::gpt::salesforce_action::SCOPES;
use crate::oauth::paths::{AUTHORIZE_PATH, TOKEN_PATH};
use crate::routes::transcripts::TranscriptsRequest;
use service::dto::{
    AccountCallsResponse, AccountsResponse, FailedCall, RecordsInfo, TranscriptsResponse,
};
use service::{AccountId, CallId};

/// Name of the security scheme in API-key mode.
pub const API_KEY_SCHEME: &str = "apiKey";
/// Name of the security scheme in Salesforce mode.
pub const SALESFORCE_OAUTH_SCHEME: &str = "salesforceOAuth";

/// What the document's `info.description` says in API-key mode: purpose and every accepted key
/// style.
pub const API_DESCRIPTION: &str = "Gong call transcripts and one-call account briefings for \
assistants preparing sales meetings. Authenticate with the API key as `Authorization: Bearer <key>`; \
`X-API-Key: <key>`, `x-functions-key: <key>` and `?code=<key>` are accepted too.";

/// What the document's `info.description` says in Salesforce mode: purpose and the sign-in.
pub const SALESFORCE_API_DESCRIPTION: &str = "Gong call transcripts and one-call account \
briefings for assistants preparing sales meetings. Sign in with Salesforce (OAuth 2 authorization \
code through this server's /oauth/authorize and /oauth/token); every call then sends the \
Salesforce access token as `Authorization: Bearer <token>` and sees only what that person may see \
in Salesforce.";

#[derive(OpenApi)]
#[openapi(
    info(title = "callbrief"),
    paths(
        crate::routes::transcripts::call_transcripts,
        crate::routes::accounts::search_accounts,
        crate::routes::accounts::list_account_calls,
        crate::routes::accounts::account_briefing,
        crate::routes::meetings::list_my_meetings,
    ),
    components(schemas(
        TranscriptsRequest,
        CallId,
        AccountId,
        TranscriptsResponse,
        RecordsInfo,
        FailedCall,
        ErrorBody,
        transcript::CleanTranscript,
        transcript::Speaker,
        transcript::budget::TranscriptSlice,
        AccountsResponse,
        AccountCallsResponse,
        service::AccountHit,
        service::CallRow,
        service::Briefing,
        service::Truncation,
        service::Methodology,
        service::MyMeetings,
        service::MeetingRow,
    )),
    tags(
        (name = "transcripts", description = "Gong call transcripts"),
        (name = "accounts", description = "Salesforce accounts and meeting-prep briefings"),
    ),
)]
struct ApiDoc;

/// The document for a server reachable at `server_url` whose callers authenticate as `auth`
/// says, with `maxItems` of `callIds` set to the server's actual limit so callers see the limit
/// they will be held to.
pub fn document(server_url: &str, max_call_ids: usize, auth: AuthMode) -> utoipa::openapi::OpenApi {
    let server_url = server_url.trim_end_matches('/');
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc.info.license = None;
    doc.info.description = Some(
        match auth {
            AuthMode::ApiKey => API_DESCRIPTION,
            AuthMode::Salesforce => SALESFORCE_API_DESCRIPTION,
        }
        .to_owned(),
    );
    doc.servers = Some(vec![Server::new(server_url)]);
    set_max_call_ids(&mut doc, max_call_ids);
    set_id_patterns(&mut doc);
    set_security(&mut doc, server_url, auth);
    doc
}

/// The document as pretty JSON, as served at `GET /openapi.json` and printed by `callbrief openapi`.
pub fn document_json(server_url: &str, max_call_ids: usize, auth: AuthMode) -> String {
    let doc = document(server_url, max_call_ids, auth);
    // Serializing utoipa's own types cannot fail; fall back to the compact form just in case.
    doc.to_pretty_json()
        .or_else(|_| doc.to_json())
        .unwrap_or_else(|_| "{}".to_owned())
}

/// The one security scheme for `auth`, its name and the scopes every operation requires.
/// `server_url` has no trailing slash.
pub fn security_scheme(
    server_url: &str,
    auth: AuthMode,
) -> (&'static str, SecurityScheme, Vec<&'static str>) {
    match auth {
        AuthMode::ApiKey => (
            API_KEY_SCHEME,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "callbrief API key (CALLBRIEF_API_KEYS). X-API-Key, x-functions-key \
                         headers and the code query parameter are accepted too.",
                    ))
                    .build(),
            ),
            Vec::new(),
        ),
        AuthMode::Salesforce => (
            SALESFORCE_OAUTH_SCHEME,
            SecurityScheme::OAuth2(OAuth2::with_description(
                [Flow::AuthorizationCode(AuthorizationCode::new(
                    format!("{server_url}{AUTHORIZE_PATH}"),
                    format!("{server_url}{TOKEN_PATH}"),
                    Scopes::from_iter(SCOPES),
                ))],
                "Salesforce sign-in through callbrief, which forwards to the Connected App's \
                 Salesforce authorize and token endpoints; the access token is the person's own.",
            )),
            SCOPES.iter().map(|(scope, _)| *scope).collect(),
        ),
    }
}

/// Declares the scheme for `auth` and requires it on the document and on every operation, so
/// the scheme's name and scopes are written in this one place.
fn set_security(doc: &mut utoipa::openapi::OpenApi, server_url: &str, auth: AuthMode) {
    let (name, scheme, scopes) = security_scheme(server_url, auth);
    doc.components
        .get_or_insert_with(Default::default)
        .add_security_scheme(name, scheme);
    let requirement = SecurityRequirement::new(name, scopes);
    doc.security = Some(vec![requirement.clone()]);
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for operation in operations.into_iter().flatten() {
            operation.security = Some(vec![requirement.clone()]);
        }
    }
}

fn set_max_call_ids(doc: &mut utoipa::openapi::OpenApi, max: usize) {
    use utoipa::openapi::schema::Schema;
    use utoipa::openapi::RefOr;
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    let Some(RefOr::T(Schema::Object(request))) = components.schemas.get_mut("TranscriptsRequest")
    else {
        return;
    };
    if let Some(RefOr::T(Schema::Array(array))) = request.properties.get_mut("callIds") {
        array.max_items = Some(max);
    }
}

/// Each id's pattern, from the one place it is written ([`service::ids`]): the id schemas and
/// the account routes' `{id}`.
fn set_id_patterns(doc: &mut utoipa::openapi::OpenApi) {
    use service::ids::{ACCOUNT_ID_PATTERN, CALL_ID_PATTERN};
    use utoipa::openapi::schema::Schema;
    use utoipa::openapi::RefOr;
    let set = |schema: Option<&mut RefOr<Schema>>, pattern: &str| {
        if let Some(RefOr::T(Schema::Object(object))) = schema {
            object.pattern = Some(pattern.to_owned());
        }
    };
    if let Some(components) = doc.components.as_mut() {
        set(components.schemas.get_mut("CallId"), CALL_ID_PATTERN);
        set(components.schemas.get_mut("AccountId"), ACCOUNT_ID_PATTERN);
    }
    for (path, item) in doc.paths.paths.iter_mut() {
        if !path.starts_with("/accounts/{id}/") {
            continue;
        }
        let parameters = item
            .get
            .iter_mut()
            .flat_map(|op| op.parameters.iter_mut().flatten());
        for parameter in parameters.filter(|p| p.name == "id") {
            set(parameter.schema.as_mut(), ACCOUNT_ID_PATTERN);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn doc_for(auth: AuthMode) -> Value {
        serde_json::from_str(&document_json("https://cb.example.com/", 7, auth)).unwrap()
    }

    fn doc() -> Value {
        doc_for(AuthMode::ApiKey)
    }

    /// Every operation of the document, as (where, operation).
    fn operations(doc: &Value) -> Vec<(String, &Value)> {
        let mut out = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                out.push((format!("{method} {path}"), op));
            }
        }
        out
    }

    #[test]
    fn operation_follows_gpt_action_rules() {
        let doc = doc();
        assert_eq!(doc["openapi"], "3.1.0");
        assert_eq!(doc["info"]["title"], "callbrief");
        assert_eq!(doc["servers"][0]["url"], "https://cb.example.com");
        let op = &doc["paths"]["/callTranscripts"]["post"];
        assert_eq!(op["operationId"], "getTranscriptsByCallIds");
        assert_eq!(op["x-openai-isConsequential"], false);
        assert!(op["summary"].as_str().unwrap().len() <= 300);
        assert!(op["description"].as_str().unwrap().len() <= 300);
        assert!(!doc.to_string().contains("#/components/parameters"));
    }

    #[test]
    fn api_key_mode_declares_one_bearer_scheme_every_operation_requires() {
        let doc = doc();
        let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
        assert_eq!(schemes.len(), 1, "{schemes:?}");
        let scheme = &schemes[API_KEY_SCHEME];
        assert_eq!(scheme["type"], "http");
        assert_eq!(scheme["scheme"], "bearer");
        assert_eq!(doc["security"], json!([{ API_KEY_SCHEME: [] }]));
        let ops = operations(&doc);
        assert_eq!(
            ops.len(),
            5,
            "{:?}",
            ops.iter().map(|(w, _)| w).collect::<Vec<_>>()
        );
        for (at, op) in ops {
            assert_eq!(op["security"], json!([{ API_KEY_SCHEME: [] }]), "{at}");
        }
        assert!(doc["info"]["description"]
            .as_str()
            .unwrap()
            .contains("X-API-Key"));
    }

    #[test]
    fn salesforce_mode_declares_oauth_through_callbriefs_own_endpoints() {
        let doc = doc_for(AuthMode::Salesforce);
        let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
        assert_eq!(schemes.len(), 1, "{schemes:?}");
        let scheme = &schemes[SALESFORCE_OAUTH_SCHEME];
        assert_eq!(scheme["type"], "oauth2");
        let flows = scheme["flows"].as_object().unwrap();
        assert_eq!(
            flows.len(),
            1,
            "only the authorization-code flow: {flows:?}"
        );
        let flow = &flows["authorizationCode"];
        assert_eq!(
            flow["authorizationUrl"],
            "https://cb.example.com/oauth/authorize"
        );
        assert_eq!(flow["tokenUrl"], "https://cb.example.com/oauth/token");
        let mut scopes: Vec<&String> = flow["scopes"].as_object().unwrap().keys().collect();
        scopes.sort();
        assert_eq!(scopes, ["api", "refresh_token"]);
        let requirement = json!([{ SALESFORCE_OAUTH_SCHEME: ["api", "refresh_token"] }]);
        assert_eq!(doc["security"], requirement);
        for (at, op) in operations(&doc) {
            assert_eq!(op["security"], requirement, "{at}");
        }
        let text = doc.to_string();
        assert!(
            !text.contains(API_KEY_SCHEME),
            "no trace of the API-key scheme"
        );
        assert!(
            !text.contains("x-functions-key"),
            "no API-key styles offered"
        );
    }

    #[test]
    fn call_ids_limit_matches_the_setting() {
        for auth in [AuthMode::ApiKey, AuthMode::Salesforce] {
            let doc = doc_for(auth);
            let call_ids =
                &doc["components"]["schemas"]["TranscriptsRequest"]["properties"]["callIds"];
            assert_eq!(call_ids["maxItems"], 7);
            assert_eq!(call_ids["minItems"], 1);
            assert_eq!(
                doc["components"]["schemas"]["CallId"]["pattern"],
                "^[0-9]{1,20}$"
            );
        }
    }
}

//! The OpenAPI 3.1 document, generated from the handler and its types with utoipa.
//!
//! ChatGPT builds its action from this document, so it follows the GPT Actions rules: one
//! operation `getTranscriptsByCallIds` marked `x-openai-isConsequential: false`, short summaries,
//! no `$ref` to `components/parameters`, and a single security scheme (the GPT editor accepts
//! only one); the other key styles are described in `info.description`.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::server::Server;
use utoipa::{Modify, OpenApi};

use crate::error::ErrorBody;
use crate::routes::accounts::{AccountCallsResponse, AccountsResponse};
use crate::routes::transcripts::{
    CallId, FailedCall, RecordsInfo, TranscriptsRequest, TranscriptsResponse,
};

/// Name of the one security scheme in the document (also spelled out in the `security(...)`
/// attributes, which take only literals; a test checks they agree).
pub const SECURITY_SCHEME: &str = "apiKey";

/// What the document's `info.description` says: purpose and every accepted key style.
pub const API_DESCRIPTION: &str = "Gong call transcripts and one-call account briefings for \
assistants preparing sales meetings. Authenticate with the API key as `Authorization: Bearer <key>`; \
`X-API-Key: <key>`, `x-functions-key: <key>` and `?code=<key>` are accepted too. When callbrief \
runs with Salesforce sign-in, send the Salesforce access token as the bearer token instead.";

#[derive(OpenApi)]
#[openapi(
    info(title = "callbrief", description = API_DESCRIPTION),
    paths(
        crate::routes::transcripts::call_transcripts,
        crate::routes::accounts::search_accounts,
        crate::routes::accounts::list_account_calls,
        crate::routes::accounts::account_briefing,
    ),
    components(schemas(
        TranscriptsRequest,
        CallId,
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
    )),
    modifiers(&BearerKey),
    security(("apiKey" = [])),
    tags(
        (name = "transcripts", description = "Gong call transcripts"),
        (name = "accounts", description = "Salesforce accounts and meeting-prep briefings"),
    ),
)]
struct ApiDoc;

/// Adds the bearer scheme the security requirement names.
struct BearerKey;

impl Modify for BearerKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            SECURITY_SCHEME,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "callbrief API key (CALLBRIEF_API_KEYS). X-API-Key, x-functions-key \
                         headers and the code query parameter are accepted too.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document for a server reachable at `server_url`, with `maxItems` of `callIds` set to the
/// server's actual limit so callers see the limit they will be held to.
pub fn document(server_url: &str, max_call_ids: usize) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc.info.license = None;
    doc.servers = Some(vec![Server::new(server_url.trim_end_matches('/'))]);
    set_max_call_ids(&mut doc, max_call_ids);
    doc
}

/// The document as pretty JSON, as served at `GET /openapi.json` and printed by `callbrief openapi`.
pub fn document_json(server_url: &str, max_call_ids: usize) -> String {
    let doc = document(server_url, max_call_ids);
    // Serializing utoipa's own types cannot fail; fall back to the compact form just in case.
    doc.to_pretty_json()
        .or_else(|_| doc.to_json())
        .unwrap_or_else(|_| "{}".to_owned())
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn doc() -> Value {
        serde_json::from_str(&document_json("https://cb.example.com/", 7)).unwrap()
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
        assert_eq!(op["security"][0][SECURITY_SCHEME], serde_json::json!([]));
        let scheme = &doc["components"]["securitySchemes"][SECURITY_SCHEME];
        assert_eq!(scheme["type"], "http");
        assert_eq!(scheme["scheme"], "bearer");
        assert!(!doc.to_string().contains("#/components/parameters"));
    }

    #[test]
    fn call_ids_limit_matches_the_setting() {
        let doc = doc();
        let call_ids = &doc["components"]["schemas"]["TranscriptsRequest"]["properties"]["callIds"];
        assert_eq!(call_ids["maxItems"], 7);
        assert_eq!(call_ids["minItems"], 1);
        assert_eq!(
            doc["components"]["schemas"]["CallId"]["pattern"],
            "^[0-9]{1,20}$"
        );
    }
}

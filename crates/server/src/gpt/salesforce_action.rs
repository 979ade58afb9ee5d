//! The two-action flow's "Salesforce action": an OpenAPI 3.1 document that lets a GPT run SOQL
//! (`executeSOQLQuery`, `GET /query`) and SOSL (`executeSOSLSearch`, `GET /search`) against
//! Salesforce's REST API directly, signed in as the rep through Salesforce OAuth.
//!
//! callbrief does not proxy these calls: the document points at the Salesforce instance. It is
//! generated here (rather than kept as a JSON file) so the server URL, OAuth URLs, API version
//! and the Gong package's API names always match the running configuration, and so the GPT
//! Actions rules (inline parameters, short descriptions, `x-openai-isConsequential: false`,
//! one security scheme) are checked by tests.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
use utoipa::openapi::security::{
    AuthorizationCode, Flow, OAuth2, Scopes, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::server::Server;
use utoipa::openapi::{
    ContentBuilder, InfoBuilder, PathItem, PathsBuilder, Ref, Required, ResponseBuilder,
};
use utoipa::{OpenApi, ToSchema};

use super::{latest_calls_soql, GongFields};

/// Name of the document's one security scheme.
pub const SECURITY_SCHEME: &str = "salesforceOAuth";
/// The OAuth scopes the action asks for: REST API access, and a refresh token so the rep is
/// not asked to sign in again every few hours.
pub const SCOPES: [(&str, &str); 2] = [
    ("api", "Access Salesforce data through the REST API as you"),
    (
        "refresh_token",
        "Keep access while you are away (refresh token)",
    ),
];

/// `executeSOQLQuery` summary (≤ 300 characters, a GPT Actions rule).
pub const QUERY_SUMMARY: &str = "Run a SOQL query in Salesforce";
/// `executeSOQLQuery` description (≤ 300 characters).
pub const QUERY_DESCRIPTION: &str = "Runs a read-only SOQL query as the signed-in Salesforce user \
and returns only records that user may see. Use it to list an account's newest Gong calls: query \
the Gong call object by account Id, newest first, with a LIMIT.";
/// `executeSOSLSearch` summary (≤ 300 characters).
pub const SEARCH_SUMMARY: &str = "Search Salesforce records with SOSL";
/// `executeSOSLSearch` description (≤ 300 characters).
pub const SEARCH_DESCRIPTION: &str = "Runs a SOSL text search as the signed-in Salesforce user. \
Use it to find an account by name, then show each match as 'Name - Id' and ask the user to \
confirm one before using its Id.";

/// The answer to a SOQL query (`GET /query`), as Salesforce sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QueryResult {
    /// Number of records the query matched, over all pages.
    pub total_size: i64,
    /// True when `records` holds the last page.
    pub done: bool,
    /// Path of the next page while `done` is false (over 2,000 records); add a LIMIT instead
    /// of paging.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_records_url: Option<String>,
    /// The records of this page.
    pub records: Vec<SObjectRecord>,
}

/// The answer to a SOSL search (`GET /search`), as Salesforce sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchResult {
    /// The matching records of every object named in RETURNING.
    pub search_records: Vec<SObjectRecord>,
}

/// One record: `attributes`, then the selected fields by API name. Empty fields are null; a
/// parent field such as `Account.Name` comes as a nested record (null when the lookup is empty).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SObjectRecord {
    /// The record's object type and REST URL.
    pub attributes: RecordAttributes,
    /// The selected fields by API name, e.g. `Id`, `Name`.
    #[serde(flatten)]
    pub fields: BTreeMap<String, serde_json::Value>,
}

/// What Salesforce says about a record besides its fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RecordAttributes {
    /// The object's API name, e.g. `Account`.
    #[serde(rename = "type")]
    pub sobject_type: String,
    /// The record's REST path, e.g. `/services/data/v62.0/sobjects/Account/001...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// One entry of Salesforce's error answer (a JSON array of these).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SalesforceError {
    /// What went wrong; for malformed queries it names the row and column.
    pub message: String,
    /// E.g. `MALFORMED_QUERY`, `INVALID_FIELD`, `INVALID_SESSION_ID`, `REQUEST_LIMIT_EXCEEDED`.
    pub error_code: String,
    /// Fields the error is about, when Salesforce names them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<String>>,
}

#[derive(OpenApi)]
#[openapi(components(schemas(
    QueryResult,
    SearchResult,
    SObjectRecord,
    RecordAttributes,
    SalesforceError
)))]
struct Schemas;

/// Where the action's settings come from; all URLs without a trailing slash are fine either way.
#[derive(Debug, Clone, Copy)]
pub struct ActionSettings<'a> {
    /// `SALESFORCE_INSTANCE_URL`, e.g. `https://acme.my.salesforce.com`.
    pub instance_url: &'a str,
    /// `SALESFORCE_API_VERSION`, e.g. `v62.0` or `62.0`.
    pub api_version: &'a str,
    /// `SALESFORCE_LOGIN_URL`: where users sign in (the My Domain URL, usually the instance URL).
    pub login_url: &'a str,
    /// The Gong package's API names, used in the query example.
    pub gong: &'a GongFields,
}

/// The version as it appears in REST paths: `62.0`, `v62.0` and `v62` all give `v62.0`.
/// Anything else is returned trimmed and otherwise untouched, so a misconfiguration shows up
/// in the document instead of being silently replaced.
pub fn api_version_path(version: &str) -> String {
    let trimmed = version.trim();
    let bare = trimmed
        .strip_prefix('v')
        .or_else(|| trimmed.strip_prefix('V'))
        .unwrap_or(trimmed);
    let (major, minor) = bare.split_once('.').unwrap_or((bare, "0"));
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if numeric(major) && numeric(minor) {
        format!("v{major}.{minor}")
    } else {
        trimmed.to_owned()
    }
}

/// Salesforce's REST base for an instance: `<instance>/services/data/vNN.0`.
pub fn rest_base_url(instance_url: &str, api_version: &str) -> String {
    format!(
        "{}/services/data/{}",
        instance_url.trim_end_matches('/'),
        api_version_path(api_version)
    )
}

/// Salesforce's OAuth authorization endpoint for a login (or My Domain) URL.
pub fn authorize_url(login_url: &str) -> String {
    format!(
        "{}/services/oauth2/authorize",
        login_url.trim_end_matches('/')
    )
}

/// Salesforce's OAuth token endpoint for a login (or My Domain) URL.
pub fn token_url(login_url: &str) -> String {
    format!("{}/services/oauth2/token", login_url.trim_end_matches('/'))
}

/// The SOSL statement the instructions use to find an account by name (`term` must already be
/// SOSL-escaped, or be a stand-in the instructions explain).
pub fn account_search_sosl(term: &str) -> String {
    format!("FIND {{{term}}} IN ALL FIELDS RETURNING Account(Id, Name) LIMIT 5")
}

/// The example account Id shown in the query parameter's description.
const EXAMPLE_ACCOUNT_ID: &str = "001XXXXXXXXXXXXXXX";

fn query_param_description(gong: &GongFields) -> String {
    format!(
        "A SOQL SELECT statement. Put text values in single quotes and escape ' and \\ inside \
         them with a backslash. Newest Gong calls of an account (use the account's Id): {}",
        latest_calls_soql(gong, EXAMPLE_ACCOUNT_ID, 2)
    )
}

fn search_param_description() -> String {
    format!(
        "A SOSL statement. Find accounts by name: {} . Inside the braces, put a backslash before \
         any of these characters: ? & | ! {{ }} [ ] ( ) ^ ~ * : \\ \" ' + -",
        account_search_sosl("Acme")
    )
}

fn operation(
    operation_id: &str,
    summary: &str,
    description: &str,
    param_description: String,
    example: &str,
    result_schema: &str,
    errors: &[(&str, &str)],
) -> utoipa::openapi::path::Operation {
    let json = |schema: utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>| {
        ContentBuilder::new().schema(Some(schema)).build()
    };
    let error_list = || {
        ArrayBuilder::new()
            .items(Ref::from_schema_name("SalesforceError"))
            .build()
            .into()
    };
    let mut builder = OperationBuilder::new()
        .operation_id(Some(operation_id))
        .summary(Some(summary))
        .description(Some(description))
        .parameter(
            ParameterBuilder::new()
                .name("q")
                .parameter_in(ParameterIn::Query)
                .required(Required::True)
                .description(Some(param_description))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .example(Some(serde_json::Value::String(example.to_owned()))),
        )
        .request_body(None::<RequestBody>)
        .response(
            "200",
            ResponseBuilder::new()
                .description("The matching records.")
                .content(
                    "application/json",
                    json(Ref::from_schema_name(result_schema).into()),
                ),
        )
        .extensions(Some(
            ExtensionsBuilder::new()
                .add("x-openai-isConsequential", false)
                .build(),
        ));
    for (status, text) in errors {
        builder = builder.response(
            *status,
            ResponseBuilder::new()
                .description(*text)
                .content("application/json", json(error_list())),
        );
    }
    builder.build()
}

/// The Salesforce action document for these settings.
pub fn document(settings: &ActionSettings<'_>) -> utoipa::openapi::OpenApi {
    let version = api_version_path(settings.api_version);
    let common_errors = [
        (
            "401",
            "Session expired or invalid (INVALID_SESSION_ID): sign in again.",
        ),
        (
            "403",
            "The org's API request limit is reached (REQUEST_LIMIT_EXCEEDED).",
        ),
    ];
    let query_errors = [
        (
            "400",
            "Malformed query, or an unknown object or field (MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE).",
        ),
        common_errors[0],
        common_errors[1],
    ];
    let search_errors = [
        ("400", "Malformed search (MALFORMED_SEARCH)."),
        common_errors[0],
        common_errors[1],
    ];
    let query = operation(
        "executeSOQLQuery",
        QUERY_SUMMARY,
        QUERY_DESCRIPTION,
        query_param_description(settings.gong),
        &latest_calls_soql(settings.gong, EXAMPLE_ACCOUNT_ID, 2),
        "QueryResult",
        &query_errors,
    );
    let search = operation(
        "executeSOSLSearch",
        SEARCH_SUMMARY,
        SEARCH_DESCRIPTION,
        search_param_description(),
        &account_search_sosl("Acme"),
        "SearchResult",
        &search_errors,
    );
    let paths = PathsBuilder::new()
        .path("/query", PathItem::new(HttpMethod::Get, query))
        .path("/search", PathItem::new(HttpMethod::Get, search))
        .build();

    let mut doc = Schemas::openapi();
    doc.info = InfoBuilder::new()
        .title("Salesforce")
        .version(version.clone())
        .description(Some(
            "Salesforce REST API: SOQL query and SOSL search as the signed-in Salesforce user. \
             Generated by callbrief for a GPT action.",
        ))
        .build();
    doc.servers = Some(vec![Server::new(rest_base_url(
        settings.instance_url,
        &version,
    ))]);
    doc.paths = paths;
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        SECURITY_SCHEME,
        SecurityScheme::OAuth2(OAuth2::with_description(
            [Flow::AuthorizationCode(AuthorizationCode::new(
                authorize_url(settings.login_url),
                token_url(settings.login_url),
                Scopes::from_iter(SCOPES),
            ))],
            "Salesforce OAuth (an External Client App): the GPT acts as the signed-in user.",
        )),
    );
    doc.security = Some(vec![SecurityRequirement::new(
        SECURITY_SCHEME,
        SCOPES.map(|(scope, _)| scope),
    )]);
    doc
}

/// The document as pretty JSON, as served at `GET /openapi/salesforce.json` and printed by
/// `callbrief openapi --salesforce`.
pub fn document_json(settings: &ActionSettings<'_>) -> String {
    let doc = document(settings);
    // Serializing utoipa's own types cannot fail; fall back to the compact form just in case.
    doc.to_pretty_json()
        .or_else(|_| doc.to_json())
        .unwrap_or_else(|_| "{}".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn doc_with(gong: &GongFields) -> Value {
        let settings = ActionSettings {
            instance_url: "https://acme.my.salesforce.com/",
            api_version: "61.0",
            login_url: "https://acme.my.salesforce.com",
            gong,
        };
        serde_json::from_str(&document_json(&settings)).unwrap()
    }

    fn doc() -> Value {
        doc_with(&GongFields::default())
    }

    #[test]
    fn server_and_operations_match_the_two_action_flow() {
        let doc = doc();
        assert_eq!(doc["openapi"], "3.1.0");
        assert_eq!(
            doc["servers"][0]["url"],
            "https://acme.my.salesforce.com/services/data/v61.0"
        );
        assert_eq!(
            doc["paths"]["/query"]["get"]["operationId"],
            "executeSOQLQuery"
        );
        assert_eq!(
            doc["paths"]["/search"]["get"]["operationId"],
            "executeSOSLSearch"
        );
        assert_eq!(doc["paths"].as_object().unwrap().len(), 2);
    }

    #[test]
    fn operations_follow_gpt_action_rules() {
        let doc = doc();
        for path in ["/query", "/search"] {
            let op = &doc["paths"][path]["get"];
            assert_eq!(op["x-openai-isConsequential"], false, "{path}");
            assert!(op["summary"].as_str().unwrap().len() <= 300, "{path}");
            assert!(op["description"].as_str().unwrap().len() <= 300, "{path}");
            let params = op["parameters"].as_array().unwrap();
            assert_eq!(params.len(), 1);
            assert_eq!(params[0]["name"], "q");
            assert_eq!(params[0]["in"], "query");
            assert_eq!(params[0]["required"], true);
            assert_eq!(params[0]["schema"]["type"], "string");
            assert!(
                params[0]["description"].as_str().unwrap().len() <= 700,
                "{path}"
            );
            assert!(op.get("requestBody").is_none());
        }
        assert!(!doc.to_string().contains("#/components/parameters"));
    }

    #[test]
    fn security_is_salesforce_oauth_authorization_code() {
        let doc = doc();
        let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
        assert_eq!(schemes.len(), 1);
        let scheme = &schemes[SECURITY_SCHEME];
        assert_eq!(scheme["type"], "oauth2");
        let flow = &scheme["flows"]["authorizationCode"];
        assert_eq!(
            flow["authorizationUrl"],
            "https://acme.my.salesforce.com/services/oauth2/authorize"
        );
        assert_eq!(
            flow["tokenUrl"],
            "https://acme.my.salesforce.com/services/oauth2/token"
        );
        assert!(flow["scopes"]["api"].is_string());
        assert!(flow["scopes"]["refresh_token"].is_string());
        assert_eq!(
            doc["security"],
            json!([{ SECURITY_SCHEME: ["api", "refresh_token"] }])
        );
    }

    #[test]
    fn result_schemas_have_salesforce_shapes() {
        let doc = doc();
        let schemas = &doc["components"]["schemas"];
        let query = &schemas["QueryResult"];
        for field in ["totalSize", "done", "records"] {
            assert!(
                query["required"]
                    .as_array()
                    .unwrap()
                    .contains(&json!(field)),
                "{field}"
            );
        }
        assert!(query["properties"]["nextRecordsUrl"].is_object());
        assert_eq!(
            schemas["SearchResult"]["required"],
            json!(["searchRecords"])
        );
        let record = &schemas["SObjectRecord"];
        assert_eq!(record["required"], json!(["attributes"]));
        assert!(
            record["additionalProperties"].is_object() || record["additionalProperties"] == true
        );
        assert_eq!(
            doc["paths"]["/query"]["get"]["responses"]["200"]["content"]["application/json"]
                ["schema"]["$ref"],
            "#/components/schemas/QueryResult"
        );
        assert_eq!(
            doc["paths"]["/search"]["get"]["responses"]["401"]["content"]["application/json"]
                ["schema"]["items"]["$ref"],
            "#/components/schemas/SalesforceError"
        );
    }

    #[test]
    fn query_example_uses_the_configured_gong_names() {
        let gong = GongFields {
            call_object: "Custom_Call__c".into(),
            call_id: "Custom_Call_Id__c".into(),
            title: "Custom_Title__c".into(),
            start: "Custom_Start__c".into(),
            account: "Custom_Account__c".into(),
            ..GongFields::default()
        };
        let doc = doc_with(&gong);
        let param = &doc["paths"]["/query"]["get"]["parameters"][0];
        let text = param["description"].as_str().unwrap();
        assert!(text.contains(
            "SELECT Custom_Call_Id__c, Custom_Title__c, Custom_Start__c FROM Custom_Call__c \
             WHERE Custom_Account__c = '001XXXXXXXXXXXXXXX' ORDER BY Custom_Start__c DESC LIMIT 2"
        ));
        assert!(!doc.to_string().contains("Gong__"));
    }

    #[test]
    fn salesforce_answers_deserialize_into_the_documented_types() {
        let answer = json!({
            "totalSize": 1, "done": true,
            "records": [{
                "attributes": {"type": "Account", "url": "/services/data/v62.0/sobjects/Account/001A"},
                "Id": "001A", "Name": "Acme", "Owner": null
            }]
        });
        let parsed: QueryResult = serde_json::from_value(answer.clone()).unwrap();
        assert_eq!(parsed.records[0].attributes.sobject_type, "Account");
        assert_eq!(parsed.records[0].fields["Name"], "Acme");
        assert_eq!(serde_json::to_value(&parsed).unwrap(), answer);
    }

    #[test]
    fn api_versions_are_normalised() {
        assert_eq!(api_version_path("62.0"), "v62.0");
        assert_eq!(api_version_path(" v59.0 "), "v59.0");
        assert_eq!(api_version_path("V60"), "v60.0");
        assert_eq!(api_version_path("latest"), "latest");
        let default = crate::config::DEFAULT_SALESFORCE_API_VERSION;
        assert_eq!(api_version_path(default), default);
    }
}

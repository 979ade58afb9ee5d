//! The GPT setup kit over HTTP: `GET /openapi/salesforce.json` (checked against the
//! Salesforce simulator it describes) and `GET /gpt/instructions`.

use std::collections::BTreeSet;

use reqwest::header::CONTENT_TYPE;
use serde_json::{json, Value};
use server::Settings;
use sim::salesforce::{SalesforceSimConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD};
use url::Url;

use crate::helpers::*;

const INSTANCE: &str = "https://acme.my.salesforce.com";

fn with_salesforce(instance: &str) -> impl FnOnce(&mut Settings) + '_ {
    move |s: &mut Settings| {
        s.salesforce.instance_url = Some(Url::parse(instance).unwrap());
        s.public_url = Some(Url::parse("https://callbrief.example.com").unwrap());
    }
}

async fn get(app: &TestApp, path_and_query: &str) -> reqwest::Response {
    app.http
        .get(format!("{}{path_and_query}", app.base_url))
        .send()
        .await
        .unwrap()
}

async fn text(response: reqwest::Response) -> (u16, String, String) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, content_type, response.text().await.unwrap())
}

#[tokio::test]
async fn salesforce_action_document_is_public_and_follows_gpt_action_rules() {
    let app = spawn_app_with(sim_config(), with_salesforce(INSTANCE)).await;
    let (status, doc) = json(get(&app, "/openapi/salesforce.json").await).await;
    assert_eq!(status, 200, "{doc}");
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc["servers"],
        json!([{ "url": format!("{INSTANCE}/services/data/{}", server::config::DEFAULT_SALESFORCE_API_VERSION) }])
    );
    let mut operations = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert_eq!(method, "get", "{path}");
            operations.insert(op["operationId"].as_str().unwrap().to_owned());
            assert_eq!(op["x-openai-isConsequential"], false, "{path}");
            for field in ["summary", "description"] {
                let len = op[field].as_str().unwrap().chars().count();
                assert!((1..=300).contains(&len), "{path} {field}: {len}");
            }
            let params = op["parameters"].as_array().unwrap();
            assert_eq!(params.len(), 1, "{path}");
            assert_eq!(params[0]["name"], "q");
            assert_eq!(params[0]["in"], "query");
            assert!(params[0]["description"].as_str().unwrap().chars().count() <= 700);
        }
    }
    assert_eq!(
        operations,
        BTreeSet::from([
            "executeSOQLQuery".to_owned(),
            "executeSOSLSearch".to_owned()
        ])
    );
    assert!(!doc.to_string().contains("#/components/parameters"));
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    assert_eq!(schemes.len(), 1);
    let flow = &schemes.values().next().unwrap()["flows"]["authorizationCode"];
    assert_eq!(
        flow["authorizationUrl"],
        format!("{INSTANCE}/services/oauth2/authorize")
    );
    assert_eq!(
        flow["tokenUrl"],
        format!("{INSTANCE}/services/oauth2/token")
    );
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        assert!(
            jsonschema::meta::is_valid(schema),
            "{name} is not a valid JSON Schema"
        );
    }
}

/// The schema `#/components/schemas/<name>` of `doc`, with the document as the root so its
/// `$ref`s resolve.
fn validator(doc: &Value, name: &str) -> jsonschema::Validator {
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/components/schemas/{name}"),
        "components": doc["components"],
    });
    jsonschema::validator_for(&schema).unwrap()
}

#[tokio::test]
async fn the_documented_operations_work_against_salesforce_as_documented() {
    let sf = sim::salesforce::spawn(org(), SalesforceSimConfig::default())
        .await
        .unwrap();
    let app = spawn_app_with(sim_config(), |s: &mut Settings| {
        s.salesforce.instance_url = Some(Url::parse(&sf.base_url).unwrap());
    })
    .await;
    let (_, doc) = json(get(&app, "/openapi/salesforce.json").await).await;

    // Sign in with the document's token URL, as ChatGPT would after the consent screen.
    let token_url = doc["components"]["securitySchemes"]["salesforceOAuth"]["flows"]
        ["authorizationCode"]["tokenUrl"]
        .as_str()
        .unwrap();
    let (status, token) = json(
        app.http
            .post(token_url)
            .form(&[
                ("grant_type", "password"),
                ("client_id", DEMO_CLIENT_ID),
                ("client_secret", DEMO_CLIENT_SECRET),
                ("username", "maya.chen@callbrief-demo.com"),
                ("password", DEMO_PASSWORD),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{token}");
    let access = token["access_token"].as_str().unwrap();
    let server_url = doc["servers"][0]["url"].as_str().unwrap();

    // Run each operation with its documented example, then the two-action flow's query for a real
    // account, and check every answer against the documented response schema.
    let search_example = doc["paths"]["/search"]["get"]["parameters"][0]["example"]
        .as_str()
        .unwrap();
    let (status, found) = json(
        app.http
            .get(format!("{server_url}/search"))
            .query(&[("q", search_example)])
            .bearer_auth(access)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{found}");
    assert!(validator(&doc, "SearchResult").is_valid(&found), "{found}");
    // The check has teeth: a search answer is not a query answer.
    assert!(!validator(&doc, "QueryResult").is_valid(&found));
    let acme = found["searchRecords"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["Name"] == "Acme Logistics")
        .unwrap_or_else(|| panic!("{found}"));
    let account_id = acme["Id"].as_str().unwrap();

    let query_example = doc["paths"]["/query"]["get"]["parameters"][0]["example"]
        .as_str()
        .unwrap();
    assert!(query_example.contains("'001XXXXXXXXXXXXXXX'"));
    let calls_query = query_example.replace("001XXXXXXXXXXXXXXX", account_id);
    let (status, calls) = json(
        app.http
            .get(format!("{server_url}/query"))
            .query(&[("q", &calls_query)])
            .bearer_auth(access)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{calls}");
    assert!(validator(&doc, "QueryResult").is_valid(&calls), "{calls}");
    assert_eq!(calls["totalSize"], 2, "{calls}");
    let org = org();
    let expected: Vec<&str> = org
        .calls_for_account(account_id)
        .take(2)
        .map(|c| c.gong_id.as_str())
        .collect();
    let got: Vec<&str> = calls["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Gong__Call_ID__c"].as_str().unwrap())
        .collect();
    assert_eq!(got, expected);

    // Salesforce's errors match the documented error schema too.
    let (status, error) = json(
        app.http
            .get(format!("{server_url}/query"))
            .query(&[("q", "SELECT Nope FROM")])
            .bearer_auth(access)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    let errors = json!({
        "type": "array",
        "items": { "$ref": "#/components/schemas/SalesforceError" },
        "components": doc["components"],
    });
    assert!(jsonschema::is_valid(&errors, &error), "{error}");
}

#[tokio::test]
async fn without_a_salesforce_instance_the_kit_routes_say_what_to_set() {
    let app = spawn_app().await;
    for path in ["/openapi/salesforce.json", "/gpt/instructions"] {
        assert_error(
            get(&app, path).await,
            503,
            "salesforce_not_configured",
            "SALESFORCE_INSTANCE_URL",
        )
        .await;
    }
}

#[tokio::test]
async fn instructions_default_to_the_one_action_medpicc_guide() {
    let app = spawn_app_with(sim_config(), with_salesforce(INSTANCE)).await;
    let (status, content_type, body) = text(get(&app, "/gpt/instructions").await).await;
    assert_eq!(status, 200, "{body}");
    assert!(content_type.starts_with("text/markdown"), "{content_type}");
    assert!(body.starts_with("# callbrief GPT setup: one action (recommended), MEDPICC"));
    for needle in [
        "call searchAccounts",
        "call getAccountBriefing",
        "methodology set to medpicc",
        "\"Account Name - Id\"",
        "    https://callbrief.example.com/openapi.json\n",
        "| Authorization URL | `https://callbrief.example.com/oauth/authorize` |",
        "| Token URL | `https://callbrief.example.com/oauth/token` |",
        "| Scope | `api refresh_token` |",
        "| Token Exchange Method | Default (POST request) |",
        "Auth Type **Bearer**",
        "https://chatgpt.com/aip/<your GPT id>/oauth/callback",
        "Economic Buyer",
        "Paper Process",
    ] {
        assert!(body.contains(needle), "missing {needle:?} in\n{body}");
    }
}

#[tokio::test]
async fn every_variant_and_methodology_is_served_with_only_the_gpt_id_left_open() {
    let app = spawn_app_with(sim_config(), with_salesforce(INSTANCE)).await;
    for (variant, methodology, markers) in [
        ("one-action", "medpicc", vec!["getAccountBriefing", "**MEDPICC**"]),
        ("one-action", "spiced", vec!["getAccountBriefing", "**SPICED**", "Critical Event"]),
        (
            "two-action",
            "medpicc",
            vec![
                "executeSOSLSearch",
                "FIND {COMPANY} IN ALL FIELDS RETURNING Account(Id, Name) LIMIT 5",
                "SELECT Gong__Call_ID__c, Gong__Title__c, Gong__Call_Start__c FROM Gong__Gong_Call__c \
                 WHERE Gong__Primary_Account__c = 'ACCOUNT_ID' ORDER BY Gong__Call_Start__c DESC LIMIT 2",
                "getTranscriptsByCallIds",
                "    https://callbrief.example.com/openapi/salesforce.json\n",
                "`https://acme.my.salesforce.com/services/oauth2/authorize`",
                "**MEDPICC**",
            ],
        ),
        ("two-action", "spiced", vec!["executeSOQLQuery", "**SPICED**"]),
    ] {
        let url = format!("/gpt/instructions?variant={variant}&methodology={methodology}");
        let (status, _, body) = text(get(&app, &url).await).await;
        assert_eq!(status, 200, "{url}: {body}");
        for marker in markers {
            assert!(body.contains(marker), "{url}: missing {marker:?}");
        }
        let open: BTreeSet<&str> = body
            .split('<')
            .skip(1)
            .map(|rest| rest.split('>').next().unwrap_or(rest))
            .collect();
        assert_eq!(open, BTreeSet::from(["your GPT id"]), "{url}");
    }
}

#[tokio::test]
async fn configured_gong_names_replace_the_package_defaults_everywhere() {
    let app = spawn_app_with(sim_config(), |s: &mut Settings| {
        with_salesforce(INSTANCE)(s);
        s.gong_fields = service::GongFields {
            call_object: "Conv__Conversation__c".into(),
            call_id: "Conv__External_Id__c".into(),
            title: "Conv__Subject__c".into(),
            start: "Conv__Started_At__c".into(),
            account: "Conv__Customer__c".into(),
            ..service::GongFields::default()
        };
    })
    .await;
    let calls_query = "SELECT Conv__External_Id__c, Conv__Subject__c, Conv__Started_At__c FROM \
                      Conv__Conversation__c WHERE Conv__Customer__c = 'ACCOUNT_ID' ORDER BY \
                      Conv__Started_At__c DESC LIMIT 2";
    for methodology in ["medpicc", "spiced"] {
        let url = format!("/gpt/instructions?variant=two-action&methodology={methodology}");
        let (status, _, body) = text(get(&app, &url).await).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.contains(calls_query), "{url}:\n{body}");
        assert!(body.contains("callIds set to the Conv__External_Id__c values"));
        assert!(
            !body.contains("Gong__"),
            "{url}: a default name is left:\n{body}"
        );
    }
    let (_, doc) = json(get(&app, "/openapi/salesforce.json").await).await;
    let example = doc["paths"]["/query"]["get"]["parameters"][0]["example"]
        .as_str()
        .unwrap();
    assert!(
        example.starts_with("SELECT Conv__External_Id__c, Conv__Subject__c"),
        "{example}"
    );
    assert!(!doc.to_string().contains("Gong__"));
}

#[tokio::test]
async fn unknown_methodology_or_variant_is_a_400_json() {
    let app = spawn_app_with(sim_config(), with_salesforce(INSTANCE)).await;
    assert_error(
        get(&app, "/gpt/instructions?methodology=bant").await,
        400,
        "invalid_methodology",
        "use medpicc or spiced",
    )
    .await;
    assert_error(
        get(
            &app,
            "/gpt/instructions?variant=three-action&methodology=spiced",
        )
        .await,
        400,
        "invalid_variant",
        "use one-action or two-action",
    )
    .await;
}

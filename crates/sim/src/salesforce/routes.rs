//! REST data API handlers: versions, query (with `nextRecordsUrl` paging), search, records and
//! describe.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json as AxumJson;
use serde_json::json;

use super::error::ApiError;
use super::json::Json;
use super::schema::ALL_OBJECTS;
use super::soql::eval::{project, project_with_children, select, whole_record, Scope};
use super::soql::plan::Resolver;
use super::soql::{plan_query_in, Projection};
use super::sosl::{plan_search_in, run_search};
use super::value::is_id_shaped;
use super::{lock, Caller, SfState, LISTED_VERSIONS};
use crate::salesforce::soql::ast::FieldRef;

type Shared = State<Arc<SfState>>;
type ApiResult = Result<Response, ApiError>;

/// Accepts `vNN.0` (any number), as the simulator serves every version alike.
fn check_version(version: &str) -> Result<(), ApiError> {
    let ok = version
        .strip_prefix('v')
        .and_then(|v| v.split_once('.'))
        .is_some_and(|(major, minor)| {
            !major.is_empty() && major.bytes().all(|b| b.is_ascii_digit()) && minor == "0"
        });
    if ok {
        Ok(())
    } else {
        Err(ApiError::not_found())
    }
}

fn params(raw: Option<String>) -> HashMap<String, String> {
    raw.map(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .into_owned()
            .collect()
    })
    .unwrap_or_default()
}

/// The `q` parameter of a query or search, or Salesforce's `400` (`code`, `message`) when it
/// is missing or blank.
fn required_q(
    raw: Option<String>,
    code: &'static str,
    message: &'static str,
) -> Result<String, ApiError> {
    params(raw)
        .remove("q")
        .filter(|q| !q.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request(code, message))
}

fn scope<'a>(state: &'a SfState, caller: &'a Caller) -> Scope<'a> {
    Scope {
        store: &state.store,
        visibility: &caller.visibility,
    }
}

/// `GET /services/data/`: the versions on offer.
pub async fn versions() -> Response {
    let list: Vec<_> = LISTED_VERSIONS
        .iter()
        .map(|v| json!({"label": format!("v{v}"), "url": format!("/services/data/v{v}"), "version": v}))
        .collect();
    AxumJson(list).into_response()
}

/// `GET /services/data/vNN.0`: the resources of a version.
pub async fn resources(
    State(state): Shared,
    Path(version): Path<String>,
    headers: HeaderMap,
) -> ApiResult {
    check_version(&version)?;
    state.caller(&headers)?;
    let base = format!("/services/data/{version}");
    Ok(AxumJson(json!({
        "query": format!("{base}/query"),
        "search": format!("{base}/search"),
        "sobjects": format!("{base}/sobjects"),
    }))
    .into_response())
}

/// `GET .../query?q=<SOQL>`.
pub async fn query(
    State(state): Shared,
    Path(version): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> ApiResult {
    check_version(&version)?;
    let caller = state.caller(&headers)?;
    let q = required_q(raw, "MALFORMED_QUERY", "A query string has to be specified")?;
    let plan = plan_query_in(&q, state.today, state.absent_objects())?;
    let scope = scope(&state, &caller);
    let rows = select(&plan, scope, |_| true);
    tracing::debug!(
        object = plan.object.name(),
        rows = rows.len(),
        "salesforce sim query"
    );
    let records: Vec<Json> = match &plan.projection {
        Projection::Count => {
            return Ok(
                AxumJson(json!({"totalSize": rows.len(), "done": true, "records": []}))
                    .into_response(),
            )
        }
        Projection::Fields(paths) => rows
            .into_iter()
            .map(|r| project_with_children(r, paths, &plan.children, scope, &version))
            .collect(),
    };
    let records = Arc::new(records);
    let locator = (records.len() > state.page_size()).then(|| {
        lock(&state.cursors).open(&caller.user_id, records.clone(), state.config.clock.now())
    });
    Ok(page(&state, &version, &records, locator.as_deref(), 0))
}

/// One page of a query answer, starting at `start`.
fn page(
    state: &SfState,
    version: &str,
    records: &[Json],
    locator: Option<&str>,
    start: usize,
) -> Response {
    let end = start.saturating_add(state.page_size()).min(records.len());
    let slice = records.get(start..end).unwrap_or(&[]);
    let done = end >= records.len();
    let mut body = Json::Object(vec![
        ("totalSize".into(), Json::Leaf(records.len().into())),
        ("done".into(), Json::Leaf(done.into())),
    ]);
    if let (false, Some(locator)) = (done, locator) {
        body.push(
            "nextRecordsUrl",
            Json::Leaf(format!("/services/data/{version}/query/{locator}-{end}").into()),
        );
    }
    body.push("records", Json::Array(slice.to_vec()));
    AxumJson(body).into_response()
}

/// `GET .../query/{locator}-{offset}`: the next page of an earlier answer.
pub async fn query_more(
    State(state): Shared,
    Path((version, locator)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult {
    check_version(&version)?;
    let caller = state.caller(&headers)?;
    let invalid = || ApiError::bad_request("INVALID_QUERY_LOCATOR", "invalid query locator");
    let (id, offset) = locator.rsplit_once('-').ok_or_else(invalid)?;
    let offset: usize = offset.parse().map_err(|_| invalid())?;
    let cursor = lock(&state.cursors)
        .get(id, state.config.clock.now())
        .filter(|c| c.user_id == caller.user_id)
        .ok_or_else(invalid)?;
    if offset > cursor.records.len() {
        return Err(invalid());
    }
    Ok(page(&state, &version, &cursor.records, Some(id), offset))
}

/// `GET .../search?q=<SOSL>`.
pub async fn search(
    State(state): Shared,
    Path(version): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> ApiResult {
    check_version(&version)?;
    let caller = state.caller(&headers)?;
    let q = required_q(
        raw,
        "MALFORMED_SEARCH",
        "A search string has to be specified",
    )?;
    let search = plan_search_in(&q, state.today, state.absent_objects())?;
    let hits = run_search(&search, scope(&state, &caller), &version);
    tracing::debug!(hits = hits.len(), "salesforce sim search");
    let mut body = Json::Object(Vec::new());
    body.push("searchRecords", Json::Array(hits));
    Ok(AxumJson(body).into_response())
}

/// `GET .../sobjects/{Type}/{Id}[?fields=A,B]`: one record, if the caller may see it.
pub async fn record(
    State(state): Shared,
    Path((version, sobject, id)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> ApiResult {
    check_version(&version)?;
    let caller = state.caller(&headers)?;
    let object = state.object(&sobject).ok_or_else(ApiError::not_found)?;
    if !is_id_shaped(&id) {
        return Err(ApiError::not_found());
    }
    let scope = scope(&state, &caller);
    let record = scope
        .get(&id)
        .filter(|r| r.object == object)
        .ok_or_else(ApiError::not_found)?;
    let body = match params(raw).get("fields") {
        Some(fields) => {
            let refs: Vec<FieldRef> = fields
                .split(',')
                .map(|f| FieldRef {
                    path: f.trim().to_string(),
                    pos: Default::default(),
                })
                .collect();
            let resolver = Resolver {
                src: fields,
                today: state.today,
                absent: state.absent_objects(),
            };
            let mut paths = Vec::new();
            for r in &refs {
                let path = resolver.path(object, r).map_err(|_| {
                    ApiError::bad_request(
                        "INVALID_FIELD",
                        format!(
                            "No such column '{}' on sobject of type {}",
                            r.path,
                            object.name()
                        ),
                    )
                })?;
                if !paths.contains(&path) {
                    paths.push(path);
                }
            }
            project(record, &paths, scope, &version)
        }
        None => whole_record(record, &version),
    };
    Ok(AxumJson(body).into_response())
}

/// `GET .../sobjects`: the objects on offer.
pub async fn describe_global(
    State(state): Shared,
    Path(version): Path<String>,
    headers: HeaderMap,
) -> ApiResult {
    check_version(&version)?;
    state.caller(&headers)?;
    let sobjects: Vec<_> = ALL_OBJECTS
        .iter()
        .filter(|o| !state.absent_objects().contains(o))
        .map(|o| {
            let d = o.def();
            let base = format!("/services/data/{version}/sobjects/{}", d.name);
            json!({
                "name": d.name, "label": d.label, "keyPrefix": d.key_prefix,
                "queryable": true, "searchable": true, "custom": d.name.ends_with("__c"),
                "urls": {"sobject": base, "describe": format!("{base}/describe"), "rowTemplate": format!("{base}/{{ID}}")},
            })
        })
        .collect();
    Ok(
        AxumJson(json!({"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": sobjects}))
            .into_response(),
    )
}

/// `GET .../sobjects/{Type}/describe`: an object's fields, so clients can learn the names.
pub async fn describe(
    State(state): Shared,
    Path((version, sobject)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult {
    check_version(&version)?;
    state.caller(&headers)?;
    let object = state.object(&sobject).ok_or_else(ApiError::not_found)?;
    let d = object.def();
    let fields: Vec<_> = d
        .fields
        .iter()
        .map(|f| {
            let long = f.kind == super::schema::FieldKind::LongText;
            json!({
                "name": f.name, "label": f.label, "type": f.kind.soap_name(),
                "referenceTo": f.relationship.map(|r| vec![r.target.name()]).unwrap_or_default(),
                "relationshipName": f.relationship.map(|r| r.name),
                "nameField": f.name == "Name",
                "filterable": !long, "sortable": !long,
                "custom": f.name.ends_with("__c"),
            })
        })
        .collect();
    Ok(AxumJson(json!({
        "name": d.name, "label": d.label, "keyPrefix": d.key_prefix,
        "queryable": true, "searchable": true, "custom": d.name.ends_with("__c"),
        "fields": fields,
        "childRelationships": super::schema::CHILD_RELATIONSHIPS
            .iter()
            .filter(|c| c.parent == object && !state.absent_objects().contains(&c.child))
            .map(|c| json!({"childSObject": c.child.name(), "field": c.field, "relationshipName": c.name}))
            .collect::<Vec<_>>(),
    }))
    .into_response())
}

/// Anything else: 404 `NOT_FOUND`.
pub async fn not_found() -> Response {
    ApiError::not_found().into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_must_look_like_salesforce_versions() {
        for ok in ["v59.0", "v62.0", "v20.0"] {
            assert!(check_version(ok).is_ok(), "{ok}");
        }
        for bad in ["59.0", "v59", "v59.1", "vx.0", "v.0", "latest"] {
            assert!(check_version(bad).is_err(), "{bad}");
        }
    }
}

//! `GET /meetings`: the caller's customer meetings of the next hours ("prepare me for today"),
//! each with whether its briefing is ready. Acts for the request's [`Caller`]: a signed-in rep
//! reads their own calendar as themselves.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::routing::get;
use axum::Router;
use axum::{Extension, Json};
use service::{Caller, MeetingsRequest, MyMeetings, UserRef, DEFAULT_MEETING_HOURS};

use crate::error::{ApiError, ErrorResponses};
use crate::routes::params::{number, query_map};
use crate::state::AppState;

/// Summary of `listMyMeetings` (≤ 300 characters).
pub const MEETINGS_SUMMARY: &str = "List my customer meetings of the next hours";
/// Description of `listMyMeetings` (≤ 300 characters).
pub const MEETINGS_DESCRIPTION: &str = "The user's Salesforce meetings with customers starting in \
the next hours (default 24), soonest first: event id, time, subject, account, attendees, and \
whether the briefing is ready. For 'prepare me for today': then get each account's briefing.";

/// The caller's customer meetings of the next `hours`.
#[utoipa::path(
    get,
    path = "/meetings",
    operation_id = "listMyMeetings",
    summary = MEETINGS_SUMMARY,
    description = MEETINGS_DESCRIPTION,
    tag = "accounts",
    params(
        ("hours" = Option<u32>, Query, description = "How many hours ahead, 1 to 168; default 24.", minimum = 1, maximum = 168),
        ("user" = Option<String>, Query, description = "With an API key only: whose meetings, as a Salesforce user id (005...) or username. Leave it out when signed in with Salesforce: the meetings are then your own.", max_length = 80),
    ),
    responses(
        (status = 200, description = "The meetings, soonest first (may be empty).", body = MyMeetings),
        ErrorResponses,
    ),
    extensions(("x-openai-isConsequential" = json!(false))),
)]
pub async fn list_my_meetings(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> Result<Json<MyMeetings>, ApiError> {
    let query = query_map(query.as_deref());
    let user = match query.get("user").map(|u| u.trim()) {
        None | Some("") => None,
        Some(user) => Some(UserRef::parse("user", user)?),
    };
    let request = MeetingsRequest {
        hours: number(&query, "hours", DEFAULT_MEETING_HOURS)?,
        user,
    };
    let meetings = state.service.my_meetings(&caller, &request).await?;
    tracing::info!(meetings = meetings.meetings.len(), "listed meetings");
    Ok(Json(meetings))
}

/// The meeting routes.
pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/meetings", get(list_my_meetings))
}

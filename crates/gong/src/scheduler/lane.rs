//! The batch types: what one Gong request is for ([`LaneSpec`]), a caller's ids in a lane
//! ([`Want`]), an answer to one asker ([`Answer`]), and a batch on its way ([`Batch`]).

use std::sync::Arc;

use sha2::{Digest as _, Sha256};
use tokio::time::Instant;

use crate::item::Got;
use crate::wire;

/// What one Gong request is for: the endpoint, and for `/v2/calls/extensive` the selector.
#[derive(Debug, Clone)]
pub(crate) enum Endpoint {
    /// `POST /v2/calls/transcript`.
    Transcript,
    /// `POST /v2/calls/extensive` with this content selector.
    Extensive(wire::ContentSelector),
}

/// A queue of ids that can share a request: same endpoint and selector. `key` names it in the
/// cache and in single-flight claims.
#[derive(Debug, Clone)]
pub(crate) struct LaneSpec {
    pub(crate) key: Arc<str>,
    pub(crate) endpoint: Endpoint,
}

impl LaneSpec {
    /// The transcript lane.
    pub(crate) fn transcripts() -> Self {
        Self {
            key: Arc::from("t"),
            endpoint: Endpoint::Transcript,
        }
    }

    /// The lane of `/v2/calls/extensive` with `selector` (selectors that serialize alike share it).
    pub(crate) fn extensive(selector: &wire::ContentSelector) -> Self {
        let json = serde_json::to_vec(selector).unwrap_or_default();
        let digest = Sha256::digest(&json);
        let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        Self {
            key: Arc::from(format!("e:{hex}")),
            endpoint: Endpoint::Extensive(selector.clone()),
        }
    }
}

/// How urgently ids are wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Priority {
    /// A person waits for them.
    Interactive,
    /// The cache is filled ahead of need: only with capacity nobody waits for.
    Background,
}

/// One caller's ids in one lane, and the tag its answers come back with.
pub(crate) struct Want {
    pub(crate) tag: usize,
    pub(crate) lane: LaneSpec,
    pub(crate) ids: Vec<String>,
}

/// An answer to one asker: the tag of its [`Want`], the id, the outcome.
#[derive(Debug)]
pub(crate) struct Answer {
    /// The tag of the [`Want`] the id was asked in.
    pub(crate) tag: usize,
    /// The call id.
    pub(crate) id: String,
    /// What became of it.
    pub(crate) got: Got,
}

/// A batch on its way: lane, ids and the latest deadline of its askers.
pub(crate) struct Batch {
    pub(crate) lane: LaneSpec,
    pub(crate) ids: Vec<String>,
    pub(crate) deadline: Instant,
}

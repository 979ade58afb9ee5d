//! What the scheduler hands out and the cache keeps: one call's answer from one endpoint, or
//! what became of an id. One home for both, so neither imports the other.

use std::sync::Arc;

use crate::{wire, GongError};

/// One call's answer from one endpoint. Shared: one answer goes to every caller waiting for it
/// and stays decoded in the cache's memory tier, so a hit copies it once, into the caller's
/// hands, and parses nothing.
#[derive(Debug, Clone)]
pub(crate) enum Item {
    /// From `/v2/calls/transcript`.
    Transcript(Arc<wire::CallTranscript>),
    /// From `/v2/calls/extensive`.
    Call(Arc<wire::ExtensiveCall>),
}

impl Item {
    pub(crate) fn id(&self) -> &str {
        match self {
            Item::Transcript(t) => &t.call_id,
            Item::Call(c) => &c.meta_data.id,
        }
    }
}

/// What became of one id: its [`Got`], named by the id.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    /// The call id.
    pub(crate) id: String,
    /// What became of it.
    pub(crate) got: Got,
}

impl Outcome {
    /// `id`'s outcome `got`.
    pub(crate) fn new(id: String, got: Got) -> Self {
        Self { id, got }
    }
}

/// What became of one id.
#[derive(Debug, Clone)]
pub(crate) enum Got {
    /// Gong returned it.
    Found(Item),
    /// Gong has nothing for it (no such call, or no transcript yet).
    NotFound,
    /// Its request failed.
    Failed(GongError),
}

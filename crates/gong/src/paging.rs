//! Following Gong's `records.cursor` until the last page.

use std::collections::HashSet;

use serde::de::DeserializeOwned;
use tokio::time::Instant;

use crate::http::{Call, Transport};
use crate::{wire, GongError};

/// A Gong list answer: some items and, when more remain, a cursor.
pub(crate) trait Page: DeserializeOwned {
    /// One element of the list.
    type Item;
    /// `records.cursor`, when more pages remain.
    fn cursor(&self) -> Option<&str>;
    /// The page's items.
    fn into_items(self) -> Vec<Self::Item>;
}

impl Page for wire::TranscriptResponse {
    type Item = wire::CallTranscript;
    fn cursor(&self) -> Option<&str> {
        self.records.cursor.as_deref()
    }
    fn into_items(self) -> Vec<Self::Item> {
        self.call_transcripts
    }
}

impl Page for wire::ExtensiveResponse {
    type Item = wire::ExtensiveCall;
    fn cursor(&self) -> Option<&str> {
        self.records.cursor.as_deref()
    }
    fn into_items(self) -> Vec<Self::Item> {
        self.calls
    }
}

impl Page for wire::CallsResponse {
    type Item = wire::CallMetaData;
    fn cursor(&self) -> Option<&str> {
        self.records.cursor.as_deref()
    }
    fn into_items(self) -> Vec<Self::Item> {
        self.calls
    }
}

impl Page for wire::UsersResponse {
    type Item = wire::User;
    fn cursor(&self) -> Option<&str> {
        self.records.cursor.as_deref()
    }
    fn into_items(self) -> Vec<Self::Item> {
        self.users
    }
}

/// Every item of every page. `call_for(cursor)` builds the request for a page (`None` for the
/// first). A 404 ("nothing matches") ends the list; a cursor seen before is an error rather than
/// an endless loop.
/// `prepaid` is passed on for the first page only (see [`Transport::send`]).
pub(crate) async fn collect<P: Page>(
    transport: &Transport,
    deadline: Instant,
    prepaid: bool,
    mut call_for: impl FnMut(Option<&str>) -> Result<Call, GongError>,
) -> Result<Vec<P::Item>, GongError> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    let mut seen = HashSet::new();
    let mut prepaid = prepaid;
    loop {
        let call = call_for(cursor.as_deref())?;
        let page = transport.send::<P>(&call, deadline, prepaid).await?;
        prepaid = false;
        let Some(page) = page else {
            break;
        };
        let next = page
            .cursor()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned);
        items.extend(page.into_items());
        match next {
            None => break,
            Some(next) => {
                if !seen.insert(next.clone()) {
                    return Err(GongError::InvalidResponse(
                        "Gong returned a page cursor it had returned before".into(),
                    ));
                }
                cursor = Some(next);
            }
        }
    }
    Ok(items)
}

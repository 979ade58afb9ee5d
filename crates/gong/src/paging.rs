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
    call_for: impl FnMut(Option<&str>) -> Result<Call, GongError>,
) -> Result<Vec<P::Item>, GongError> {
    let mut pages = Pages::new(deadline, prepaid, call_for);
    let mut items = Vec::new();
    while let Some(page) = pages.next::<P>(transport).await {
        items.extend(page?);
    }
    Ok(items)
}

/// A cursor chain followed one page at a time, so a caller can use each page as it arrives
/// and keep what it has when a later page fails or the deadline comes.
pub(crate) struct Pages<F> {
    deadline: Instant,
    prepaid: bool,
    call_for: F,
    cursor: Option<String>,
    seen: HashSet<String>,
    done: bool,
}

impl<F: FnMut(Option<&str>) -> Result<Call, GongError>> Pages<F> {
    /// A chain whose pages are built by `call_for(cursor)` (`None` for the first) and sent
    /// before `deadline`; `prepaid` as in [`collect`].
    pub(crate) fn new(deadline: Instant, prepaid: bool, call_for: F) -> Self {
        Self {
            deadline,
            prepaid,
            call_for,
            cursor: None,
            seen: HashSet::new(),
            done: false,
        }
    }

    /// The next page's items; `None` once the chain has ended. An error (a failed page, the
    /// deadline, a repeated cursor) ends the chain: it is returned once, then `None`.
    pub(crate) async fn next<P: Page>(
        &mut self,
        transport: &Transport,
    ) -> Option<Result<Vec<P::Item>, GongError>> {
        if self.done {
            return None;
        }
        let page = self.fetch::<P>(transport).await;
        if !matches!(page, Ok(Some(_))) {
            self.done = true;
        }
        page.transpose()
    }

    async fn fetch<P: Page>(
        &mut self,
        transport: &Transport,
    ) -> Result<Option<Vec<P::Item>>, GongError> {
        let call = (self.call_for)(self.cursor.as_deref())?;
        let prepaid = std::mem::take(&mut self.prepaid);
        let sent = tokio::time::timeout_at(
            self.deadline,
            transport.send::<P>(&call, self.deadline, prepaid),
        )
        .await
        .unwrap_or_else(|_| Err(GongError::DeadlineExceeded(transport.deadline)))?;
        // A 404 ("nothing matches") ends the list.
        let Some(page) = sent else {
            return Ok(None);
        };
        let next = page
            .cursor()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned);
        match next {
            None => self.done = true,
            Some(next) => {
                if !self.seen.insert(next.clone()) {
                    return Err(GongError::InvalidResponse(
                        "Gong returned a page cursor it had returned before".into(),
                    ));
                }
                self.cursor = Some(next);
            }
        }
        Ok(Some(page.into_items()))
    }
}

//! Which call ids a caller may read: a transcript is readable only when Salesforce shows the
//! caller its call record and that call's account (see [`crate::call_source`] for orgs
//! without the Gong package).

use crate::error::ServiceError;
use crate::identity::Caller;
use crate::ids::{distinct, CallId};
use crate::service::{Service, VISIBILITY_CHUNK};
use crate::sources::ResolvedSource;
use crate::{query, records};
use salesforce::SalesforceClient;
use serde_json::Value;
use std::collections::HashSet;

/// Which requested call ids the caller may read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallAccess {
    /// Ids the caller may read, in request order.
    pub accessible: Vec<CallId>,
    /// Ids that are not Gong call records the caller can see in Salesforce, in request order.
    pub not_accessible: Vec<CallId>,
}

impl Service {
    /// Splits `call_ids` into those the caller may read and the rest. API-key callers may read
    /// every id (the original middleware's model); a Salesforce user only the ids of Gong call
    /// records Salesforce shows them **and** whose account (and opportunity, when the call has
    /// one) Salesforce shows them too: an org may make the call object public-read (or let reps
    /// edit the call id field), or share an account without its deals, and the account's and
    /// the deal's sharing is what keeps one rep's customers from another. A call record without
    /// an account is not readable this way.
    pub async fn accessible_call_ids(
        &self,
        caller: &Caller,
        call_ids: &[CallId],
    ) -> Result<CallAccess, ServiceError> {
        let ids = distinct(call_ids.iter().cloned());
        if matches!(caller, Caller::ServiceAccount) {
            return Ok(CallAccess {
                accessible: ids,
                not_accessible: Vec::new(),
            });
        }
        let (client, as_user) = self.salesforce_for(caller)?;
        if self.source(&client, as_user).await? == ResolvedSource::Gong {
            return self.accessible_from_gong(&client, as_user, ids).await;
        }
        let fields = &self.options.fields;
        let soql: Vec<String> = ids
            .chunks(VISIBILITY_CHUNK)
            .map(|chunk| query::visible_calls(fields, chunk))
            .collect();
        let queries = soql.iter().map(|q| client.query::<Value>(q));
        // Each visible call record: its call id, account and opportunity.
        let mut records: Vec<(String, String, Option<String>)> = Vec::new();
        for result in futures::future::join_all(queries).await {
            for record in result.map_err(|e| ServiceError::from_salesforce(e, as_user))? {
                let call = records::text(&record, &fields.call_id);
                let account = records::text(&record, &fields.account);
                let deal = records::text(&record, &fields.opportunity);
                if let (Some(call), Some(account)) = (call, account) {
                    let deal = deal.map(|d| d.trim().to_owned());
                    records.push((call.trim().to_owned(), account.trim().to_owned(), deal));
                }
            }
        }
        let accounts = distinct(records.iter().map(|(_, a, _)| a.clone()));
        let deals = distinct(records.iter().filter_map(|(_, _, d)| d.clone()));
        let (accounts, deals) = tokio::join!(
            visible_ids(&client, as_user, &accounts, query::visible_accounts),
            visible_ids(&client, as_user, &deals, query::visible_opportunities),
        );
        let (accounts, deals) = (accounts?, deals?);
        let visible: HashSet<&str> = records
            .iter()
            .filter(|(_, account, deal)| {
                accounts.contains(account) && deal.as_ref().is_none_or(|d| deals.contains(d))
            })
            .map(|(call, _, _)| call.as_str())
            .collect();
        let (accessible, not_accessible) = ids
            .into_iter()
            .partition(|id| visible.contains(id.as_str()));
        Ok(CallAccess {
            accessible,
            not_accessible,
        })
    }
}

/// The ids among `ids` whose records the caller sees, by `soql` (a query selecting `Id` from
/// the records among a list of ids), in chunks. Ids compare in their 15-character form, so
/// either form matches.
pub(crate) async fn visible_ids(
    client: &SalesforceClient,
    as_user: bool,
    ids: &[String],
    soql: fn(&[String]) -> String,
) -> Result<VisibleIds, ServiceError> {
    let soql: Vec<String> = ids.chunks(VISIBILITY_CHUNK).map(soql).collect();
    let queries = soql.iter().map(|q| client.query::<Value>(q));
    let mut visible = VisibleIds::default();
    for result in futures::future::join_all(queries).await {
        visible.extend(&result.map_err(|e| ServiceError::from_salesforce(e, as_user))?);
    }
    Ok(visible)
}

/// Salesforce ids, kept in their case-sensitive 15-character form.
#[derive(Default)]
pub(crate) struct VisibleIds(HashSet<String>);

impl VisibleIds {
    /// The ids of `records`, which the caller's own query returned: seen, so visible.
    pub(crate) fn of(records: &[Value]) -> Self {
        let mut visible = Self::default();
        visible.extend(records);
        visible
    }

    fn extend(&mut self, records: &[Value]) {
        self.0.extend(
            records
                .iter()
                .filter_map(|r| records::text(r, "Id"))
                .map(|id| id_key(&id).to_owned()),
        );
    }

    pub(crate) fn contains(&self, id: &str) -> bool {
        self.0.contains(id_key(id))
    }
}

/// The 15-character form of a Salesforce id (15- and 18-character forms name the same record).
pub(crate) fn id_key(id: &str) -> &str {
    id.get(..15).unwrap_or(id)
}

/// Whether two Salesforce ids name the same record (15- and 18-character forms compare equal).
pub(crate) fn same_id(a: &str, b: &str) -> bool {
    id_key(a) == id_key(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_compare_in_both_forms() {
        assert!(same_id("00D000000000001", "00D000000000001AAA"));
        assert!(!same_id("00D000000000002", "00D000000000001AAA"));
    }
}

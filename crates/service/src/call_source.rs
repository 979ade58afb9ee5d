//! Where an account's calls are found: the Gong call object in Salesforce, or Gong itself.
//!
//! The Gong for Salesforce package keeps a call record per call, linked to its account and
//! opportunity: precise, and free of Gong quota. Orgs without the package (or before it syncs)
//! still have their calls in Gong, where nothing links them to an account, so they are found
//! by the e-mail domains of the account (see [`crate::domains`]).

use crate::access::{visible_ids, CallAccess, VisibleIds};
use crate::domains::{self, AccountDomains};
use crate::error::ServiceError;
use crate::identity::Caller;
use crate::ids::{distinct, AccountId, CallId};
use crate::model::CallRow;
use crate::service::{Service, DOMAIN_CHUNK};
use crate::{query, records};
use salesforce::SalesforceClient;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::sources::{CallSource, ResolvedSource};

/// An account's calls found in Gong, with what the search covered.
pub(crate) struct GongFound {
    pub(crate) rows: Vec<CallRow>,
    pub(crate) domains: AccountDomains,
    pub(crate) listing: Arc<gong::RecentCalls>,
}

impl Service {
    /// The call source in use: the configured one, or for `auto` whether the org has the Gong
    /// call object (a describe of it, asked once per process and kept: installing the
    /// package is rare and a restart picks it up). A describe that fails for another reason
    /// than `NOT_FOUND` is an error and is asked again next time.
    pub async fn resolved_call_source(
        &self,
        caller: &Caller,
    ) -> Result<ResolvedSource, ServiceError> {
        let (client, as_user) = self.salesforce_for(caller)?;
        self.source(&client, as_user).await
    }

    pub(crate) async fn source(
        &self,
        client: &SalesforceClient,
        as_user: bool,
    ) -> Result<ResolvedSource, ServiceError> {
        match self.options.call_source {
            CallSource::Salesforce => return Ok(ResolvedSource::Salesforce),
            CallSource::Gong => return Ok(ResolvedSource::Gong),
            CallSource::Auto => {}
        }
        if let Some(source) = self.resolved_source.get() {
            return Ok(*source);
        }
        let object = &self.options.fields.call_object;
        // The service credentials see every object the org has; a person may lack the
        // object's permission (Salesforce then answers as if it did not exist), which must not
        // decide the source for everyone. Their own token is asked only when the service
        // credentials cannot answer (none configured).
        let by_service = match (as_user, self.salesforce.as_ref()) {
            (true, Some(base)) => base.has_object(object).await.ok(),
            _ => None,
        };
        let has = match by_service {
            Some(has) => has,
            None => client
                .has_object(object)
                .await
                .map_err(|e| ServiceError::from_salesforce(e, as_user))?,
        };
        let source = if has {
            ResolvedSource::Salesforce
        } else {
            ResolvedSource::Gong
        };
        tracing::info!(
            call_object = %object,
            source = if has { "salesforce" } else { "gong" },
            "call source decided"
        );
        Ok(*self.resolved_source.get_or_init(|| source))
    }

    /// The calls in Gong's recent listing with an outside party from the account's domains
    /// (its website's, its contacts'), newest first.
    pub(crate) async fn calls_from_gong(
        &self,
        website: Option<&str>,
        contact_emails: &[String],
    ) -> Result<GongFound, ServiceError> {
        let settings = &self.options.gong_listing;
        let domains = AccountDomains::new(website, contact_emails, &settings.ignored);
        if domains.is_empty() {
            return Ok(GongFound {
                rows: Vec::new(),
                domains,
                listing: Arc::new(gong::RecentCalls {
                    calls: Vec::new(),
                    covered_from: self.now(),
                    to: self.now(),
                    complete: true,
                    pages: 0,
                    reused: false,
                }),
            });
        }
        let listing = self.gong.recent_calls(settings.request()).await?;
        let rows = listing
            .calls
            .iter()
            .filter(|c| domains::call_matches(c, &domains, &settings.ignored))
            .map(records::gong_call_row)
            .collect();
        Ok(GongFound {
            rows,
            domains,
            listing,
        })
    }

    /// Which of `ids` a Salesforce user may read when calls come from Gong: those in the
    /// recent listing with an outside party whose domain is that of an account the user can
    /// see (its website's, or a visible contact's of a visible account): the same rule that
    /// lists an account's calls, so a call shown to a rep can be read by them and no other.
    pub(crate) async fn accessible_from_gong(
        &self,
        client: &SalesforceClient,
        as_user: bool,
        ids: Vec<CallId>,
    ) -> Result<CallAccess, ServiceError> {
        let settings = &self.options.gong_listing;
        let listing = self.gong.recent_calls(settings.request()).await?;
        let wanted: HashSet<&str> = ids.iter().map(CallId::as_str).collect();
        let calls: HashMap<&str, std::collections::BTreeSet<String>> = listing
            .calls
            .iter()
            .filter(|c| wanted.contains(c.meta_data.id.as_str()))
            .map(|c| {
                (
                    c.meta_data.id.as_str(),
                    domains::external_domains(c, &settings.ignored),
                )
            })
            .collect();
        let party_domains = distinct(calls.values().flatten().cloned());
        let candidates = distinct(
            party_domains
                .iter()
                .flat_map(|d| domains::parent_domains(d)),
        );
        // Visible accounts by website, visible contacts by e-mail domain.
        let mut website_domains: HashSet<String> = HashSet::new();
        let mut contact_domains: HashSet<String> = HashSet::new();
        let sf = |e| ServiceError::from_salesforce(e, as_user);
        for chunk in candidates.chunks(DOMAIN_CHUNK) {
            let soql = [
                query::accounts_by_website(chunk),
                query::contacts_by_email_domain(chunk),
            ];
            let (accounts, contacts) = tokio::join!(
                client.query::<Value>(&soql[0]),
                client.query::<Value>(&soql[1]),
            );
            website_domains.extend(
                accounts
                    .map_err(sf)?
                    .iter()
                    .filter_map(|a| records::text(a, "Website"))
                    .filter_map(|w| domains::website_domain(&w))
                    .filter(|w| !settings.ignored.contains(w)),
            );
            let contacts = contacts.map_err(sf)?;
            let owners = distinct(
                contacts
                    .iter()
                    .filter_map(|c| records::text(c, "AccountId")),
            );
            let visible = visible_ids(client, as_user, &owners, query::visible_accounts).await?;
            contact_domains.extend(
                contacts
                    .iter()
                    .filter(|c| records::text(c, "AccountId").is_some_and(|a| visible.contains(&a)))
                    .filter_map(|c| records::text(c, "Email"))
                    .filter_map(|e| domains::email_domain(&e)),
            );
        }
        let readable = |domain: &String| {
            contact_domains.contains(domain)
                || website_domains
                    .iter()
                    .any(|w| domains::is_same_or_subdomain(domain, w))
        };
        let (accessible, not_accessible) = ids.into_iter().partition(|id| {
            calls
                .get(id.as_str())
                .is_some_and(|party| party.iter().any(readable))
        });
        Ok(CallAccess {
            accessible,
            not_accessible,
        })
    }

    /// `calls` (Gong call records) without those whose opportunity the caller cannot see: an
    /// org may share an account without its opportunities, and a call on a hidden deal is that
    /// deal's conversation. A call without an opportunity stays. Deals in `seen` (returned by
    /// the caller's own queries) are visible; only the others are asked about, so a briefing
    /// whose calls are all on the account's open deals takes no round trip here.
    pub(crate) async fn without_hidden_deals(
        &self,
        client: &SalesforceClient,
        as_user: bool,
        calls: Vec<Value>,
        seen: &VisibleIds,
    ) -> Result<Vec<Value>, ServiceError> {
        if !as_user {
            return Ok(calls);
        }
        let field = &self.options.fields.opportunity;
        let unknown = distinct(
            calls
                .iter()
                .filter_map(|r| records::text(r, field))
                .filter(|deal| !seen.contains(deal)),
        );
        let visible = visible_ids(client, as_user, &unknown, query::visible_opportunities).await?;
        Ok(calls
            .into_iter()
            .filter(|r| {
                records::text(r, field)
                    .is_none_or(|deal| seen.contains(&deal) || visible.contains(&deal))
            })
            .collect())
    }

    /// An account's calls (newest `limit`, from the Gong call object) and, read as the
    /// caller at the same time, its open deals they can see: what
    /// [`Self::without_hidden_deals`] needs to skip its own round trip.
    pub(crate) async fn account_calls_with_deals(
        &self,
        client: &SalesforceClient,
        as_user: bool,
        account_id: &AccountId,
        limit: usize,
    ) -> (Result<Vec<Value>, ServiceError>, VisibleIds) {
        let sf = |e| ServiceError::from_salesforce(e, as_user);
        let calls_soql = query::account_calls(&self.options.fields, account_id, limit);
        let deals_soql = query::open_opportunity_ids(account_id);
        let deals = async {
            if as_user {
                // Only a shortcut: without it, every deal is asked about.
                client.query::<Value>(&deals_soql).await.unwrap_or_default()
            } else {
                Vec::new()
            }
        };
        let (calls, deals) = tokio::join!(client.query::<Value>(&calls_soql), deals);
        (calls.map_err(sf), VisibleIds::of(&deals))
    }
}

/// What a briefing says about calls found in Gong: how they were matched, and how far back
/// Gong was read when the page bound cut the listing short.
pub(crate) fn gong_source_note(found: &GongFound) -> String {
    if found.domains.is_empty() {
        return "Calls are found in Gong by the e-mail domains of the account's website and \
                contacts, and this account has none (public mail providers do not count): no \
                calls could be matched."
            .to_owned();
    }
    let mut note = format!(
        "These calls were found in Gong by attendees' e-mail domains ({}), not by a link \
         Salesforce keeps: a call without an outside attendee from these domains is missed.",
        found.domains.all().join(", ")
    );
    if !found.listing.complete {
        note.push_str(&format!(
            " Gong was read back to {} only (its listing is bounded to spare the daily quota).",
            found.listing.covered_from.format("%Y-%m-%d")
        ));
    }
    note
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_parse_in_any_case() {
        assert_eq!("Gong".parse(), Ok(CallSource::Gong));
        assert_eq!(" salesforce ".parse(), Ok(CallSource::Salesforce));
        assert_eq!("auto".parse(), Ok(CallSource::Auto));
        assert!("both".parse::<CallSource>().is_err());
        assert_eq!(CallSource::default().to_string(), "auto");
    }
}

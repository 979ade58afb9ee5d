//! Every SOQL query and SOSL search callbrief sends, built in one place.
//!
//! Values from callers (names, ids) only ever enter as escaped literals or escaped search
//! terms (`salesforce::escape`); object and field names come from [`GongFields`], checked to be
//! API names when the service is built. Tests below show injection attempts staying literals.

use crate::ids::{AccountId, EventId};
use chrono::{DateTime, SecondsFormat, Utc};
use salesforce::escape::{soql_like_contains, soql_string_literal, sosl_term};

use crate::fields::GongFields;

/// Most accounts a name search returns: enough to pick from, short enough to show as a list.
pub const MAX_SEARCH_HITS: usize = 10;
/// Most open opportunities listed in a briefing.
pub const MAX_OPPORTUNITIES: usize = 20;
/// Most contacts read for a briefing (the key ones are picked from these).
pub const MAX_CONTACTS: usize = 50;

/// SOSL for accounts whose name matches `name`, best for a person typing part of a name.
///
/// Each word is escaped; the words `and`, `or` and `not` are quoted so they stay words rather
/// than operators (as Salesforce's SOSL guide recommends); the last word gets a trailing `*`
/// so "Acm" finds "Acme Logistics".
pub fn search_accounts(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    let last = words.len().saturating_sub(1);
    let term: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(i, word)| {
            let operator = ["and", "or", "not"]
                .iter()
                .any(|op| word.eq_ignore_ascii_case(op));
            if operator {
                format!("\"{word}\"")
            } else {
                let wildcard = i == last && word.chars().last().is_some_and(char::is_alphanumeric);
                format!("{}{}", sosl_term(word), if wildcard { "*" } else { "" })
            }
        })
        .collect();
    format!(
        "FIND {{{}}} IN NAME FIELDS RETURNING Account(Id, Name, Industry, Website, BillingCity, \
         BillingCountry, Owner.Name ORDER BY Name LIMIT {MAX_SEARCH_HITS}) LIMIT {MAX_SEARCH_HITS}",
        term.join(" ")
    )
}

/// SOQL for one account with what a briefing shows about it.
pub fn account(account_id: &AccountId) -> String {
    format!(
        "SELECT Id, Name, Industry, Website, NumberOfEmployees, AnnualRevenue, BillingCity, \
         BillingCountry, Owner.Name FROM Account WHERE Id = {} LIMIT 1",
        soql_string_literal(account_id.as_str())
    )
}

/// SOQL for the account's open opportunities, the soonest to close first.
pub fn open_opportunities(account_id: &AccountId) -> String {
    format!(
        "SELECT Id, Name, StageName, Amount, CloseDate, Probability, Owner.Name FROM Opportunity \
         WHERE AccountId = {} AND IsClosed = false ORDER BY CloseDate ASC LIMIT {MAX_OPPORTUNITIES}",
        soql_string_literal(account_id.as_str())
    )
}

/// SOQL for the ids of the account's open deals the querying user can see: asked beside an
/// account's call list, so a call on one of them needs no visibility check of its own.
pub fn open_opportunity_ids(account_id: &AccountId) -> String {
    format!(
        "SELECT Id FROM Opportunity WHERE AccountId = {} AND IsClosed = false LIMIT {MAX_OPPORTUNITIES}",
        soql_string_literal(account_id.as_str())
    )
}

/// Most contact roles read for a briefing's stakeholder map.
pub const MAX_CONTACT_ROLES: usize = 100;

/// SOQL for the buying roles on the account's open deals, with each contact's name, title and
/// e-mail (to join with Gong's attendees). Salesforce shares a contact role as its opportunity.
pub fn open_deal_contact_roles(account_id: &AccountId) -> String {
    format!(
        "SELECT OpportunityId, ContactId, Contact.Name, Contact.Title, Contact.Email, Role, \
         IsPrimary FROM OpportunityContactRole WHERE Opportunity.AccountId = {} AND \
         Opportunity.IsClosed = false LIMIT {MAX_CONTACT_ROLES}",
        soql_string_literal(account_id.as_str())
    )
}

/// SOQL for the account's contacts.
pub fn contacts(account_id: &AccountId) -> String {
    format!(
        "SELECT Id, Name, Title, Email FROM Contact WHERE AccountId = {} ORDER BY LastName ASC \
         LIMIT {MAX_CONTACTS}",
        soql_string_literal(account_id.as_str())
    )
}

/// Most rows read for each part of "since the last call" (deal changes, new contacts, tasks).
pub const MAX_SINCE_ROWS: usize = 50;

/// Most invitees read for a meeting.
pub const MAX_INVITEES: usize = 100;

/// The event fields a meeting shows, with its invitees as a parent-to-child subquery.
fn event_fields() -> String {
    format!(
        "Id, Subject, StartDateTime, EndDateTime, Location, WhatId, AccountId, Owner.Name, \
         (SELECT RelationId, Status FROM EventRelations LIMIT {MAX_INVITEES})"
    )
}

/// A SOQL datetime literal (`2024-05-02T15:00:00Z`): written from a parsed instant, never
/// from caller text.
fn datetime_literal(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// SOQL for the account's next event from `now`: on the account itself or on anything of it
/// (Salesforce derives an event's `AccountId` from its opportunity or contact).
pub fn next_event(account_id: &AccountId, now: &DateTime<Utc>) -> String {
    let id = soql_string_literal(account_id.as_str());
    format!(
        "SELECT {} FROM Event WHERE (AccountId = {id} OR WhatId = {id}) AND StartDateTime >= {} \
         ORDER BY StartDateTime ASC LIMIT 1",
        event_fields(),
        datetime_literal(now)
    )
}

/// SOQL for one event, only if it is on the account (or anything of it).
pub fn event_on_account(event_id: &EventId, account_id: &AccountId) -> String {
    let id = soql_string_literal(account_id.as_str());
    format!(
        "SELECT {} FROM Event WHERE Id = {} AND (AccountId = {id} OR WhatId = {id}) LIMIT 1",
        event_fields(),
        soql_string_literal(event_id.as_str())
    )
}

/// Most meetings one calendar read returns.
pub const MAX_MEETINGS: usize = 200;

/// SOQL for the events `user_id` is invited to that start in `[from, to)`.
pub fn invitations(user_id: &str, from: &DateTime<Utc>, to: &DateTime<Utc>) -> String {
    format!(
        "SELECT EventId FROM EventRelation WHERE RelationId = {} AND Event.StartDateTime >= {} \
         AND Event.StartDateTime < {} LIMIT {MAX_MEETINGS}",
        soql_string_literal(user_id),
        datetime_literal(from),
        datetime_literal(to)
    )
}

/// Whose events a calendar query reads.
#[derive(Debug, Clone, Copy)]
pub enum Whose<'a> {
    /// The events this user owns.
    OwnedBy(&'a str),
    /// The events with these ids (those a user is invited to).
    Among(&'a [String]),
}

/// SOQL for the customer events (on an account, or on anything of one) starting in
/// `[from, to)` of `whose`, soonest first; without `private`, events marked private are left
/// out.
pub fn calendar(
    whose: Whose<'_>,
    (from, to): (&DateTime<Utc>, &DateTime<Utc>),
    private: bool,
) -> String {
    let whose = match whose {
        Whose::OwnedBy(user_id) => format!("OwnerId = {}", soql_string_literal(user_id)),
        Whose::Among(ids) => {
            let ids: Vec<String> = ids.iter().map(|id| soql_string_literal(id)).collect();
            format!("Id IN ({})", ids.join(", "))
        }
    };
    let private = if private {
        ""
    } else {
        " AND IsPrivate = false"
    };
    format!(
        "SELECT Id, Subject, StartDateTime, EndDateTime, AccountId, Account.Name, OwnerId, \
         (SELECT RelationId FROM EventRelations LIMIT {MAX_INVITEES}) FROM Event \
         WHERE {whose} AND AccountId != null AND StartDateTime >= {} AND StartDateTime < {}{private} \
         ORDER BY StartDateTime ASC LIMIT {MAX_MEETINGS}",
        datetime_literal(from),
        datetime_literal(to)
    )
}

/// Most customer events one prefetch run reads.
pub const MAX_PREFETCH_EVENTS: usize = 2000;

/// SOQL for every customer event (on an account, or anything of one) starting in `[from, to)`,
/// soonest first: what a prefetch run covers, read with the service credentials.
pub fn customer_events(from: &DateTime<Utc>, to: &DateTime<Utc>) -> String {
    format!(
        "SELECT Id, AccountId FROM Event WHERE AccountId != null AND StartDateTime >= {} \
         AND StartDateTime < {} ORDER BY StartDateTime ASC LIMIT {MAX_PREFETCH_EVENTS}",
        datetime_literal(from),
        datetime_literal(to)
    )
}

/// SOQL for the user with this username.
pub fn user_by_username(username: &str) -> String {
    format!(
        "SELECT Id FROM User WHERE Username = {} LIMIT 1",
        soql_string_literal(username)
    )
}

/// SOQL for the people among `ids` of one object (`Contact`, `Lead` or `User`), by id.
pub fn people<S: AsRef<str>>(object: &str, ids: &[S]) -> String {
    let list: Vec<String> = ids
        .iter()
        .map(|id| soql_string_literal(id.as_ref()))
        .collect();
    format!(
        "SELECT Id, Name, Title FROM {object} WHERE Id IN ({})",
        list.join(", ")
    )
}

/// SOQL for the newest tracked changes of the account's deals' stage, amount, close date and
/// next step, newest first. Asked with a briefing's first reads, before its newest call is
/// known: the briefing keeps those after that call (at most [`MAX_SINCE_ROWS`], the newest).
pub fn deal_changes(account_id: &AccountId) -> String {
    format!(
        "SELECT OpportunityId, Opportunity.Name, Field, OldValue, NewValue, CreatedDate, \
         CreatedBy.Name FROM OpportunityFieldHistory WHERE Opportunity.AccountId = {} AND \
         Field IN ('StageName', 'Amount', 'CloseDate', 'NextStep') \
         ORDER BY CreatedDate DESC LIMIT {MAX_SINCE_ROWS}",
        soql_string_literal(account_id.as_str())
    )
}

/// SOQL for the account's newest contacts, newest first; the briefing keeps those created
/// after its newest call (see [`deal_changes`]).
pub fn new_contacts(account_id: &AccountId) -> String {
    format!(
        "SELECT Id, Name, Title, CreatedDate FROM Contact WHERE AccountId = {} \
         ORDER BY CreatedDate DESC LIMIT {MAX_SINCE_ROWS}",
        soql_string_literal(account_id.as_str())
    )
}

/// SOQL for the account's open tasks with a due date, soonest first. Asked before the meeting
/// is known; the briefing keeps those due by the meeting's day, which in this order are the
/// first rows: the same rows a query bounded by that day returns.
pub fn open_tasks(account_id: &AccountId) -> String {
    format!(
        "SELECT Id, Subject, ActivityDate, Status, Priority, Owner.Name FROM Task WHERE \
         AccountId = {} AND IsClosed = false AND ActivityDate != null ORDER BY ActivityDate ASC \
         LIMIT {MAX_SINCE_ROWS}",
        soql_string_literal(account_id.as_str())
    )
}

/// The call fields every call query selects, in a fixed order.
fn call_fields(f: &GongFields) -> String {
    format!(
        "Id, {}, {}, {}, {}, {}, {}",
        f.call_id, f.title, f.start, f.duration, f.url, f.opportunity
    )
}

/// SOQL for the account's newest `limit` Gong calls (the two-action flow's query, with configured
/// names).
pub fn account_calls(f: &GongFields, account_id: &AccountId, limit: usize) -> String {
    format!(
        "SELECT {} FROM {} WHERE {} = {} ORDER BY {} DESC NULLS LAST LIMIT {limit}",
        call_fields(f),
        f.call_object,
        f.account,
        soql_string_literal(account_id.as_str()),
        f.start,
    )
}

/// SOQL for the Gong call records among `call_ids` that the querying user can see, with each
/// call's account and opportunity. Salesforce applies the user's sharing to the call object;
/// the account and the opportunity are checked on their own ([`visible_accounts`],
/// [`visible_opportunities`]), since an org may open the call object wider.
pub fn visible_calls<S: AsRef<str>>(f: &GongFields, call_ids: &[S]) -> String {
    let list: Vec<String> = call_ids
        .iter()
        .map(|id| soql_string_literal(id.as_ref()))
        .collect();
    format!(
        "SELECT Id, {}, {}, {} FROM {} WHERE {} IN ({})",
        f.call_id,
        f.account,
        f.opportunity,
        f.call_object,
        f.call_id,
        list.join(", ")
    )
}

/// SOQL for the accounts among `account_ids` that the querying user can see.
pub fn visible_accounts<S: AsRef<str>>(account_ids: &[S]) -> String {
    let list: Vec<String> = account_ids
        .iter()
        .map(|id| soql_string_literal(id.as_ref()))
        .collect();
    format!("SELECT Id FROM Account WHERE Id IN ({})", list.join(", "))
}

/// SOQL for the opportunities among `opportunity_ids` that the querying user can see: an org
/// may share an account without its opportunities.
pub fn visible_opportunities<S: AsRef<str>>(opportunity_ids: &[S]) -> String {
    let list: Vec<String> = opportunity_ids
        .iter()
        .map(|id| soql_string_literal(id.as_ref()))
        .collect();
    format!(
        "SELECT Id FROM Opportunity WHERE Id IN ({})",
        list.join(", ")
    )
}

/// SOQL for the accounts the querying user can see whose website contains any of `domains`
/// (candidates only: the caller checks each website's domain exactly).
pub fn accounts_by_website<S: AsRef<str>>(domains: &[S]) -> String {
    let list: Vec<String> = domains
        .iter()
        .map(|d| format!("Website LIKE {}", soql_like_contains(d.as_ref())))
        .collect();
    format!(
        "SELECT Id, Website FROM Account WHERE {} LIMIT 200",
        list.join(" OR ")
    )
}

/// SOQL for the contacts the querying user can see whose e-mail contains `@<domain>` for any
/// of `domains`, with their account (candidates only, checked exactly by the caller).
pub fn contacts_by_email_domain<S: AsRef<str>>(domains: &[S]) -> String {
    let list: Vec<String> = domains
        .iter()
        .map(|d| {
            format!(
                "Email LIKE {}",
                soql_like_contains(&format!("@{}", d.as_ref()))
            )
        })
        .collect();
    format!(
        "SELECT AccountId, Email FROM Contact WHERE AccountId != null AND ({}) LIMIT 200",
        list.join(" OR ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn account_id(raw: &str) -> AccountId {
        AccountId::parse("id", raw).unwrap()
    }

    #[test]
    fn the_calls_query_with_default_names() {
        let q = account_calls(&GongFields::default(), &account_id("001Dm0000000001AAA"), 2);
        assert_eq!(
            q,
            "SELECT Id, Gong__Call_ID__c, Gong__Title__c, Gong__Call_Start__c, \
             Gong__Call_Duration_sec__c, Gong__View_call__c, Gong__Primary_Opportunity__c FROM \
             Gong__Gong_Call__c WHERE \
             Gong__Primary_Account__c = '001Dm0000000001AAA' ORDER BY Gong__Call_Start__c DESC \
             NULLS LAST LIMIT 2"
        );
        assert_eq!(
            search_accounts("Acme"),
            "FIND {Acme*} IN NAME FIELDS RETURNING Account(Id, Name, Industry, Website, \
             BillingCity, BillingCountry, Owner.Name ORDER BY Name LIMIT 10) LIMIT 10"
        );
    }

    #[test]
    fn meeting_queries_keep_ids_literal_and_dates_typed() {
        use chrono::TimeZone;
        let now = Utc.with_ymd_and_hms(2026, 11, 28, 9, 30, 0).unwrap();
        let q = next_event(&account_id("001Dm0000000001AAA"), &now);
        assert!(
            q.contains(r"WHERE (AccountId = '001Dm0000000001AAA' OR WhatId = '001Dm0000000001AAA') AND StartDateTime >= 2026-11-28T09:30:00Z"),
            "{q}"
        );
        assert!(q.contains("(SELECT RelationId, Status FROM EventRelations LIMIT 100)"));
        let q = open_tasks(&account_id("001Dm0000000001AAA"));
        assert!(
            q.contains("ActivityDate != null ORDER BY ActivityDate ASC"),
            "{q}"
        );
        assert_eq!(
            people("Contact", &["003A", "x'y"]),
            "SELECT Id, Name, Title FROM Contact WHERE Id IN ('003A', 'x\\'y')"
        );
    }

    #[test]
    fn configured_names_are_used() {
        let f = GongFields {
            call_object: "ns__Call__c".into(),
            call_id: "ns__Id__c".into(),
            ..GongFields::default()
        };
        let q = visible_calls(&f, &["1", "2"]);
        assert_eq!(
            q,
            "SELECT Id, ns__Id__c, Gong__Primary_Account__c, Gong__Primary_Opportunity__c FROM \
             ns__Call__c WHERE ns__Id__c IN ('1', '2')"
        );
        assert_eq!(
            visible_opportunities(&["006A", "o'k"]),
            "SELECT Id FROM Opportunity WHERE Id IN ('006A', 'o\\'k')"
        );
        assert_eq!(
            visible_accounts(&["001A", "o'k"]),
            "SELECT Id FROM Account WHERE Id IN ('001A', 'o\\'k')"
        );
    }

    #[test]
    fn domain_lookups_escape_like_wildcards() {
        assert_eq!(
            accounts_by_website(&["acme.com", "a_b%c.io"]),
            "SELECT Id, Website FROM Account WHERE Website LIKE '%acme.com%' OR Website LIKE \
             '%a\\_b\\%c.io%' LIMIT 200"
        );
        assert_eq!(
            contacts_by_email_domain(&["o'k.com"]),
            "SELECT AccountId, Email FROM Contact WHERE AccountId != null AND (Email LIKE \
             '%@o\\'k.com%') LIMIT 200"
        );
    }

    #[test]
    fn injection_attempts_stay_literals() {
        // An account id that would break a literal is not an account id: the type refuses it
        // before any query is built.
        for bad in [
            "x' OR Name != '",
            "001Dm0000000001' OR",
            "a\\' OR IsClosed = true",
        ] {
            assert!(AccountId::parse("id", bad).is_err(), "{bad}");
        }
        let q = account(&account_id("001Dm0000000001AAA"));
        assert!(
            q.ends_with("WHERE Id = '001Dm0000000001AAA' LIMIT 1"),
            "{q}"
        );
        let q = visible_calls(&GongFields::default(), &["1') OR (Id != '"]);
        assert!(q.ends_with(r"IN ('1\') OR (Id != \'')"), "{q}");
    }

    #[test]
    fn search_terms_cannot_leave_the_braces_or_become_operators() {
        let q = search_accounts("x} RETURNING User(Name");
        assert!(
            q.starts_with(r"FIND {x\} RETURNING User\(Name*} IN NAME FIELDS"),
            "{q}"
        );
        let q = search_accounts("Acme OR Globex AND NOT x");
        assert!(
            q.starts_with(r#"FIND {Acme "OR" Globex "AND" "NOT" x*}"#),
            "{q}"
        );
        let q = search_accounts("*a* ?");
        assert!(q.starts_with(r"FIND {\*a\* \?} "), "{q}");
        let q = search_accounts("AT&T");
        assert!(q.starts_with(r"FIND {AT\&T*} "), "{q}");
    }

    /// The search term: the text between `FIND {` and the first unescaped `}`.
    fn term_of(sosl: &str) -> Option<&str> {
        let body = sosl.strip_prefix("FIND {")?;
        let mut escaped = false;
        for (i, c) in body.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '}' => return Some(&body[..i]),
                _ => {}
            }
        }
        None
    }

    proptest! {
        #[test]
        fn any_name_stays_inside_the_search_term(name in any::<String>()) {
            let q = search_accounts(&name);
            let term = term_of(&q).expect("term ends");
            let rest = &q["FIND {".len() + term.len()..];
            prop_assert!(rest.starts_with("} IN NAME FIELDS RETURNING Account("), "{}", q);
            prop_assert_eq!(rest.matches("RETURNING").count(), 1);
        }

        #[test]
        fn any_account_id_is_refused_or_stays_one_literal(raw in "001[A-Za-z0-9' ]{12,15}") {
            if let Ok(id) = AccountId::parse("id", &raw) {
                let q = account(&id);
                prop_assert!(q.starts_with("SELECT Id, Name, Industry"));
                prop_assert!(q.ends_with(&format!(" WHERE Id = '{}' LIMIT 1", raw.trim())), "{}", q);
            } else {
                let id = raw.trim();
                prop_assert!(id.contains(['\'', ' ']) || ![15, 18].contains(&id.len()));
            }
        }
    }
}

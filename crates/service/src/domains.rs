//! Matching Gong calls to a Salesforce account by e-mail domain, as pure functions.
//!
//! Without the Gong package nothing in Salesforce links a call to an account, so the account's
//! calls are those with an outside party whose e-mail domain is the account's: its website's
//! domain (or a subdomain of it: `eu.acme.com` is Acme's) or a domain its contacts write from.
//! Domains anyone can have (public mail providers) are ignored, or every account with one
//! contact on Gmail would claim every call with a Gmail attendee.

use std::collections::BTreeSet;

use gong::wire;

/// Public mail providers ignored unless configured otherwise: their domains say nothing about
/// which company a person works for.
pub const DEFAULT_IGNORED_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "yahoo.com",
    "ymail.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "gmx.com",
    "gmx.de",
    "web.de",
    "mail.com",
    "zoho.com",
    "yandex.com",
    "qq.com",
    "163.com",
];

/// [`DEFAULT_IGNORED_DOMAINS`] as one comma-separated setting value.
pub const DEFAULT_IGNORED_DOMAINS_SETTING: &str =
    "gmail.com,googlemail.com,outlook.com,hotmail.com,live.com,msn.com,yahoo.com,ymail.com,icloud.com,me.com,mac.com,aol.com,proton.me,protonmail.com,gmx.com,gmx.de,web.de,mail.com,zoho.com,yandex.com,qq.com,163.com";

/// A lower-case DNS name with at least two labels, or `None` for anything else.
pub fn normalize_domain(raw: &str) -> Option<String> {
    let d = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = d.split('.').collect();
    let valid = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    valid.then_some(d)
}

/// The domain of a website as people type it in Salesforce (`https://www.acme.com/en`,
/// `acme.com`, `WWW.Acme.com:443`): no scheme, path, port or leading `www.`.
pub fn website_domain(website: &str) -> Option<String> {
    let s = website.trim();
    let s = s.split_once("://").map_or(s, |(_, rest)| rest);
    let host = s.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = host.split(':').next().unwrap_or_default();
    let domain = normalize_domain(host)?;
    match domain.strip_prefix("www.") {
        Some(rest) if rest.contains('.') => Some(rest.to_owned()),
        _ => Some(domain),
    }
}

/// The domain of an e-mail address (`ann@Acme.com` → `acme.com`).
pub fn email_domain(email: &str) -> Option<String> {
    let (local, domain) = email.trim().rsplit_once('@')?;
    if local.is_empty() {
        return None;
    }
    normalize_domain(domain)
}

/// Domains never used to match (normalized); blank and malformed entries are dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoredDomains(BTreeSet<String>);

impl IgnoredDomains {
    /// The given domains (any case).
    pub fn new<S: AsRef<str>>(domains: &[S]) -> Self {
        Self(
            domains
                .iter()
                .filter_map(|d| normalize_domain(d.as_ref()))
                .collect(),
        )
    }

    /// Whether `domain` (normalized) or a domain it is a subdomain of is ignored.
    pub fn contains(&self, domain: &str) -> bool {
        self.0.iter().any(|i| is_same_or_subdomain(domain, i))
    }

    /// The ignored domains, sorted.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

impl Default for IgnoredDomains {
    fn default() -> Self {
        Self::new(DEFAULT_IGNORED_DOMAINS)
    }
}

/// Whether `domain` is `parent` or one of its subdomains (both normalized).
pub fn is_same_or_subdomain(domain: &str, parent: &str) -> bool {
    domain == parent
        || domain
            .strip_suffix(parent)
            .is_some_and(|head| head.ends_with('.'))
}

/// The e-mail domains that make a call an account's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountDomains {
    /// The website's domain: its subdomains match too.
    pub website: Option<String>,
    /// Domains the account's contacts write from: matched exactly.
    pub contacts: BTreeSet<String>,
}

impl AccountDomains {
    /// The account's domains from its website and its contacts' e-mails, minus `ignored`.
    pub fn new<S: AsRef<str>>(
        website: Option<&str>,
        contact_emails: &[S],
        ignored: &IgnoredDomains,
    ) -> Self {
        let keep = |d: &String| !ignored.contains(d);
        Self {
            website: website.and_then(website_domain).filter(keep),
            contacts: contact_emails
                .iter()
                .filter_map(|e| email_domain(e.as_ref()))
                .filter(keep)
                .collect(),
        }
    }

    /// Whether there is nothing to match on.
    pub fn is_empty(&self) -> bool {
        self.website.is_none() && self.contacts.is_empty()
    }

    /// Every domain, sorted (the website's first), for telling people what was matched.
    pub fn all(&self) -> Vec<String> {
        let mut all: Vec<String> = self.website.iter().cloned().collect();
        all.extend(
            self.contacts
                .iter()
                .filter(|d| Some(*d) != self.website.as_ref())
                .cloned(),
        );
        all
    }

    /// Whether `email`'s domain is one of the account's (and not ignored).
    pub fn matches_email(&self, email: &str, ignored: &IgnoredDomains) -> bool {
        let Some(domain) = email_domain(email) else {
            return false;
        };
        if ignored.contains(&domain) {
            return false;
        }
        self.website
            .as_deref()
            .is_some_and(|w| is_same_or_subdomain(&domain, w))
            || self.contacts.contains(&domain)
    }
}

/// Whether the party is from outside the company: Gong marks its own users `Internal`.
pub fn is_external(party: &wire::Party) -> bool {
    !party
        .affiliation
        .as_deref()
        .is_some_and(|a| a.eq_ignore_ascii_case("internal"))
}

/// Whether the call is the account's: an outside party writes from one of its domains.
pub fn call_matches(
    call: &wire::ExtensiveCall,
    domains: &AccountDomains,
    ignored: &IgnoredDomains,
) -> bool {
    call.parties.iter().any(|p| {
        is_external(p)
            && p.email_address
                .as_deref()
                .is_some_and(|e| domains.matches_email(e, ignored))
    })
}

/// The outside parties' e-mail domains of a call (not ignored), for finding which accounts
/// it may belong to.
pub fn external_domains(call: &wire::ExtensiveCall, ignored: &IgnoredDomains) -> BTreeSet<String> {
    call.parties
        .iter()
        .filter(|p| is_external(p))
        .filter_map(|p| p.email_address.as_deref().and_then(email_domain))
        .filter(|d| !ignored.contains(d))
        .collect()
}

/// `domain` and every parent domain of it with at least two labels (`eu.acme.com`,
/// `acme.com`): the website domains a party writing from `domain` would match.
pub fn parent_domains(domain: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = domain;
    while rest.contains('.') {
        out.push(rest.to_owned());
        match rest.split_once('.') {
            Some((_, tail)) => rest = tail,
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn party(email: &str, affiliation: &str) -> wire::Party {
        wire::Party {
            email_address: Some(email.to_owned()),
            affiliation: Some(affiliation.to_owned()),
            ..wire::Party::default()
        }
    }

    fn call(parties: Vec<wire::Party>) -> wire::ExtensiveCall {
        wire::ExtensiveCall {
            parties,
            ..wire::ExtensiveCall::default()
        }
    }

    #[test]
    fn websites_become_domains() {
        for (raw, want) in [
            ("https://www.Acme.com/en?x=1", Some("acme.com")),
            ("acme.com", Some("acme.com")),
            ("http://shop.acme.co.uk:8080", Some("shop.acme.co.uk")),
            ("www.com", Some("www.com")),
            ("  ", None),
            ("localhost", None),
            ("https://", None),
        ] {
            assert_eq!(website_domain(raw).as_deref(), want, "{raw}");
        }
        assert_eq!(
            email_domain("Ann@EU.Acme.com").as_deref(),
            Some("eu.acme.com")
        );
        assert_eq!(email_domain("no-at-sign"), None);
        assert_eq!(email_domain("@acme.com"), None);
    }

    #[test]
    fn a_call_matches_by_an_outside_partys_domain() {
        let ignored = IgnoredDomains::default();
        let domains = AccountDomains::new(
            Some("https://www.acme.com"),
            &["ann@acme-corp.io", "bob@gmail.com"],
            &ignored,
        );
        assert_eq!(domains.all(), ["acme.com", "acme-corp.io"]);
        assert!(call_matches(
            &call(vec![party("x@EU.ACME.com", "External")]),
            &domains,
            &ignored
        ));
        assert!(call_matches(
            &call(vec![party("x@acme-corp.io", "Unknown")]),
            &domains,
            &ignored
        ));
        // Contacts' domains match exactly, not their subdomains.
        assert!(!call_matches(
            &call(vec![party("x@eu.acme-corp.io", "External")]),
            &domains,
            &ignored
        ));
        // Public mail never matches, even when a contact uses it.
        assert!(!call_matches(
            &call(vec![party("bob@gmail.com", "External")]),
            &domains,
            &ignored
        ));
        // Our own people do not make a call the customer's.
        assert!(!call_matches(
            &call(vec![party("rep@acme.com", "Internal")]),
            &domains,
            &ignored
        ));
        // A look-alike domain is not a subdomain.
        assert!(!call_matches(
            &call(vec![party("x@notacme.com", "External")]),
            &domains,
            &ignored
        ));
    }

    #[test]
    fn the_default_setting_lists_the_default_domains() {
        let listed: Vec<&str> = DEFAULT_IGNORED_DOMAINS_SETTING.split(',').collect();
        assert_eq!(listed, DEFAULT_IGNORED_DOMAINS);
    }

    #[test]
    fn parents_of_a_domain() {
        assert_eq!(parent_domains("eu.acme.com"), ["eu.acme.com", "acme.com"]);
        assert_eq!(parent_domains("acme.com"), ["acme.com"]);
    }

    fn label() -> impl Strategy<Value = String> {
        "[a-z0-9]{1,8}"
    }

    proptest! {
        #[test]
        fn any_subdomain_of_the_website_matches_in_any_case(
            sub in proptest::collection::vec(label(), 0..3),
            name in label(),
            tld in "[a-z]{2,4}",
            upper in any::<bool>(),
        ) {
            let ignored = IgnoredDomains::new::<&str>(&[]);
            let site = format!("{name}.{tld}");
            let domains = AccountDomains::new(Some(&format!("https://www.{site}/")), &[] as &[&str], &ignored);
            let mut host = sub.join(".");
            if !host.is_empty() { host.push('.'); }
            host.push_str(&site);
            let email = format!("someone@{}", if upper { host.to_uppercase() } else { host.clone() });
            prop_assert!(domains.matches_email(&email, &ignored));
            // Prefixing the registrable name without a dot is another domain.
            let lookalike = format!("someone@x{site}");
            prop_assert!(!domains.matches_email(&lookalike, &ignored));
        }

        #[test]
        fn ignored_domains_never_match(
            name in label(),
            sub in proptest::option::of(label()),
        ) {
            let public = format!("{name}.com");
            let ignored = IgnoredDomains::new(&[public.as_str()]);
            let domains = AccountDomains::new(Some(&public), &[format!("a@{public}")], &ignored);
            prop_assert!(domains.is_empty());
            let host = sub.map_or(public.clone(), |s| format!("{s}.{public}"));
            let email = format!("a@{host}");
            prop_assert!(!domains.matches_email(&email, &ignored));
        }

        #[test]
        fn normalizing_never_panics_and_is_idempotent(raw in any::<String>()) {
            if let Some(d) = website_domain(&raw) {
                prop_assert_eq!(normalize_domain(&d), Some(d.clone()));
            }
            if let Some(d) = email_domain(&raw) {
                prop_assert_eq!(normalize_domain(&d), Some(d.clone()));
            }
        }
    }
}

//! Invariants of the deterministic sample org that the simulators and every test rely on.

use std::collections::HashSet;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use sim::org::{
    Affiliation, SampleOrg, UserRole, NEW_ATTENDEE_ACCOUNT, NEW_ATTENDEE_TITLE,
    UNLISTED_SPEAKER_ACCOUNT, UNNAMED_PARTY_ACCOUNT,
};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()
}

fn transcript_text(call: &sim::org::Call) -> String {
    call.monologues
        .iter()
        .flat_map(|m| &m.sentences)
        .map(|s| s.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_same_day_gives_the_same_org_and_another_day_only_shifts_dates() {
    let a = SampleOrg::generate(today());
    let b = SampleOrg::generate(today());
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
    let c = SampleOrg::generate(today() + Duration::days(1));
    assert_eq!(a.calls.len(), c.calls.len());
    assert_eq!(a.calls[0].gong_id, c.calls[0].gong_id);
    // A day later, at the same time of day; a call that would fall on a weekend is held the
    // Friday before, so a call can stay on that Friday (no shift) or move from it to Monday.
    let (was, is) = (a.calls[0].started, c.calls[0].started);
    assert_eq!(was.time(), is.time());
    let shift = is - was;
    assert!(
        shift >= Duration::zero() && shift <= Duration::days(3),
        "{was} -> {is}"
    );
    let same_shift = a
        .calls
        .iter()
        .zip(&c.calls)
        .filter(|(x, y)| y.started - x.started == Duration::days(1))
        .count();
    assert!(same_shift > a.calls.len() / 2, "most calls move by one day");
}

#[test]
fn people_accounts_and_deals_are_complete_and_linked() {
    let org = SampleOrg::generate(today());
    let reps: Vec<_> = org
        .users
        .iter()
        .filter(|u| u.role == UserRole::Rep)
        .collect();
    let manager = org
        .users
        .iter()
        .find(|u| u.role == UserRole::Manager)
        .expect("a manager");
    let integration = org
        .users
        .iter()
        .find(|u| u.role == UserRole::Integration)
        .expect("an integration user");
    assert!(reps.len() >= 3);
    assert!(reps
        .iter()
        .all(|r| r.manager_id.as_deref() == Some(manager.id.as_str())));
    assert_eq!(integration.title, "Integration User");
    assert!(org
        .user_by_username("maya.chen@callbrief-demo.com")
        .is_some());
    for u in &org.users {
        assert_eq!(u.id.len(), 18);
        assert!(u.id.starts_with("005"));
        assert!(u.gong_id.len() >= 18 && u.gong_id.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(org.user(&u.id).map(|x| &x.username), Some(&u.username));
    }

    assert!(org.accounts.len() >= 8);
    assert!(org.accounts.iter().any(|a| !a.shared_with.is_empty()));
    for a in &org.accounts {
        assert!(a.id.starts_with("001") && a.id.len() == 18);
        assert!(org
            .user(&a.owner_id)
            .is_some_and(|u| u.role == UserRole::Rep));
        assert!(a.shared_with.iter().all(|id| org.user(id).is_some()));
        let contacts = org.contacts_for_account(&a.id).count();
        assert!(
            (3..=6).contains(&contacts),
            "{} has {contacts} contacts",
            a.name
        );
        let opps = org.opportunities_for_account(&a.id).count();
        assert!((1..=2).contains(&opps));
        assert!(org.calls_for_account(&a.id).count() >= 4);
    }
    let stages: HashSet<_> = org.opportunities.iter().map(|o| o.stage.as_str()).collect();
    assert!(stages.len() >= 5, "{stages:?}");
    assert!(org.opportunities.iter().any(|o| o.is_closed && o.is_won));
    assert!(org.opportunities.iter().any(|o| o.is_closed && !o.is_won));
}

#[test]
fn calls_span_six_months_and_their_transcripts_span_the_calls() {
    let org = SampleOrg::generate(today());
    assert!(org.calls.len() >= 40);
    let mut ids = HashSet::new();
    for w in org.calls.windows(2) {
        assert!(w[0].started >= w[1].started, "calls are newest first");
    }
    let newest = &org.calls[0];
    assert!(
        org.anchor - newest.started <= Duration::days(7),
        "newest call is a few days old"
    );
    for c in &org.calls {
        assert!(ids.insert(c.gong_id.clone()), "duplicate id");
        assert!(
            (18..=19).contains(&c.gong_id.len()) && c.gong_id.bytes().all(|b| b.is_ascii_digit())
        );
        assert!(c.sf_id.starts_with("a0G") && c.sf_id.len() == 18);
        assert!(c.sf_name.starts_with("C-") && c.sf_name.len() == 8);
        assert_eq!(c.url, format!("https://app.gong.io/call?id={}", c.gong_id));
        assert!(c.started < org.anchor && org.anchor - c.started <= Duration::days(183));
        assert!((1200..=3600).contains(&c.duration), "{}", c.duration);
        let account = org.account(&c.account_id).expect("account exists");
        let opp = c
            .opportunity_id
            .as_deref()
            .and_then(|id| org.opportunity(id))
            .expect("opportunity exists");
        assert_eq!(opp.account_id, account.id);
        let host = org.user(&c.primary_user_id).expect("host exists");
        assert!(account.owner_id == host.id || account.shared_with.contains(&host.id));

        let mut last = 0u64;
        for s in c.monologues.iter().flat_map(|m| &m.sentences) {
            assert!(
                s.start >= last && s.end > s.start,
                "times increase in {}",
                c.gong_id
            );
            last = s.end;
        }
        let span = u64::from(c.duration) * 1000;
        assert!(
            last <= span && last + 60_000 >= span,
            "transcript of {} ends at {last} of {span}",
            c.gong_id
        );

        let internal: Vec<_> = c
            .parties
            .iter()
            .filter(|p| p.affiliation == Affiliation::Internal)
            .collect();
        let external: Vec<_> = c
            .parties
            .iter()
            .filter(|p| p.affiliation == Affiliation::External)
            .collect();
        assert!((1..=2).contains(&internal.len()) && (1..=3).contains(&external.len()));
        for p in &internal {
            assert!(p
                .email
                .as_deref()
                .is_some_and(|e| e.ends_with("@callbrief-demo.com")));
            assert!(p
                .user_id
                .as_deref()
                .and_then(|g| org.user_by_gong_id(g))
                .is_some());
        }
        for p in &external {
            assert!(p
                .email
                .as_deref()
                .is_some_and(|e| e.ends_with(&account.domain)));
            let contact = p
                .contact_id
                .as_deref()
                .and_then(|id| org.contact(id))
                .expect("contact exists");
            assert_eq!(contact.account_id, account.id);
            assert!(p.title.is_some());
        }
        assert!(c.monologues.iter().any(|m| m.topic.is_none()));
        assert!(!c.brief.is_empty() && !c.key_points.is_empty() && !c.topics.is_empty());
    }
}

#[test]
fn every_call_of_a_kind_carries_that_kinds_signals() {
    let org = SampleOrg::generate(today());
    let signals: [(&str, &[&str]); 5] = [
        (
            "Discovery",
            &[
                "has to be signed off by our",
                "Our goal is to",
                "We looked at",
                "Is there a date driving this?",
            ],
        ),
        (
            "Product Demo",
            &[
                "three things are non-negotiable",
                "the business case writes itself",
            ],
        ),
        (
            "Technical Evaluation",
            &[
                "For security we will need",
                "The integration we care about",
                "Success for the evaluation means",
            ],
        ),
        (
            "Pricing",
            &["our proposal comes to", "We have ", "The process is that"],
        ),
        (
            "Legal Review",
            &["Signature authority sits with", "On our side"],
        ),
    ];
    for (kind, phrases) in signals {
        let calls: Vec<_> = org
            .calls
            .iter()
            .filter(|c| c.title.contains(kind))
            .collect();
        assert!(!calls.is_empty(), "{kind}");
        for c in calls {
            let text = transcript_text(c);
            for p in phrases {
                assert!(text.contains(p), "{} lacks {p:?}", c.title);
            }
        }
    }
    let acme = org.account_by_name("Acme Logistics").unwrap();
    let all: String = org
        .calls_for_account(&acme.id)
        .map(transcript_text)
        .collect();
    for p in [
        "14 days to 3",
        "$1.2M a year in overtime",
        "Clarivo",
        "security review with InfoSec",
    ] {
        assert!(all.contains(p), "{p}");
    }
}

#[test]
fn the_documented_edge_cases_exist() {
    let org = SampleOrg::generate(today());
    let newest = |name: &str| {
        let a = org.account_by_name(name).unwrap();
        org.calls_for_account(&a.id).next().unwrap().clone()
    };
    let unnamed = newest(UNNAMED_PARTY_ACCOUNT);
    let p = unnamed
        .parties
        .iter()
        .find(|p| p.name.is_none())
        .expect("a party without name");
    assert!(p.email.is_none());
    let sid = p.speaker_id.clone().unwrap();
    assert!(unnamed.monologues.iter().any(|m| m.speaker_id == sid));

    let unlisted = newest(UNLISTED_SPEAKER_ACCOUNT);
    let known: HashSet<_> = unlisted
        .parties
        .iter()
        .filter_map(|p| p.speaker_id.clone())
        .collect();
    assert!(unlisted
        .monologues
        .iter()
        .any(|m| !known.contains(&m.speaker_id)));

    assert!(
        org.calls
            .iter()
            .any(|c| c.parties.iter().any(|p| p.speaker_id.is_none())),
        "a silent party"
    );
    let shared = org
        .accounts
        .iter()
        .find(|a| !a.shared_with.is_empty())
        .unwrap();
    assert!(org
        .calls_for_account(&shared.id)
        .any(|c| shared.shared_with.contains(&c.primary_user_id)));
}

/// The date a call's host proposes at its end ("Does Friday, December 4 work?"), parsed
/// against the year of the call or the next one.
fn proposed_day(call: &sim::org::Call) -> Option<NaiveDate> {
    let text = transcript_text(call);
    let start = text.rfind("Does ")? + "Does ".len();
    let end = start + text[start..].find(" work?")?;
    let spoken = &text[start..end];
    let year = call.started.year();
    [year, year + 1].into_iter().find_map(|y| {
        NaiveDate::parse_from_str(&format!("{spoken}, {y}"), "%A, %B %-d, %Y")
            .ok()
            .filter(|d| *d >= call.started.date_naive())
    })
}

#[test]
fn every_call_is_held_on_a_weekday() {
    // Every day of a week as "today", so each call's days-ago lands on every weekday.
    for offset in 0..7 {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap() + Duration::days(offset);
        let org = SampleOrg::generate(today);
        assert!(!org.calls.is_empty());
        for call in &org.calls {
            assert!(
                !matches!(call.started.weekday(), Weekday::Sat | Weekday::Sun),
                "{} on {} (today {today})",
                call.title,
                call.started
            );
        }
    }
}

#[test]
fn proposed_meetings_are_weekdays_after_the_call_and_the_newest_is_on_the_calendar() {
    // A Saturday "today", and days around it, so weekends fall everywhere.
    for today in [
        today(),
        today() + Duration::days(1),
        NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
    ] {
        let org = SampleOrg::generate(today);
        for call in &org.calls {
            if !transcript_text(call).contains(" work?") {
                continue;
            }
            let day = proposed_day(call).unwrap_or_else(|| panic!("{}: no date", call.title));
            assert!(
                day > call.started.date_naive(),
                "{} proposes {day}",
                call.title
            );
            assert!(
                !matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
                "{} proposes {day}",
                call.title
            );
        }
        for account in &org.accounts {
            let open = org
                .opportunities_for_account(&account.id)
                .any(|o| !o.is_closed);
            let newest = org.calls_for_account(&account.id).next().unwrap();
            let upcoming: Vec<_> = org
                .events
                .iter()
                // The senior rep's private event is on no call's proposal.
                .filter(|e| {
                    e.account_id == account.id && e.start.date_naive() > today && !e.is_private
                })
                .collect();
            if !open {
                assert!(upcoming.is_empty(), "{}", account.name);
                continue;
            }
            assert_eq!(upcoming.len(), 1, "{}", account.name);
            assert_eq!(
                Some(upcoming[0].start.date_naive()),
                proposed_day(newest),
                "{}",
                account.name
            );
        }
    }
}

#[test]
fn one_account_meets_someone_new_after_its_deal_moved() {
    let org = SampleOrg::generate(today());
    let acme = org.account_by_name(NEW_ATTENDEE_ACCOUNT).unwrap();
    let newest = org.calls_for_account(&acme.id).next().unwrap();
    let event = org.events.iter().find(|e| e.account_id == acme.id).unwrap();
    let newcomer = org
        .contacts_for_account(&acme.id)
        .find(|c| c.title == NEW_ATTENDEE_TITLE)
        .unwrap();
    assert!(newcomer.created > newest.started);
    assert!(event.invitees.iter().any(|i| i.relation_id == newcomer.id));
    assert!(org.calls_for_account(&acme.id).all(|c| c
        .parties
        .iter()
        .all(|p| p.contact_id.as_deref() != Some(newcomer.id.as_str()))));
    let deal = org
        .opportunities_for_account(&acme.id)
        .find(|o| !o.is_closed)
        .unwrap();
    let moved = org.field_history.iter().find(|h| {
        h.opportunity_id == deal.id && h.field == "StageName" && h.created > newest.started
    });
    assert_eq!(
        moved.and_then(|h| h.new_value.as_deref()),
        Some(deal.stage.as_str())
    );
    assert!(org.tasks.iter().any(|t| t.account_id == acme.id
        && t.status != "Completed"
        && t.due < event.start.date_naive()));
}

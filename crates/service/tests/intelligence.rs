//! Briefings with Gong's call intelligence, against the Gong and Salesforce simulators over
//! real HTTP: what the pack carries, what it costs in Gong requests, how transcripts are cut,
//! and how many of the facts the sample org plants in an account's calls reach the assistant.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use service::budget::{render_briefing, MAX_MAX_CHARS};
use service::{
    AccountId, Briefing, BriefingRequest, CallId, Caller, MaxChars, Rendering, Service,
    ServiceOptions, TranscriptMode, TranscriptsRequest,
};
use sim::gong::SimStats;
use sim::org::SampleOrg;
use sim::salesforce::SalesforceSimConfig;

mod common;

use common::{gong_client, salesforce_client, unlimited_gong};

/// The sample account the measurements are about.
const ACCOUNT: &str = "Acme Logistics";

struct Env {
    org: Arc<SampleOrg>,
    service: Service,
    gong: SimStats,
}

async fn env() -> Env {
    let org = Arc::new(SampleOrg::generate(
        NaiveDate::from_ymd_opt(2025, 6, 4).unwrap(),
    ));
    let gong = unlimited_gong(org.clone()).await;
    let sf = sim::salesforce::spawn(org.clone(), SalesforceSimConfig::default())
        .await
        .unwrap();
    let service = Service::new(
        gong_client(&gong.base_url),
        Some(salesforce_client(&sf.base_url)),
        ServiceOptions::default(),
    )
    .unwrap();
    Env {
        org,
        service,
        gong: gong.stats,
    }
}

impl Env {
    fn account_id(&self) -> AccountId {
        let account = self
            .org
            .accounts
            .iter()
            .find(|a| a.name == ACCOUNT)
            .unwrap();
        AccountId::parse("id", &account.id).unwrap()
    }

    async fn briefing(
        &self,
        calls: usize,
        max_chars: usize,
        rendering: Rendering,
        transcripts: TranscriptMode,
    ) -> Briefing {
        let request = BriefingRequest {
            calls,
            max_chars: MaxChars::parse("maxChars", Some(max_chars), MAX_MAX_CHARS).unwrap(),
            rendering,
            transcripts,
            ..BriefingRequest::new(self.account_id())
        };
        self.service
            .briefing(&Caller::ServiceAccount, &request)
            .await
            .unwrap()
    }
}

/// Text compared the way a reader would: lowercase, one space between words.
fn normalize(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// How many of the account's planted signals appear in `pack`, and the ones that do not.
fn coverage(org: &SampleOrg, account_id: &str, pack: &str) -> (usize, usize, Vec<String>) {
    let pack = normalize(pack);
    let signals = org.planted_signals(account_id);
    let missing: Vec<String> = signals
        .iter()
        .filter(|s| !pack.contains(&normalize(&s.text)))
        .map(|s| format!("{}: {}", s.kind, s.text))
        .collect();
    (signals.len() - missing.len(), signals.len(), missing)
}

/// Characters of the pack and how many of them are transcript text.
fn sizes(briefing: &Briefing, rendering: Rendering) -> (usize, usize) {
    let total = render_briefing(briefing, rendering).chars().count();
    let transcripts = briefing
        .transcripts
        .iter()
        .map(|t| t.content.chars().count())
        .sum();
    (total, transcripts)
}

#[tokio::test]
async fn a_briefing_asks_gong_no_more_than_before() {
    let env = env().await;
    let briefing = env
        .briefing(10, 100_000, Rendering::Markdown, TranscriptMode::Fit)
        .await;
    assert!(briefing.calls.len() >= 6);
    // One transcript request and one extensive request (parties and intelligence together),
    // as before the intelligence was asked for.
    assert_eq!(env.gong.requests_to("/v2/calls/transcript"), 1);
    assert_eq!(env.gong.requests_to("/v2/calls/extensive"), 1);
    assert_eq!(env.gong.requests(), 2);
}

#[tokio::test]
async fn every_call_carries_gongs_intelligence_and_timed_transcripts() {
    let env = env().await;
    let briefing = env
        .briefing(10, MAX_MAX_CHARS, Rendering::Json, TranscriptMode::Fit)
        .await;
    for call in &briefing.calls {
        let intel = call.intelligence.as_ref().expect("intelligence");
        assert!(intel.brief.is_some(), "{call:?}");
        assert!(!intel.key_points.is_empty(), "{call:?}");
        assert!(!intel.next_steps.is_empty(), "{call:?}");
        assert!(intel.next_steps[0].at.is_some(), "{call:?}");
        assert_eq!(intel.outcome.as_deref(), Some("Meeting booked"));
        assert!(!intel.talk_time.is_empty());
        let total: u32 = intel.talk_time.iter().map(|t| t.percent).sum();
        assert!((98..=102).contains(&total), "{total}");
    }
    // The competitor named on a demo call is in its Competitors tracker, said by the customer.
    let demo = briefing
        .calls
        .iter()
        .find(|c| c.title.as_deref().unwrap_or("").contains("Product Demo"))
        .unwrap();
    let competitors = demo
        .intelligence
        .as_ref()
        .unwrap()
        .trackers
        .iter()
        .find(|t| t.name == "Competitors")
        .unwrap();
    let signals = env.org.planted_signals(env.account_id().as_str());
    let champion = signals.iter().find(|s| s.kind == "Champion").unwrap();
    assert_eq!(competitors.said_by, std::slice::from_ref(&champion.text));
    assert!(competitors.count >= 1);
    // Whole transcripts, every turn with its time in the call.
    assert!(!briefing.truncation.truncated);
    for t in &briefing.transcripts {
        assert!(t.content.starts_with("[00:0"), "{}", &t.content[..40]);
        assert!(t
            .content
            .split("\n\n")
            .filter(|p| !p.is_empty())
            .all(|p| p.starts_with('[')));
    }
}

#[tokio::test]
async fn call_transcripts_keep_the_original_format() {
    let env = env().await;
    let ids: Vec<CallId> = env
        .org
        .calls_for_account(env.account_id().as_str())
        .take(2)
        .map(|c| CallId::parse("callIds", &c.gong_id).unwrap())
        .collect();
    let request = TranscriptsRequest {
        call_ids: ids,
        max_chars: MaxChars::parse("maxChars", Some(MAX_MAX_CHARS), MAX_MAX_CHARS).unwrap(),
        offsets: HashMap::new(),
        timestamps: false,
    };
    let answer = env
        .service
        .transcripts(&Caller::ServiceAccount, &request)
        .await
        .unwrap();
    for t in &answer.call_transcripts {
        let call = env
            .org
            .calls
            .iter()
            .find(|c| c.gong_id == t.call_id)
            .unwrap();
        let first = &call.monologues[0];
        let name = call
            .parties
            .iter()
            .find(|p| p.speaker_id.as_deref() == Some(first.speaker_id.as_str()))
            .and_then(|p| p.name.clone())
            .unwrap();
        let words: Vec<&str> = first.sentences.iter().map(|s| s.text.as_str()).collect();
        assert!(
            t.content
                .starts_with(&format!("{name}: {}\n\n", words.join(" "))),
            "{}",
            &t.content[..80]
        );
    }
}

#[tokio::test]
async fn transcripts_full_fit_and_none() {
    let env = env().await;
    let max = 30_000;
    let fit = env
        .briefing(10, max, Rendering::Markdown, TranscriptMode::Fit)
        .await;
    let full = env
        .briefing(10, max, Rendering::Markdown, TranscriptMode::Full)
        .await;
    let none = env
        .briefing(10, max, Rendering::Markdown, TranscriptMode::None)
        .await;
    for b in [&fit, &full, &none] {
        assert!(render_briefing(b, Rendering::Markdown).chars().count() <= max);
        assert!(b.calls.iter().all(|c| c.intelligence.is_some()));
    }
    assert!(fit.truncation.truncated && full.truncation.truncated);
    // full: each transcript in order, cut at its end.
    assert!(full
        .transcripts
        .iter()
        .all(|t| t.content.contains("[… transcript cut here")));
    // fit: gaps marked with their stretch of the call and the offset to read on.
    let gaps = fit
        .transcripts
        .iter()
        .filter(|t| t.content.contains(" left out here (characters "))
        .count();
    assert!(gaps >= 3, "{gaps}");
    // none: Gong's intelligence and no transcript text.
    assert!(none.transcripts.is_empty());
    assert!(none.calls.iter().all(|c| !c.has_transcript));
    assert!(none.notes.iter().any(|n| n.contains("transcripts=none")));
    // Reading on from a gap's offset gives the text from there, in order.
    let slice = fit.truncation.calls.iter().find(|s| s.is_cut()).unwrap();
    let offset = slice.next_offset.unwrap();
    let request = BriefingRequest {
        calls: 10,
        offsets: HashMap::from([(slice.call_id.clone(), offset)]),
        rendering: Rendering::Markdown,
        ..BriefingRequest::new(env.account_id())
    };
    let more = env
        .service
        .briefing(&Caller::ServiceAccount, &request)
        .await
        .unwrap();
    let again = more
        .transcripts
        .iter()
        .find(|t| t.call_id == slice.call_id)
        .unwrap();
    assert!(again.content.starts_with('['), "{}", &again.content[..40]);
}

/// Of the facts the sample org plants in an account's calls (MEDPICC/SPICED: metrics, budget,
/// price, economic buyer, criteria, process, paper process, pain, champion, competitor,
/// critical event), how many a 100,000-character pack of 10 calls carries: all of them.
#[tokio::test]
async fn signal_coverage_of_a_full_pack_is_complete() {
    let env = env().await;
    let account_id = env.account_id();
    let mut report = Vec::new();
    for calls in [3, 10] {
        for mode in [
            TranscriptMode::Fit,
            TranscriptMode::Full,
            TranscriptMode::None,
        ] {
            let briefing = env
                .briefing(calls, 100_000, Rendering::Markdown, mode)
                .await;
            let pack = render_briefing(&briefing, Rendering::Markdown);
            let (total, transcript) = sizes(&briefing, Rendering::Markdown);
            let (found, of, missing) = coverage(&env.org, account_id.as_str(), &pack);
            // The same count over the transcript text alone: what the cutting keeps.
            let spoken: String = briefing
                .transcripts
                .iter()
                .map(|t| t.content.as_str())
                .collect();
            let (in_transcripts, _, _) = coverage(&env.org, account_id.as_str(), &spoken);
            report.push(format!(
                "calls={calls} transcripts={} calls_in_pack={} pack_chars={total} \
                 transcript_chars={transcript} transcript_share={:.1}% signals={found}/{of} \
                 in_transcripts={in_transcripts}/{of} missing={missing:?}",
                mode.as_str(),
                briefing.calls.len(),
                transcript as f64 * 100.0 / total as f64,
            ));
            if calls == 10 && mode == TranscriptMode::Fit {
                assert_eq!(found, of, "missing from the pack: {missing:#?}");
                // The cut transcripts alone keep every planted fact too.
                assert_eq!(in_transcripts, of);
            }
        }
    }
    println!("{}", report.join("\n"));
}

async fn briefing_of(env: &Env, account: &str) -> Briefing {
    let account = env.org.accounts.iter().find(|a| a.name == account).unwrap();
    let request = BriefingRequest {
        calls: 20,
        transcripts: TranscriptMode::None,
        ..BriefingRequest::new(AccountId::parse("id", &account.id).unwrap())
    };
    env.service
        .briefing(&Caller::ServiceAccount, &request)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_stakeholder_map_joins_buying_roles_with_who_spoke() {
    let env = env().await;
    // Acme is in negotiation: its CFO, the economic buyer, spoke on the pricing call.
    let acme = briefing_of(&env, ACCOUNT).await;
    let signals = env.org.planted_signals(env.account_id().as_str());
    let named = |kind: &str| {
        signals
            .iter()
            .find(|s| s.kind == kind)
            .unwrap()
            .text
            .clone()
    };
    let buyer = acme
        .stakeholders
        .iter()
        .find(|s| s.name == named("Economic buyer"))
        .unwrap();
    assert_eq!(buyer.buying_roles, ["Economic Buyer"]);
    assert!(buyer.calls_attended >= 1);
    assert!(buyer.talk_share.is_some_and(|s| s > 0));
    assert!(buyer.last_heard.as_deref().unwrap().contains("Pricing"));
    assert!(buyer.flags.is_empty(), "{:?}", buyer.flags);
    let champion = acme
        .stakeholders
        .iter()
        .find(|s| s.name == named("Champion"))
        .unwrap();
    assert!(champion.primary);
    assert_eq!(champion.calls_attended, acme.calls.len());
    assert!(champion.flags.is_empty(), "{:?}", champion.flags);
    // Buying roles come first.
    assert!(!acme.stakeholders[0].buying_roles.is_empty());

    // Globex is still in evaluation: its economic buyer has never been on a call, and a voice
    // Gong could not name spoke on its newest call.
    let globex = briefing_of(&env, sim::org::UNNAMED_PARTY_ACCOUNT).await;
    let never: Vec<&str> = globex
        .stakeholders
        .iter()
        .filter(|s| {
            s.flags
                .iter()
                .any(|f| f == "Economic Buyer never on a call")
        })
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(never.len(), 1, "{:#?}", globex.stakeholders);
    let unknown = globex
        .stakeholders
        .iter()
        .find(|s| s.name.starts_with("Unknown Speaker on "))
        .unwrap();
    assert!(unknown.contact_id.is_none());
    assert!(unknown.flags[0].starts_with("Customer voice on calls, not a contact in Salesforce"));
    let md = service::render_markdown(&globex);
    assert!(
        md.contains("## Stakeholders\n\n| Name | Title | Buying role |"),
        "{md}"
    );
    assert!(md.contains(": Economic Buyer never on a call\n"), "{md}");
}

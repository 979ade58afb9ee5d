//! The two call sources measured on the sample org: for each account, the calls Salesforce's
//! Gong call object links to it (the ground truth: the package records the link) against the
//! calls found in Gong by e-mail domain, and the Gong requests each listing costs, cold and
//! warm. Run with `--no-capture` to see the table (the README shows it).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use service::{AccountId, CallSource, Caller, GongListing, Service, ServiceOptions};
use sim::gong::RunningSim;
use sim::org::SampleOrg;
use sim::salesforce::SalesforceSimConfig;

mod common;

use common::{gong_client, salesforce_client, unlimited_gong};

const EXTENSIVE: &str = "/v2/calls/extensive";

struct Env {
    org: Arc<SampleOrg>,
    gong: RunningSim,
    sf_base: String,
}

impl Env {
    async fn new() -> Env {
        // Gong's listing window counts back from now, so the org's calls are dated from today.
        let org = Arc::new(SampleOrg::for_today());
        let gong = unlimited_gong(org.clone()).await;
        let sf = sim::salesforce::spawn(org.clone(), SalesforceSimConfig::default())
            .await
            .unwrap();
        Env {
            org,
            gong,
            sf_base: sf.base_url,
        }
    }

    fn service(&self, source: CallSource, listing: GongListing) -> Service {
        Service::new(
            gong_client(&self.gong.base_url),
            Some(salesforce_client(&self.sf_base)),
            ServiceOptions {
                call_source: source,
                gong_listing: listing,
                ..ServiceOptions::default()
            },
        )
        .unwrap()
    }

    fn requests(&self) -> u64 {
        self.gong.stats.requests_to(EXTENSIVE)
    }
}

async fn calls(service: &Service, account: &str) -> Vec<String> {
    let id = AccountId::parse("id", account).unwrap();
    service
        .account_calls(&Caller::ServiceAccount, &id, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.call_id)
        .collect()
}

/// One account's line: calls by each source, matched, missed, extra, requests cold and warm.
struct Line {
    account: String,
    truth: usize,
    found: usize,
    matched: usize,
    missed: usize,
    extra: usize,
    salesforce_requests: u64,
    cold: u64,
    warm: u64,
}

async fn measure(env: &Env, window_days: u32) -> Vec<Line> {
    let listing = |ttl| GongListing {
        window_days,
        ttl,
        ..GongListing::default()
    };
    let by_object = env.service(CallSource::Salesforce, listing(Duration::ZERO));
    let cold = env.service(CallSource::Gong, listing(Duration::ZERO));
    let warm = env.service(CallSource::Gong, listing(Duration::from_secs(300)));
    let mut lines = Vec::new();
    for account in &env.org.accounts {
        let before = env.requests();
        let truth = calls(&by_object, &account.id).await;
        let salesforce_requests = env.requests() - before;

        let before = env.requests();
        let found = calls(&cold, &account.id).await;
        let cold_requests = env.requests() - before;

        calls(&warm, &account.id).await;
        let before = env.requests();
        let again = calls(&warm, &account.id).await;
        let warm_requests = env.requests() - before;
        assert_eq!(again, found, "a warm listing finds the same calls");

        let (t, f): (HashSet<&String>, HashSet<&String>) =
            (truth.iter().collect(), found.iter().collect());
        lines.push(Line {
            account: account.name.clone(),
            truth: truth.len(),
            found: found.len(),
            matched: t.intersection(&f).count(),
            missed: t.difference(&f).count(),
            extra: f.difference(&t).count(),
            salesforce_requests,
            cold: cold_requests,
            warm: warm_requests,
        });
    }
    lines
}

fn print(window_days: u32, lines: &[Line]) {
    println!();
    println!("Gong source over {window_days} days, against the Gong call object in Salesforce:");
    println!();
    println!(
        "| account | Salesforce object | found in Gong | matched | missed | extra | Gong requests, salesforce source | Gong requests, gong source cold | warm |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for l in lines {
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            l.account,
            l.truth,
            l.found,
            l.matched,
            l.missed,
            l.extra,
            l.salesforce_requests,
            l.cold,
            l.warm
        );
    }
    let sum = |f: fn(&Line) -> usize| lines.iter().map(f).sum::<usize>();
    println!(
        "| **all** | {} | {} | {} | {} | {} | | | |",
        sum(|l| l.truth),
        sum(|l| l.found),
        sum(|l| l.matched),
        sum(|l| l.missed),
        sum(|l| l.extra)
    );
}

#[tokio::test]
async fn both_sources_measured_on_the_sample_org() {
    let env = Env::new().await;
    for window_days in [service::sources::DEFAULT_WINDOW_DAYS, 90] {
        let lines = measure(&env, window_days).await;
        print(window_days, &lines);
        for l in &lines {
            assert_eq!(
                l.salesforce_requests, 0,
                "{}: the object costs no Gong request",
                l.account
            );
            assert_eq!(
                l.warm, 0,
                "{}: a warm listing costs no Gong request",
                l.account
            );
            assert!(l.cold >= 1, "{}", l.account);
            assert_eq!(
                l.extra, 0,
                "{}: the sample org's domains are its own",
                l.account
            );
        }
        if window_days == service::sources::DEFAULT_WINDOW_DAYS {
            assert!(
                lines.iter().all(|l| l.missed == 0),
                "the default window covers the org"
            );
        }
    }
}

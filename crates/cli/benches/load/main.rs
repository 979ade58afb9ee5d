//! Load bench: the real `callbrief serve` against the Gong simulator, over loopback HTTP. Each
//! scenario starts its own server (a child process, killed when the bench ends, fails or
//! panics) and simulator, so no scenario sees another's cache or Gong budget.
//!
//! Scenarios (`--scenario`, all by default):
//! - `overhead` ([`overhead`]): every limit off; p50/p99, requests/s, errors and peak RSS over a
//!   grid of upstream latencies and concurrencies for the five longest sample calls, and the
//!   server's overhead next to the same Gong requests sent straight to the simulator.
//! - `team` ([`team`]): a sales team at once (24 reps, 5 never-seen calls per request, 15 s)
//!   against a simulator that enforces Gong's 3 requests/s with 100 records a page; calls
//!   served/s, failed requests, p50/p99 and Gong's 429s, next to the original middleware's request
//!   pattern under the same limit.
//! - `single` ([`team`]): one rep alone: cold (never-seen calls), warm (asked again) and warm
//!   after a restart, next to the original middleware's pattern, with the Gong requests each made.
//! - `memory` ([`memory`]): 256 concurrent requests of 50 never-seen calls and clients that never
//!   read their answers; the server's peak RSS, its RSS a minute after the load, and its RSS
//!   with the cache's memory tier full.
//! - `signin` ([`signin`]): strangers' `/oauth/authorize` requests (64 KB and 1 KB states) to a
//!   server that signs people in; its RSS and its store (file, then Redis) before and after.
//! - `rush` ([`rush`]): 300 generated reps signed in with Salesforce all list their meetings and
//!   open their first meeting's briefing at once, against a cold server and after a prefetch
//!   run; Gong requests during each rush, p50/p99, failures, and the prefetch run's cost.
//!
//! Run: `cargo bench -p callbrief --bench load [-- --scenario team,single ...]`. Every scenario
//! ends with PASS/FAIL lines for its targets; the exit code is 2 when a target printed as FAIL
//! was missed, 1 when a setup failed.

mod memory;
mod overhead;
mod rush;
mod signin;
mod support;
mod team;

use std::process::ExitCode;

use clap::{Parser, ValueEnum};

/// The parts of the bench.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Scenario {
    /// Limits off: latency, throughput and memory over a grid; overhead against direct Gong.
    Overhead,
    /// A team at once under Gong's 3 requests/s.
    Team,
    /// One rep: cold, warm, warm after a restart.
    Single,
    /// Many large requests and slow readers: peak RSS and RSS after the load.
    Memory,
    /// Authorization requests nobody consents to: RSS and store growth.
    Signin,
    /// Generated reps all asking for their first meeting's briefing: cold, then prefetched.
    Rush,
}

/// The bench's parameters; see the module docs.
#[derive(Debug, Parser)]
#[command(
    name = "load",
    about = "Load bench of callbrief serve against the Gong simulator"
)]
pub(crate) struct Params {
    /// Scenarios to run (comma-separated).
    #[arg(long = "scenario", env = "CALLBRIEF_LOAD_SCENARIOS", value_enum, value_delimiter = ',',
          default_values_t = [Scenario::Overhead, Scenario::Team, Scenario::Single, Scenario::Memory, Scenario::Signin, Scenario::Rush])]
    scenarios: Vec<Scenario>,

    /// overhead: simulated Gong latency per request, in milliseconds (comma-separated list).
    #[arg(long = "latency-ms", env = "CALLBRIEF_LOAD_LATENCIES_MS", value_delimiter = ',', default_values_t = [0u64, 100])]
    pub(crate) latencies_ms: Vec<u64>,

    /// overhead: requests in flight at once (comma-separated list).
    #[arg(long, env = "CALLBRIEF_LOAD_CONCURRENCY", value_delimiter = ',', default_values_t = [1usize, 8, 64])]
    pub(crate) concurrency: Vec<usize>,

    /// overhead: requests per case.
    #[arg(long, env = "CALLBRIEF_LOAD_REQUESTS", default_value_t = 200)]
    pub(crate) requests: usize,

    /// overhead: seconds after which a case starts no new request.
    #[arg(long, env = "CALLBRIEF_LOAD_MAX_SECS", default_value_t = 10)]
    pub(crate) max_secs: u64,

    /// overhead: call ids per request, the longest calls of the sample org.
    #[arg(long, env = "CALLBRIEF_LOAD_CALLS", default_value_t = 5)]
    pub(crate) calls: usize,

    /// team, single and rush: simulated Gong latency per request, in milliseconds.
    #[arg(long, env = "CALLBRIEF_LOAD_GONG_LATENCY_MS", default_value_t = 200)]
    pub(crate) gong_latency_ms: u64,

    /// team: reps asking at once.
    #[arg(long, env = "CALLBRIEF_LOAD_TEAM_REPS", default_value_t = 24)]
    pub(crate) team_reps: usize,

    /// team and single: never-seen calls per request.
    #[arg(long, env = "CALLBRIEF_LOAD_TEAM_CALLS", default_value_t = 5)]
    pub(crate) team_calls: usize,

    /// team: seconds the reps keep asking.
    #[arg(long, env = "CALLBRIEF_LOAD_TEAM_SECS", default_value_t = 15)]
    pub(crate) team_secs: u64,

    /// single: requests per kind (cold, warm, after a restart, original).
    #[arg(long, env = "CALLBRIEF_LOAD_SINGLE_REQUESTS", default_value_t = 10)]
    pub(crate) single_requests: usize,

    /// memory: requests in flight at once.
    #[arg(long, env = "CALLBRIEF_LOAD_MEMORY_CONCURRENCY", default_value_t = 256)]
    pub(crate) memory_concurrency: usize,

    /// memory: never-seen calls per request.
    #[arg(long, env = "CALLBRIEF_LOAD_MEMORY_CALLS", default_value_t = 50)]
    pub(crate) memory_calls: usize,

    /// memory: clients that send a request and never read the answer.
    #[arg(long, env = "CALLBRIEF_LOAD_SLOW_READERS", default_value_t = 150)]
    pub(crate) slow_readers: usize,

    /// memory (warm phase): clients that send a request for the cached calls and never read.
    #[arg(long, env = "CALLBRIEF_LOAD_WARM_SLOW_READERS", default_value_t = 64)]
    pub(crate) warm_slow_readers: usize,

    /// memory: seconds of load.
    #[arg(long, env = "CALLBRIEF_LOAD_MEMORY_SECS", default_value_t = 20)]
    pub(crate) memory_secs: u64,

    /// memory: seconds to wait after the load before reading RSS again.
    #[arg(long, env = "CALLBRIEF_LOAD_SETTLE_SECS", default_value_t = 60)]
    pub(crate) settle_secs: u64,

    /// signin: authorization requests of each state size.
    #[arg(long, env = "CALLBRIEF_LOAD_SIGNIN_REQUESTS", default_value_t = 3000)]
    pub(crate) signin_requests: usize,

    /// rush: generated reps asking at once (`sim --org-reps`).
    #[arg(long, env = "CALLBRIEF_LOAD_RUSH_REPS", default_value_t = 300)]
    pub(crate) rush_reps: u32,

    /// rush: simulated Salesforce latency per answer, in milliseconds.
    #[arg(
        long,
        env = "CALLBRIEF_LOAD_SALESFORCE_LATENCY_MS",
        default_value_t = 100
    )]
    pub(crate) salesforce_latency_ms: u64,

    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,

    /// Bench name filters passed by `cargo bench`; ignored.
    #[arg(hide = true)]
    filters: Vec<String>,
}

fn main() -> ExitCode {
    let params = Params::parse();
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|runtime| runtime.block_on(run(params)));
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("load bench: a target printed as FAIL was missed");
            ExitCode::from(2)
        }
        Err(err) => {
            eprintln!("load bench setup failed: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the bench; `Ok(false)` when a target was missed.
async fn run(params: Params) -> anyhow::Result<bool> {
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        let one_minute = load.split_whitespace().next().unwrap_or("?");
        println!(
            "load bench: {} CPUs, load average {one_minute} at start (other work on the machine skews the figures)",
            std::thread::available_parallelism().map_or(0, usize::from)
        );
    }
    let mut verdicts = Vec::new();
    for scenario in [
        Scenario::Overhead,
        Scenario::Team,
        Scenario::Single,
        Scenario::Memory,
        Scenario::Signin,
        Scenario::Rush,
    ] {
        if !params.scenarios.contains(&scenario) {
            continue;
        }
        println!();
        let found = match scenario {
            Scenario::Overhead => overhead::run(&params).await?,
            Scenario::Team => team::run_team(&params).await?,
            Scenario::Single => team::run_single(&params).await?,
            Scenario::Memory => memory::run(&params).await?,
            Scenario::Signin => signin::run(&params).await?,
            Scenario::Rush => rush::run(&params).await?,
        };
        verdicts.extend(found);
    }
    println!();
    let summary: Vec<String> = verdicts.iter().map(support::Verdict::short).collect();
    println!("targets: {}", summary.join(" | "));
    Ok(verdicts.iter().all(|v| v.pass != Some(false)))
}

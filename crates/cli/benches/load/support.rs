//! What every scenario shares: child processes, free ports, memory readings, timing a request
//! many times at a given concurrency, percentiles and the printed table.

use std::fmt::Write as _;
use std::future::Future;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::pin::Pin;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;

/// API key the bench's servers accept (scenarios with several callers add their own).
pub(crate) const API_KEY: &str = "cb-load-bench-key";
/// How long a child may take to start answering.
pub(crate) const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);
/// Longest wait for one request before it counts as an error.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A child process killed (and reaped) when dropped, with its stderr in a temporary file.
pub(crate) struct Child {
    pub(crate) name: &'static str,
    process: std::process::Child,
    log: PathBuf,
}

impl Child {
    /// Starts `callbrief <args>` with the given environment, and nothing else of ours.
    pub(crate) fn spawn(
        name: &'static str,
        args: &[String],
        envs: &[(&str, String)],
    ) -> anyhow::Result<Self> {
        let log =
            std::env::temp_dir().join(format!("callbrief-load-{}-{name}.log", std::process::id()));
        let stderr = std::fs::File::create(&log)
            .with_context(|| format!("could not create {}", log.display()))?;
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_callbrief"));
        for (key, _) in std::env::vars() {
            if key.starts_with("CALLBRIEF_") || key.starts_with("GONG_") || key == "RUST_LOG" {
                cmd.env_remove(key);
            }
        }
        // Never the user's cache directory: a scenario that wants the cache names its own.
        cmd.env("CALLBRIEF_CACHE", "off");
        cmd.args(args)
            .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        let process = cmd
            .spawn()
            .with_context(|| format!("could not start `callbrief {}`", args.join(" ")))?;
        Ok(Self { name, process, log })
    }

    pub(crate) fn pid(&self) -> u32 {
        self.process.id()
    }

    /// An error when the child has already exited, with the end of its log.
    pub(crate) fn ensure_running(&mut self) -> anyhow::Result<()> {
        match self.process.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(anyhow::anyhow!(
                "{} exited ({status}); its log ends:\n{}",
                self.name,
                self.log_tail()
            )),
            Err(e) => Err(anyhow::anyhow!("could not check on {}: {e}", self.name)),
        }
    }

    /// The last lines of the child's stderr.
    pub(crate) fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// `callbrief serve` on a free loopback port with the given environment, once `/healthz`
/// answers. `GONG_BASE_URL` and the simulator's credentials are set; `envs` come after them.
pub(crate) async fn start_server(
    gong_url: &str,
    envs: &[(&str, String)],
) -> anyhow::Result<(Child, String)> {
    let addr = free_port()?;
    let defaults = sim::gong::GongSimConfig::default();
    let mut all: Vec<(&str, String)> = vec![
        ("CALLBRIEF_ADDR", addr.to_string()),
        ("CALLBRIEF_API_KEYS", API_KEY.into()),
        ("GONG_BASE_URL", gong_url.to_owned()),
        ("GONG_ACCESS_KEY", defaults.access_key),
        ("GONG_ACCESS_KEY_SECRET", defaults.access_key_secret),
        // Every simulated client connects from loopback: one address stands for many.
        ("CALLBRIEF_MAX_CONNECTIONS_PER_ADDRESS", "0".into()),
    ];
    all.extend(envs.iter().cloned());
    let mut server = Child::spawn("server", &["serve".into()], &all)?;
    let url = format!("http://{addr}");
    let health = format!("{url}/healthz");
    let probe = reqwest::Client::new();
    wait_until(&mut server, || {
        let request = probe.get(&health).timeout(Duration::from_secs(1)).send();
        async move { request.await.is_ok_and(|r| r.status().is_success()) }
    })
    .await?;
    Ok((server, url))
}

/// A free loopback address (free when asked; the child binds it right after).
pub(crate) fn free_port() -> anyhow::Result<SocketAddr> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .context("no free loopback port")
}

/// Polls `ready` until it is true, failing when the child exits or takes too long.
pub(crate) async fn wait_until<F, Fut>(child: &mut Child, mut ready: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    loop {
        child.ensure_running()?;
        if ready().await {
            return Ok(());
        }
        if started.elapsed() > STARTUP_TIMEOUT {
            anyhow::bail!(
                "{} did not answer within {STARTUP_TIMEOUT:?}; its log ends:\n{}",
                child.name,
                child.log_tail()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Resets the process's `VmHWM` to its current RSS (Linux: `5` into `clear_refs`).
pub(crate) fn reset_peak_rss(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

/// A `kB` field of `/proc/<pid>/status`, e.g. `VmHWM:`.
pub(crate) fn memory_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// CPU seconds (user + system) process `pid` has used so far, from `/proc/<pid>/stat`
/// (clock ticks of 1/100 s, Linux's usual `USER_HZ`).
pub(crate) fn cpu_secs(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
    Some((ticks(11)? + ticks(12)?) as f64 / 100.0)
}

/// One request (or pair of requests) to time; `Err` says what failed.
pub(crate) type Op =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send + Sync>;

/// What one case measured.
#[derive(Debug, Default)]
pub(crate) struct Sample {
    /// Latencies of the successful requests.
    pub(crate) latencies: Vec<Duration>,
    pub(crate) errors: usize,
    pub(crate) first_error: Option<String>,
    pub(crate) elapsed: Duration,
}

impl Sample {
    /// Runs `op` once and records its latency or error.
    pub(crate) async fn record(&mut self, op: &Op) {
        let sent = Instant::now();
        match op().await {
            Ok(()) => self.latencies.push(sent.elapsed()),
            Err(e) => {
                self.errors += 1;
                self.first_error.get_or_insert(e);
            }
        }
    }
}

/// Sends `request` and reads the whole answer; anything but a 2xx is an error.
pub(crate) async fn fetch(request: reqwest::RequestBuilder) -> Result<usize, String> {
    let response = request.send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    if status.is_success() {
        Ok(body.len())
    } else {
        Err(format!("HTTP {status}"))
    }
}

/// Runs `op` `requests` times with `concurrency` in flight, starting no new one after `cap`.
pub(crate) async fn run_case(concurrency: usize, requests: usize, cap: Duration, op: Op) -> Sample {
    let issued = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency.min(requests) {
        let op = op.clone();
        let issued = issued.clone();
        workers.spawn(async move {
            let mut sample = Sample::default();
            while issued.fetch_add(1, Ordering::Relaxed) < requests && started.elapsed() < cap {
                sample.record(&op).await;
            }
            sample
        });
    }
    let mut total = Sample::default();
    while let Some(joined) = workers.join_next().await {
        match joined {
            Ok(sample) => {
                total.latencies.extend(sample.latencies);
                total.errors += sample.errors;
                if total.first_error.is_none() {
                    total.first_error = sample.first_error;
                }
            }
            Err(e) => {
                total.errors += 1;
                total.first_error.get_or_insert(e.to_string());
            }
        }
    }
    total.elapsed = started.elapsed();
    total
}

/// Nearest-rank percentile of sorted values.
pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub(crate) fn fmt_opt(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(|| "-".to_owned(), |v| format!("{v:.decimals$}"))
}

/// Rows of cells as an aligned table: the first `left` columns left-aligned, the others
/// right-aligned.
pub(crate) fn render(header: &[&str], left: usize, rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i).map(String::len))
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |values: &mut dyn Iterator<Item = &str>| {
        let mut out = String::new();
        for (i, value) in values.enumerate() {
            let w = widths.get(i).copied().unwrap_or(0);
            if i > 0 {
                out.push_str("  ");
            }
            if i < left {
                let _ = write!(out, "{value:<w$}");
            } else {
                let _ = write!(out, "{value:>w$}");
            }
        }
        out.trim_end().to_owned() + "\n"
    };
    let mut out = line(&mut header.iter().copied());
    for row in rows {
        out.push_str(&line(&mut row.iter().map(String::as_str)));
    }
    out
}

/// One target's outcome.
pub(crate) struct Verdict {
    pub(crate) name: &'static str,
    /// `Some(true)` pass, `Some(false)` fail, `None` not measured with these parameters.
    pub(crate) pass: Option<bool>,
    /// The full sentence.
    pub(crate) line: String,
    /// The figure, for the summary line.
    pub(crate) figure: String,
}

impl Verdict {
    pub(crate) fn status(&self) -> &'static str {
        match self.pass {
            Some(true) => "PASS",
            Some(false) => "FAIL",
            None => "n/a",
        }
    }

    pub(crate) fn short(&self) -> String {
        format!("{} {} ({})", self.name, self.status(), self.figure)
    }

    pub(crate) fn new(
        name: &'static str,
        pass: Option<bool>,
        detail: String,
        figure: String,
    ) -> Self {
        let mut v = Self {
            name,
            pass,
            line: String::new(),
            figure,
        };
        v.line = format!("{}: {}: {detail}", v.status(), name);
        v
    }
}

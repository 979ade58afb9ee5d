//! The accept loop: a cap on open connections and time limits on each of them.
//!
//! `axum::serve` keeps every connection as long as the peer likes: a client that opens
//! connections and sends nothing, trickles its headers, or never reads its answer holds a file
//! descriptor and the answer's memory indefinitely, and enough of them make the server
//! unreachable. Here every connection gets:
//! - a place under [`ConnectionSettings::max_connections`], and under
//!   [`ConnectionSettings::max_connections_per_address`] of its address (unless it is a trusted
//!   proxy); one more is answered at once with a `503` and `Connection: close` instead of being
//!   left waiting;
//! - [`ConnectionSettings::header_read_timeout`] to send a request's headers (hyper's timer, also
//!   armed while a kept-alive connection waits for its next request);
//! - [`ConnectionSettings::idle_timeout`] without a byte moving in either direction while a read
//!   or write is waiting, and [`ConnectionSettings::write_timeout`] for a stalled write (a client
//!   that stops reading its answer); either closes the connection.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};
use tower::ServiceExt as _;

use crate::config::ConnectionSettings;

/// Most refusals being written at once; beyond it an over-limit connection is closed unanswered.
const MAX_PENDING_REFUSALS: usize = 64;
/// Time a refusal gets to be written and read.
const REFUSAL_LINGER: Duration = Duration::from_secs(1);
/// Pause after an accept error such as "too many open files", so the loop does not spin.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// The answer to a connection over the cap: complete, so the client reads a reason.
const REFUSAL: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
content-type: application/json\r\n\
retry-after: 1\r\n\
connection: close\r\n\
content-length: 100\r\n\
\r\n\
{\"error\":\"too_many_connections\",\"message\":\"the server has too many open connections; retry shortly\"}";

/// Serves `router` on `listener` under `limits` until `signal` completes, then stops accepting
/// and waits for open connections to finish (idle ones are closed at once).
pub async fn serve<F>(
    listener: TcpListener,
    router: Router,
    limits: ConnectionSettings,
    signal: F,
) -> io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let places = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let per_address = PerAddress::new(limits.max_connections_per_address);
    let refusals = Arc::new(Semaphore::new(MAX_PENDING_REFUSALS));
    let graceful = GracefulShutdown::new();
    tokio::pin!(signal);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "could not accept a connection");
                    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                    continue;
                }
            },
            () = &mut signal => break,
        };
        let own_place = if limits.trusted_proxies.contains(peer.ip()) {
            Some(AddressPlace::none())
        } else {
            per_address.take(peer.ip())
        };
        let place = own_place.and_then(|own| {
            places
                .clone()
                .try_acquire_owned()
                .ok()
                .map(|place| (place, own))
        });
        let Some(place) = place else {
            tracing::warn!(
                max_connections = limits.max_connections,
                max_connections_per_address = limits.max_connections_per_address,
                "connection refused: too many open connections"
            );
            if let Ok(slot) = refusals.clone().try_acquire_owned() {
                tokio::spawn(async move {
                    refuse(stream).await;
                    drop(slot);
                });
            }
            continue;
        };
        // Small answers go out without Nagle's delay; failing to set it changes nothing else.
        let _ = stream.set_nodelay(true);
        let stream = Placed {
            place: Some(place),
            io: stream,
        };
        let connection = graceful.watch(connection(stream, peer, router.clone(), &limits));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// One connection over `io` with `limits`' time limits, the peer's address available to
/// handlers as [`ConnectInfo`]. The concrete type is spelled out because the graceful shutdown
/// needs hyper's connection itself, not an opaque future.
#[allow(clippy::type_complexity)]
pub fn connection<I>(
    io: I,
    peer: SocketAddr,
    router: Router,
    limits: &ConnectionSettings,
) -> hyper::server::conn::http1::Connection<
    TokioIo<Deadlines<I>>,
    TowerToHyperService<
        tower::util::MapRequest<Router, impl FnMut(Request<Incoming>) -> Request<Body> + Clone>,
    >,
>
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = router.map_request(move |request: Request<Incoming>| {
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(ConnectInfo(peer));
        request
    });
    let io = Deadlines::new(io, limits.idle_timeout, limits.write_timeout);
    hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .serve_connection(TokioIo::new(io), TowerToHyperService::new(service))
}

/// Open connections per client address, under a cap.
#[derive(Clone)]
struct PerAddress {
    limit: usize,
    open: Arc<std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, usize>>>,
}

/// One connection's place under its address's cap, given back when dropped.
struct AddressPlace(Option<(PerAddress, std::net::IpAddr)>);

impl AddressPlace {
    /// A place that counts nowhere (no cap, or a trusted proxy's connection).
    fn none() -> Self {
        AddressPlace(None)
    }
}

impl PerAddress {
    fn new(limit: usize) -> Self {
        Self {
            limit,
            open: Arc::default(),
        }
    }

    fn open(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<std::net::IpAddr, usize>> {
        // Plain counts: a panic elsewhere cannot leave one half-updated.
        self.open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A place for a connection from `ip`, unless it holds its limit already.
    fn take(&self, ip: std::net::IpAddr) -> Option<AddressPlace> {
        if self.limit == 0 {
            return Some(AddressPlace::none());
        }
        let mut open = self.open();
        let count = open.entry(ip).or_insert(0);
        if *count >= self.limit {
            return None;
        }
        *count += 1;
        Some(AddressPlace(Some((self.clone(), ip))))
    }
}

impl Drop for AddressPlace {
    fn drop(&mut self) {
        if let Some((per_address, ip)) = self.0.take() {
            let mut open = per_address.open();
            if let Some(count) = open.get_mut(&ip) {
                *count -= 1;
                if *count == 0 {
                    open.remove(&ip);
                }
            }
        }
    }
}

/// A connection holding its places (under the total cap and its address's), given back as it
/// shuts down or is dropped: before the peer can see it closed, so a client that saw one of its
/// connections close always finds that place free.
pub struct Placed<I> {
    // Declared before `io`: dropped first, so the place is free before the socket closes.
    place: Option<(tokio::sync::OwnedSemaphorePermit, AddressPlace)>,
    io: I,
}

impl<I: AsyncRead + Unpin> AsyncRead for Placed<I> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for Placed<I> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.place = None;
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}

/// Writes [`REFUSAL`] and closes; the short linger lets the client read it before the close.
async fn refuse(mut stream: TcpStream) {
    let answer = async {
        stream.write_all(REFUSAL).await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 1024];
        // Read until the client closes, so the close is not a reset that loses the answer.
        while tokio::io::AsyncReadExt::read(&mut stream, &mut sink).await? > 0 {}
        io::Result::Ok(())
    };
    let _ = tokio::time::timeout(REFUSAL_LINGER, answer).await;
}

/// An I/O stream that fails with `TimedOut` when nothing moves for `idle` while it waits on the
/// peer, or when a write waits longer than `write`.
pub struct Deadlines<I> {
    io: I,
    idle: Duration,
    write: Duration,
    /// When the idle limit runs out (pushed back by every byte read or written).
    idle_timer: Pin<Box<Sleep>>,
    /// When the current write stall runs out; `None` while writes go through.
    write_timer: Option<Pin<Box<Sleep>>>,
}

impl<I> Deadlines<I> {
    /// `io` with an idle limit and a write-stall limit.
    pub fn new(io: I, idle: Duration, write: Duration) -> Self {
        Self {
            io,
            idle,
            write,
            idle_timer: Box::pin(tokio::time::sleep(idle)),
            write_timer: None,
        }
    }

    fn progressed(&mut self) {
        self.idle_timer.as_mut().reset(Instant::now() + self.idle);
    }

    /// `Ready(Err)` when the idle limit has run out; registers the waker otherwise.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        match self.idle_timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(timed_out("the connection was idle too long")),
            Poll::Pending => Poll::Pending,
        }
    }
}

fn timed_out(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, what)
}

impl<I: AsyncRead + Unpin> AsyncRead for Deadlines<I> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(result) => {
                this.progressed();
                Poll::Ready(result)
            }
            Poll::Pending => match this.poll_idle(cx) {
                Poll::Ready(error) => Poll::Ready(Err(error)),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for Deadlines<I> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.io).poll_write(cx, buf) {
            Poll::Ready(result) => {
                this.write_timer = None;
                this.progressed();
                Poll::Ready(result)
            }
            Poll::Pending => {
                let write = this.write;
                let timer = this
                    .write_timer
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(write)));
                if timer.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Err(timed_out("the peer stopped reading")));
                }
                match this.poll_idle(cx) {
                    Poll::Ready(error) => Poll::Ready(Err(error)),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use tokio::io::AsyncReadExt;

    /// Opens a connection to `addr` and asks for `/big`'s headers; returns what came back first.
    async fn ask(addr: SocketAddr) -> (tokio::net::TcpStream, String) {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"HEAD /big HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = vec![0u8; 4096];
        let n = stream.read(&mut buf).await.unwrap();
        (stream, String::from_utf8_lossy(&buf[..n]).into_owned())
    }

    #[tokio::test]
    async fn one_address_holds_at_most_its_share_of_connections_unless_it_is_a_trusted_proxy() {
        for (trusted, third_accepted) in [(false, false), (true, true)] {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let proxies = if trusted {
                vec![crate::client_addr::TrustedProxies::parse_entry("127.0.0.1").unwrap()]
            } else {
                vec![]
            };
            let limits = ConnectionSettings {
                max_connections_per_address: 2,
                trusted_proxies: crate::client_addr::TrustedProxies::new(proxies),
                ..limits()
            };
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let server = tokio::spawn(serve(listener, big_router(), limits, async {
                let _ = stopped.await;
            }));
            let (first, answer) = ask(addr).await;
            assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
            let (_second, answer) = ask(addr).await;
            assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
            let (_third, answer) = ask(addr).await;
            if third_accepted {
                assert!(
                    answer.starts_with("HTTP/1.1 200"),
                    "a trusted proxy: {answer}"
                );
            } else {
                assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
                assert!(answer.contains("too_many_connections"), "{answer}");
            }
            drop(first);
            let _ = stop.send(());
            let _ = server.await;
        }
    }

    #[test]
    fn a_place_given_back_is_a_place_to_take() {
        let per_address = PerAddress::new(1);
        let ip = std::net::IpAddr::from([192, 0, 2, 1]);
        let place = per_address.take(ip).expect("a first place");
        assert!(
            per_address.take(ip).is_none(),
            "the address holds its limit"
        );
        assert!(per_address
            .take(std::net::IpAddr::from([192, 0, 2, 2]))
            .is_some());
        drop(place);
        assert!(per_address.take(ip).is_some());
        assert!(PerAddress::new(0).take(ip).is_some(), "0 is no limit");
    }

    #[test]
    fn the_refusal_is_a_complete_http_answer() {
        let text = std::str::from_utf8(REFUSAL).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(json["error"], "too_many_connections");
    }

    fn big_router() -> Router {
        Router::new().route("/big", get(|| async { "x".repeat(1 << 20) }))
    }

    fn limits() -> ConnectionSettings {
        ConnectionSettings {
            max_connections: 4,
            max_concurrent_requests: 4,
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(30),
            max_failed_sign_ins: 0,
            max_connections_per_address: 0,
            trusted_proxies: crate::client_addr::TrustedProxies::default(),
            max_calls_in_flight: 1,
        }
    }

    fn peer() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 1))
    }

    #[tokio::test(start_paused = true)]
    async fn a_reader_that_stops_reading_is_cut_off_after_the_write_timeout() {
        let (mut client, server) = tokio::io::duplex(4096);
        let served = tokio::spawn(connection(server, peer(), big_router(), &limits()));
        client
            .write_all(b"GET /big HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
        let started = Instant::now();
        // The client never reads: the connection ends with an error, on tokio's clock.
        let result = served.await.unwrap();
        assert!(result.is_err(), "{result:?}");
        let waited = started.elapsed();
        assert!(waited >= limits().write_timeout, "{waited:?}");
        assert!(waited < limits().idle_timeout, "{waited:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn silent_and_trickling_clients_are_cut_off_after_the_header_timeout() {
        for opening in [&b""[..], &b"GET /big HTTP/1.1\r\nhost: x\r\n"[..]] {
            let (mut client, server) = tokio::io::duplex(4096);
            let served = tokio::spawn(connection(server, peer(), big_router(), &limits()));
            client.write_all(opening).await.unwrap();
            let started = Instant::now();
            let mut rest = Vec::new();
            // The server closes (a 408 may come first); the read ends instead of hanging.
            let _ = client.read_to_end(&mut rest).await;
            let _ = served.await.unwrap();
            let waited = started.elapsed();
            assert!(waited >= limits().header_read_timeout, "{waited:?}");
            assert!(waited < limits().idle_timeout, "{waited:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_kept_alive_connection_is_closed_when_no_next_request_comes() {
        let (mut client, server) = tokio::io::duplex(1 << 21);
        let router = Router::new().route("/", get(|| async { "ok" }));
        let served = tokio::spawn(connection(server, peer(), router, &limits()));
        client
            .write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
        let started = Instant::now();
        let mut answer = Vec::new();
        let _ = client.read_to_end(&mut answer).await;
        assert!(started.elapsed() >= limits().header_read_timeout);
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("ok"), "{answer}");
        let _ = served.await.unwrap();
    }
}

//! Limits on client connections, so slow or greedy clients cannot exhaust the server: at most
//! `CALLBRIEF_MAX_CONNECTIONS` open at once (further clients wait in the listen backlog); a
//! connection whose client stops reading the response is closed after
//! `CALLBRIEF_WRITE_TIMEOUT_SECS`, and one without a byte in either direction for
//! `CALLBRIEF_IDLE_TIMEOUT_SECS` is closed too, so neither holds its slot forever.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::serve::Listener;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Sleep;

use crate::config::ConnectionSettings;

/// A TCP listener that accepts a connection only while fewer than the maximum are open.
pub struct LimitedListener {
    inner: TcpListener,
    slots: Arc<Semaphore>,
    write_timeout: Duration,
    idle_timeout: Duration,
}

impl LimitedListener {
    /// Wraps a bound listener with the limits of `settings`.
    pub fn new(inner: TcpListener, settings: &ConnectionSettings) -> Self {
        Self {
            inner,
            slots: Arc::new(Semaphore::new(settings.max_connections)),
            write_timeout: settings.write_timeout,
            idle_timeout: settings.idle_timeout,
        }
    }
}

impl Listener for LimitedListener {
    type Io = GuardedStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        // A free slot first, then the connection: while the server is full, new clients wait
        // in the kernel's backlog rather than holding memory here.
        let slot = loop {
            if let Ok(slot) = self.slots.clone().acquire_owned().await {
                break slot;
            }
            // The semaphore is never closed; should it be, accept nothing more.
            std::future::pending::<()>().await;
        };
        let (stream, addr) = Listener::accept(&mut self.inner).await;
        let stream = GuardedStream::new(stream, slot, self.write_timeout, self.idle_timeout);
        (stream, addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// A connection holding its slot until dropped. Its writes fail once they have been blocked
/// (the client not reading) for longer than the write timeout; its reads fail once nothing has
/// moved in either direction for the idle timeout. The idle timeout is above the whole-request
/// timeout ([`Settings::validate`](crate::Settings::validate)), so a request being worked on
/// is never cut off by it.
pub struct GuardedStream<S> {
    inner: S,
    _slot: OwnedSemaphorePermit,
    write_timeout: Duration,
    idle_timeout: Duration,
    write_blocked: Option<Pin<Box<Sleep>>>,
    idle: Option<Pin<Box<Sleep>>>,
}

impl<S> GuardedStream<S> {
    fn new(
        inner: S,
        slot: OwnedSemaphorePermit,
        write_timeout: Duration,
        idle_timeout: Duration,
    ) -> Self {
        Self {
            inner,
            _slot: slot,
            write_timeout,
            idle_timeout,
            write_blocked: None,
            idle: None,
        }
    }

    /// Passes a write's progress through, resetting both clocks; a blocked write starts (or
    /// checks) the write clock and becomes an error once it runs out.
    fn guard<T>(&mut self, cx: &mut Context<'_>, poll: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        if poll.is_ready() {
            self.write_blocked = None;
            self.idle = None;
            return poll;
        }
        expired(
            &mut self.write_blocked,
            self.write_timeout,
            cx,
            "the client did not read the response within the write timeout",
        )
    }
}

/// `Pending` until the clock in `slot` (started now if not running) runs out, then a
/// `TimedOut` error saying `why`.
fn expired<T>(
    slot: &mut Option<Pin<Box<Sleep>>>,
    timeout: Duration,
    cx: &mut Context<'_>,
    why: &'static str,
) -> Poll<io::Result<T>> {
    let clock = slot.get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
    match clock.as_mut().poll(cx) {
        Poll::Ready(()) => Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, why))),
        Poll::Pending => Poll::Pending,
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for GuardedStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(read) => {
                this.idle = None;
                Poll::Ready(read)
            }
            Poll::Pending => expired(
                &mut this.idle,
                this.idle_timeout,
                cx,
                "the connection was idle for the idle timeout",
            ),
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for GuardedStream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.guard(cx, poll)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.guard(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_flush(cx);
        this.guard(cx, poll)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_shutdown(cx);
        this.guard(cx, poll)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    fn settings(max_connections: usize, write_timeout: Duration) -> ConnectionSettings {
        ConnectionSettings {
            max_connections,
            write_timeout,
            ..ConnectionSettings::default()
        }
    }

    #[tokio::test]
    async fn a_full_server_accepts_the_next_client_once_one_leaves() {
        let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = tcp.local_addr().unwrap();
        let mut listener = LimitedListener::new(tcp, &settings(1, Duration::from_secs(30)));
        let _first_client = TcpStream::connect(addr).await.unwrap();
        let (first, _) = listener.accept().await;
        let _second_client = TcpStream::connect(addr).await.unwrap();
        let waiting = tokio::time::timeout(Duration::from_millis(200), listener.accept()).await;
        assert!(
            waiting.is_err(),
            "a second connection was accepted while full"
        );
        drop(first);
        let accepted = tokio::time::timeout(Duration::from_secs(5), listener.accept()).await;
        assert!(accepted.is_ok(), "the freed slot was not reused");
    }

    #[tokio::test]
    async fn a_client_that_stops_reading_gets_its_write_timed_out() {
        let (server_end, _client_end) = tokio::io::duplex(64);
        let slot = Arc::new(Semaphore::new(1)).acquire_owned().await.unwrap();
        let mut stream = GuardedStream::new(
            server_end,
            slot,
            Duration::from_millis(50),
            Duration::from_secs(30),
        );
        let outcome =
            tokio::time::timeout(Duration::from_secs(5), stream.write_all(&[b'x'; 4096])).await;
        let err = outcome
            .expect("the write timeout ends a blocked write")
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    }

    #[tokio::test]
    async fn an_idle_connection_is_closed_and_an_active_one_is_not() {
        use tokio::io::AsyncReadExt;
        let (server_end, mut client_end) = tokio::io::duplex(64);
        let slot = Arc::new(Semaphore::new(1)).acquire_owned().await.unwrap();
        let idle = Duration::from_millis(200);
        let mut stream = GuardedStream::new(server_end, slot, Duration::from_secs(30), idle);
        // A client sending a byte more often than the idle timeout keeps the connection.
        let sender = tokio::spawn(async move {
            for _ in 0..4 {
                tokio::time::sleep(idle / 2).await;
                client_end.write_all(b"x").await?;
            }
            Ok::<_, io::Error>(client_end)
        });
        let mut got = [0u8; 4];
        stream.read_exact(&mut got).await.unwrap();
        let _client_end = sender.await.unwrap().unwrap();
        // Then silence: the next read fails once the idle timeout has passed.
        let mut byte = [0u8; 1];
        let outcome = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut byte)).await;
        let err = outcome
            .expect("the idle timeout ends a silent read")
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    }

    #[tokio::test]
    async fn a_reading_client_is_written_to_in_full() {
        let (server_end, mut client_end) = tokio::io::duplex(64);
        let slot = Arc::new(Semaphore::new(1)).acquire_owned().await.unwrap();
        let mut stream = GuardedStream::new(
            server_end,
            slot,
            Duration::from_millis(500),
            Duration::from_secs(30),
        );
        let reader = tokio::spawn(async move {
            let mut got = Vec::new();
            tokio::io::AsyncReadExt::read_to_end(&mut client_end, &mut got)
                .await
                .map(|_| got.len())
        });
        stream.write_all(&[b'x'; 4096]).await.unwrap();
        stream.shutdown().await.unwrap();
        drop(stream);
        assert_eq!(reader.await.unwrap().unwrap(), 4096);
    }
}

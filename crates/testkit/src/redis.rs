//! A throwaway `redis-server` per test: its own free port, nothing saved to disk, killed when
//! dropped. Tests that share state between replicas run against the real server (Debian's
//! `redis-server` package), never a stand-in, so the Lua scripts and expiries are Redis's own.

use std::io::{BufRead as _, BufReader};
use std::net::TcpListener;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long a started server may take to say it is ready.
const READY_WITHIN: Duration = Duration::from_secs(10);

/// A running `redis-server`; killed on drop.
#[derive(Debug)]
pub struct RedisServer {
    port: u16,
    password: Option<String>,
    child: Option<Child>,
}

/// Whether `redis-server` can be run here.
pub fn redis_server_available() -> bool {
    Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

impl RedisServer {
    /// Starts a server without a password, or returns `None` when the test should skip (see
    /// [`crate::require_tool`]: outside CI, when `redis-server` is missing and skipping was
    /// asked for).
    pub fn start() -> Option<Self> {
        Self::start_with(None)
    }

    /// Starts a server that requires `password` (`requirepass`).
    pub fn start_with_password(password: &str) -> Option<Self> {
        Self::start_with(Some(password.to_owned()))
    }

    #[track_caller]
    fn start_with(password: Option<String>) -> Option<Self> {
        if !crate::require_tool(
            redis_server_available(),
            "redis-server",
            "`apt-get install redis-server` (Debian, Ubuntu) or `brew install redis`",
        ) {
            return None;
        }
        let port = free_port();
        let mut server = Self {
            port,
            password,
            child: None,
        };
        server.restart();
        Some(server)
    }

    /// `redis://` URL of the server (with its password, if any).
    pub fn url(&self) -> String {
        match &self.password {
            Some(pw) => format!("redis://:{pw}@127.0.0.1:{}/", self.port),
            None => format!("redis://127.0.0.1:{}/", self.port),
        }
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server (its data is gone: nothing is saved).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port, empty, and waits until its log says it
    /// accepts connections.
    ///
    /// # Panics
    /// When it cannot be started or does not say it is ready within 10 s.
    pub fn restart(&mut self) {
        self.stop();
        let mut command = Command::new("redis-server");
        command
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--save", ""])
            .args(["--appendonly", "no"])
            .stderr(Stdio::null());
        if let Some(pw) = &self.password {
            command.args(["--requirepass", pw]);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start redis-server: {e}"));
        let ready = child.stdout.take().map(announce_ready);
        self.child = Some(child);
        let announced = ready.is_some_and(|ready| ready.recv_timeout(READY_WITHIN).is_ok());
        assert!(
            announced,
            "redis-server on port {} did not say it was ready within {READY_WITHIN:?}",
            self.port
        );
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Reads the server's log and tells the receiver once it says it accepts connections; then
/// goes on reading (and dropping) the log so the server never blocks on a full pipe.
fn announce_ready(log: ChildStdout) -> mpsc::Receiver<()> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(log).lines() {
            let Ok(line) = line else { break };
            if line.contains("Ready to accept connections") {
                if let Some(tx) = tx.take() {
                    let _ = tx.send(());
                }
            }
        }
    });
    rx
}

/// A port free right now on the loopback interface.
fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read as _, Write as _};
    use std::net::TcpStream;

    impl RedisServer {
        /// Whether the server answers `PING` (after `AUTH` when it has a password).
        fn answers(&self) -> bool {
            let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
                return false;
            };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
            let mut request = String::new();
            if let Some(pw) = &self.password {
                request.push_str(&format!("AUTH {pw}\r\n"));
            }
            request.push_str("PING\r\n");
            if stream.write_all(request.as_bytes()).is_err() {
                return false;
            }
            let mut seen = Vec::new();
            let mut buf = [0u8; 64];
            while !String::from_utf8_lossy(&seen).contains("PONG") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => return false,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                }
            }
            true
        }
    }

    #[test]
    fn a_server_starts_answers_stops_and_restarts_on_its_port() {
        let Some(mut server) = RedisServer::start_with_password("pw") else {
            return;
        };
        assert!(server.answers());
        assert!(server.url().starts_with("redis://:pw@127.0.0.1:"));
        server.stop();
        assert!(!server.answers());
        server.restart();
        assert!(server.answers());
    }
}

//! Waiting for a child process without polling: a thread waits on it and says when it is done;
//! the test waits for that word, up to a limit past which the process is killed and the test
//! fails.

use std::process::{Child, ExitStatus, Output};
use std::sync::mpsc;
use std::time::Duration;

/// Waits until `child` exits and returns its output; kills it and panics, naming `what`, when
/// it runs longer than `limit`.
#[track_caller]
pub fn output_within(child: Child, limit: Duration, what: &str) -> Output {
    let pid = child.id();
    let (done, exited) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(child.wait_with_output());
    });
    match exited.recv_timeout(limit) {
        Ok(output) => output.expect("the child's output"),
        Err(_) => {
            kill(pid);
            panic!("{what} did not finish within {limit:?}");
        }
    }
}

/// Waits until `child` exits and returns its status; kills it and panics, naming `what`, when
/// that takes longer than `limit`.
#[track_caller]
pub fn status_within(child: &mut Child, limit: Duration, what: &str) -> ExitStatus {
    let pid = child.id();
    std::thread::scope(|scope| {
        let (done, exited) = mpsc::channel();
        scope.spawn(move || {
            let _ = done.send(child.wait());
        });
        match exited.recv_timeout(limit) {
            Ok(status) => status.expect("the child's status"),
            Err(_) => {
                kill(pid);
                panic!("{what} did not exit within {limit:?}");
            }
        }
    })
}

fn kill(pid: u32) {
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status();
}

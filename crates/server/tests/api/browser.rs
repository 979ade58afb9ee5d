//! The sign-in in a real browser: Debian's Chromium, driven by Playwright
//! (crates/server/tests/browser_sign_in.py), through callbrief's consent page and the Salesforce
//! simulator's login page. An HTTP client enforces no Content-Security-Policy, cookies or
//! redirects the way Chrome does; this test is where those are judged. With
//! `CALLBRIEF_SCREENSHOT_DIR` set, the consent page's screenshot is kept there.

use std::path::PathBuf;
use std::time::Duration;

use crate::helpers::{org, python};
use crate::mcp::fixture;
use crate::oauth_server::spawn;

/// The Chromium to drive: `CALLBRIEF_CHROMIUM`, else Debian's.
fn chromium() -> String {
    std::env::var("CALLBRIEF_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned())
}

/// Whether Playwright and Chromium are there. A missing one fails the test, unless skipping was
/// asked for (see the `testkit` crate).
async fn browser_available(python: &str, chromium: &str) -> bool {
    let playwright = tokio::process::Command::new(python)
        .args(["-c", "import playwright.sync_api"])
        .output()
        .await
        .is_ok_and(|out| out.status.success());
    let browser = tokio::process::Command::new(chromium)
        .arg("--version")
        .output()
        .await
        .is_ok_and(|out| out.status.success());
    testkit::require_tool(
        playwright && browser,
        &format!(
            "Playwright (`import playwright.sync_api` with {python}) and Chromium ({chromium})"
        ),
        &format!(
            "`{python} -m pip install playwright` and `apt-get install chromium`, or set \
             CALLBRIEF_CHROMIUM to a Chromium executable"
        ),
    )
}

#[tokio::test]
async fn a_real_browser_signs_in_denies_and_refuses_a_borrowed_sign_in_url() {
    let python = python();
    let chromium = chromium();
    if !browser_available(&python, &chromium).await {
        return;
    }
    let app = spawn(|_| {}).await;
    let f = fixture(&org());
    // CALLBRIEF_SCREENSHOT_DIR keeps the screenshot for a person to look at.
    let shots = tempfile::tempdir().unwrap();
    let dir = std::env::var_os("CALLBRIEF_SCREENSHOT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| shots.path().to_owned());
    let screenshot = dir.join("consent.png");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser_sign_in.py");
    let child = tokio::process::Command::new(&python)
        .arg(&script)
        .args(["--base-url", &app.base_url])
        .args(["--salesforce-url", &app.salesforce_url])
        .args(["--chromium", &chromium])
        .args([
            "--username",
            &f.username,
            "--password",
            sim::salesforce::DEMO_PASSWORD,
        ])
        .args(["--account-name", &f.own_account.name])
        .arg("--screenshot")
        .arg(&screenshot)
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(120), child)
        .await
        .expect("the browser test did not finish within 120 s")
        .expect("could not run the browser test");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the browser test failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(stdout.contains("checks passed"), "{stdout}\n{stderr}");
    // The screenshot is a real rendering: a PNG of the page's width, with more than one colour.
    let png = std::fs::read(&screenshot).expect("the consent page's screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG file");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!(width, 1000, "the page was rendered at the viewport's width");
    assert!(height >= 400, "the page has content: {height} px high");
    assert!(
        png.len() > 10_000,
        "a page with text and colour, not a blank: {} bytes",
        png.len()
    );
}

"""Signs a rep in to callbrief's authorization server in a real browser: Debian's Chromium,
driven by Playwright (PyPI `playwright`, with `executable_path`; no browser download of its own).

callbrief runs with CALLBRIEF_OAUTH=server in front of the Salesforce simulator. The script is
the client and the person at once, as Claude or ChatGPT and a rep would be:

1. registers a client (Dynamic Client Registration) whose redirect URI is a loopback listener
   of its own, and opens /oauth/authorize with PKCE S256 in Chromium, at `localhost` while the
   Salesforce simulator is at `127.0.0.1`: two sites, so the way back from Salesforce is a
   cross-site navigation and SameSite rules apply as in production;
2. checks the consent page (styled, names callbrief, the client as self-declared, the redirect
   host, the Salesforce it signs in at) and saves a screenshot;
3. clicks Allow, signs in on the simulator's login page, and arrives at the listener with
   `code`, `state` and `iss`; exchanges the code and calls /mcp as the rep;
4. opens a second sign-in and clicks Deny: the listener gets `access_denied` and no code;
5. the attack: a second browser profile (the attacker's) consents and sends the Salesforce
   sign-in URL to the rep's profile, who signs in there: callbrief shows an error and the
   listener gets nothing;
6. no Content-Security-Policy violation (or any other console error) on callbrief's pages.

Run by crates/server/tests/api/browser.rs:

    python3 browser_sign_in.py --base-url http://127.0.0.1:PORT --chromium /usr/bin/chromium \
        --username rep@example.com --password demo-password --account-name "Acme" \
        --screenshot /tmp/consent.png

Exit status 0 when every check held; otherwise 1 with the failed check on stderr.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.server
import json
import secrets
import sys
import threading
import urllib.request
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from playwright.sync_api import ConsoleMessage, Page, sync_playwright

# Chromium as this machine runs it headless: no sandbox (root), and none of the background
# connections a closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 20_000


class CheckFailed(Exception):
    """One expectation about the server's answers did not hold."""


def check(condition: bool, what: str, detail: Any = None) -> None:
    if not condition:
        suffix = f": {json.dumps(detail, default=str)[:2000]}" if detail is not None else ""
        raise CheckFailed(f"{what}{suffix}")


class Listener:
    """The client's loopback redirect URI: records every answer it receives."""

    def __init__(self) -> None:
        answers: list[dict[str, str]] = []
        self.answers = answers

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
                url = urlparse(self.path)
                if url.path == "/callback":  # not the browser's own /favicon.ico
                    answers.append({k: v[0] for k, v in parse_qs(url.query).items()})
                body = b"<!doctype html><title>done</title><p>You can close this window.</p>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.redirect_uri = f"http://127.0.0.1:{self.server.server_address[1]}/callback"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def post(url: str, data: dict[str, Any], as_json: bool = False) -> tuple[int, dict[str, Any]]:
    body = json.dumps(data).encode() if as_json else urlencode(data).encode()
    kind = "application/json" if as_json else "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=body, headers={"Content-Type": kind}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_url(base: str, client_id: str, redirect_uri: str, state: str, challenge: str) -> str:
    return f"{base}/oauth/authorize?" + urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "resource": f"{base}/mcp",
        }
    )


def salesforce_sign_in(page: Page, username: str, password: str) -> None:
    """The person on the simulator's login page."""
    page.wait_for_url("**/services/oauth2/authorize**", timeout=TIMEOUT_MS)
    page.check(f'input[name="username"][value="{username}"]')
    page.fill('input[name="password"]', password)
    page.click('button[value="allow"]')


def call_mcp(base: str, token: str, account_name: str) -> None:
    """The rep's token at /mcp: initialize, then search_accounts finds their account."""
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
        "MCP-Protocol-Version": "2025-06-18",
    }

    def rpc(message: dict[str, Any], session: str | None) -> tuple[dict[str, Any] | None, str | None]:
        extra = {"Mcp-Session-Id": session} if session else {}
        request = urllib.request.Request(
            f"{base}/mcp", data=json.dumps(message).encode(), headers={**headers, **extra}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
            session = response.headers.get("Mcp-Session-Id") or session
        if not text.strip():
            return None, session
        if text.lstrip().startswith("{"):
            return json.loads(text), session
        data = [line[5:].strip() for line in text.splitlines() if line.startswith("data:")]
        answers = [json.loads(d) for d in data if d]
        return (answers[-1] if answers else None), session

    init, session = rpc(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "browser-sign-in-test", "version": "1"},
            },
        },
        None,
    )
    check(init is not None and init["result"]["serverInfo"]["name"] == "callbrief", "/mcp answers the rep", init)
    rpc({"jsonrpc": "2.0", "method": "notifications/initialized"}, session)
    found, _ = rpc(
        {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "tools/call",
            "params": {"name": "search_accounts", "arguments": {"name": account_name}},
        },
        session,
    )
    check(found is not None and not found["result"].get("isError"), "search_accounts works", found)
    names = [a["name"] for a in found["result"]["structuredContent"]["accounts"]]  # type: ignore[index]
    check(account_name in names, "the rep finds their account", names)


def run(args: argparse.Namespace) -> int:
    # callbrief as "localhost", the Salesforce simulator as "127.0.0.1": two sites to Chromium,
    # so coming back from Salesforce is a cross-site navigation, as in production (SameSite).
    base = args.base_url.rstrip("/").replace("://127.0.0.1:", "://localhost:")
    listener = Listener()
    status, client = post(
        f"{base}/oauth/register",
        {
            "client_name": "Browser Test Client",
            "redirect_uris": [listener.redirect_uri],
            "token_endpoint_auth_method": "none",
        },
        as_json=True,
    )
    check(status == 201, "the client registers itself", client)
    client_id = client["client_id"]
    problems: list[str] = []
    checks = 1

    def watch(page: Page) -> None:
        def on_console(message: ConsoleMessage) -> None:
            text = message.text
            source = str((message.location or {}).get("url", ""))
            csp = "Content Security Policy" in text or "Refused to" in text
            # Any error on callbrief's own pages; the simulator's page has no favicon (a 404).
            ours = message.type == "error" and source.startswith(base) and not source.endswith("/favicon.ico")
            if csp or ours:
                problems.append(f"{page.url}: {message.type}: {text} ({source})")

        page.on("console", on_console)
        page.on("pageerror", lambda err: problems.append(f"{page.url}: page error: {err}"))

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            # 1-3: consent, Allow, Salesforce, back to the client with a code.
            rep = browser.new_context(viewport={"width": 1000, "height": 800})
            page = rep.new_page()
            watch(page)
            verifier, challenge = pkce()
            state = secrets.token_urlsafe(16)
            page.goto(authorize_url(base, client_id, listener.redirect_uri, state, challenge))
            check(page.title() == "Allow access to callbrief", "the consent page shows", page.title())
            text = page.inner_text("body")
            check("callbrief" in text, "the page names callbrief", text)
            check("Browser Test Client" in text, "the page names the client", text)
            check("not verified" in text, "a self-registered client's name is marked as its own claim", text)
            check(page.inner_text("#redirect-host") == "127.0.0.1", "the redirect host is shown", text)
            sf_host = urlparse(args.salesforce_url).hostname or ""
            check(sf_host in page.inner_text("#salesforce-host"), "the Salesforce signed in at is shown", text)
            viewport = page.get_attribute('meta[name="viewport"]', "content") or ""
            check("width=device-width" in viewport, "the page has a viewport meta", viewport)
            allow_bg = page.eval_on_selector("button.allow", "b => getComputedStyle(b).backgroundColor")
            check(allow_bg == "rgb(11, 92, 171)", "the page's own style applies under its CSP", allow_bg)
            page.screenshot(path=args.screenshot, full_page=True)
            checks += 9
            page.click("button.allow")
            salesforce_sign_in(page, args.username, args.password)
            page.wait_for_url(f"{listener.redirect_uri}**", timeout=TIMEOUT_MS)
            check(len(listener.answers) == 1, "the client got one answer", listener.answers)
            answer = listener.answers[-1]
            check("code" in answer, "the answer carries a code", answer)
            check(answer.get("state") == state, "the answer carries the client's state", answer)
            check(answer.get("iss") == base, "the answer names its issuer (RFC 9207)", answer)
            status, tokens = post(
                f"{base}/oauth/token",
                {
                    "grant_type": "authorization_code",
                    "code": answer["code"],
                    "redirect_uri": listener.redirect_uri,
                    "client_id": client_id,
                    "code_verifier": verifier,
                    "resource": f"{base}/mcp",
                },
            )
            check(status == 200 and "access_token" in tokens, "the code is exchanged for tokens", tokens)
            call_mcp(base, tokens["access_token"], args.account_name)
            checks += 7

            # 4: Deny.
            page = rep.new_page()
            watch(page)
            _, challenge = pkce()
            state = secrets.token_urlsafe(16)
            page.goto(authorize_url(base, client_id, listener.redirect_uri, state, challenge))
            page.click("button.deny")
            page.wait_for_url(f"{listener.redirect_uri}**", timeout=TIMEOUT_MS)
            answer = listener.answers[-1]
            check(answer.get("error") == "access_denied", "Deny answers access_denied", answer)
            check(answer.get("state") == state and "code" not in answer, "with the state and no code", answer)
            checks += 2

            # 5: the attacker consents in its own browser and sends the Salesforce URL on.
            attacker = browser.new_context()
            page = attacker.new_page()
            watch(page)
            _, challenge = pkce()
            page.goto(authorize_url(base, client_id, listener.redirect_uri, "attacker", challenge))
            page.click("button.allow")
            page.wait_for_url("**/services/oauth2/authorize**", timeout=TIMEOUT_MS)
            lure = page.url
            victim = browser.new_context()
            page = victim.new_page()
            answers_before = len(listener.answers)
            response = page.goto(lure)
            check(response is not None and response.ok, "the lure opens Salesforce's login page", lure)
            salesforce_sign_in(page, args.username, args.password)
            page.wait_for_url(f"{base}/oauth/callback**", timeout=TIMEOUT_MS)
            page.wait_for_load_state()
            body = page.inner_text("body")
            check("not started in this browser" in body, "callbrief refuses the other browser's sign-in", body)
            check(len(listener.answers) == answers_before, "no answer reached the client", listener.answers)
            checks += 3
        finally:
            browser.close()
    check(not problems, "no console errors or CSP violations on the way", problems)
    print(f"browser sign-in: {checks + 1} checks passed; screenshot at {args.screenshot}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True, help="callbrief's base URL")
    parser.add_argument("--salesforce-url", required=True, help="the Salesforce simulator's base URL")
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="the Chromium executable")
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--account-name", required=True, help="an account the rep can see")
    parser.add_argument("--screenshot", required=True, help="where to save the consent page's screenshot")
    args = parser.parse_args()
    try:
        return run(args)
    except CheckFailed as failed:
        print(f"browser sign-in: check failed: {failed}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

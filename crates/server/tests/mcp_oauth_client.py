"""Signs in to callbrief's /mcp with the official Python MCP SDK's OAuth client (PyPI `mcp`, 2.x).

callbrief runs as the OAuth authorization server (CALLBRIEF_OAUTH=server) in front of the
Salesforce simulator. The SDK does what Claude or ChatGPT do with nothing but the URL:
discovery (protected-resource and authorization-server metadata), Dynamic Client Registration,
authorization code + PKCE with `resource`, the token exchange, tools as the signed-in rep, a
refresh, and then the script revokes the session and checks that the token is refused with 401.
The person's part of the sign-in (the simulator's login page) is scripted here. Run by
crates/server/tests/api/oauth_server.rs:

    python3 mcp_oauth_client.py --url http://127.0.0.1:PORT/mcp --username rep@example.com \
        --password demo-password --account-name "Acme" --hidden-account-id 001...

Exit status 0 when every check held; otherwise 1 with the failed check on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from typing import Any
from urllib.parse import parse_qs, urlparse

try:
    import httpx2 as httpx
except ImportError:  # SDK 1.x
    import httpx  # type: ignore[no-redef]

from mcp import ClientSession
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

# Where the client says it listens for the answer; nothing listens: the script reads the
# redirect itself, as a browser would hand it to a desktop app.
REDIRECT_URI = "http://localhost:33418/callback"


class CheckFailed(Exception):
    """One expectation about the server's answers did not hold."""


def check(condition: bool, what: str, detail: Any = None) -> None:
    if not condition:
        suffix = f": {json.dumps(detail, default=str)[:2000]}" if detail is not None else ""
        raise CheckFailed(f"{what}{suffix}")


class MemoryStorage:
    """The SDK's token storage, kept in memory and readable by the checks."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


class Person:
    """The person at the browser: follows callbrief's redirect to the Salesforce login page,
    signs in as `username`, and brings back what callbrief sent to the redirect URI."""

    def __init__(self, username: str, password: str) -> None:
        self.username = username
        self.password = password
        self.sign_ins = 0
        self.answer: dict[str, str] = {}
        self.authorize_url = ""

    async def open(self, authorization_url: str) -> None:
        self.sign_ins += 1
        self.authorize_url = authorization_url
        async with httpx.AsyncClient(follow_redirects=False, timeout=30) as browser:
            page = await browser.get(authorization_url)
            check(page.status_code == 200, "callbrief asks the person's consent", page.text[:500])
            found = re.search(r'name="request" value="([^"]+)"', page.text)
            check(found is not None, "the consent page carries its request", page.text[:500])
            assert found is not None
            origin = f"{urlparse(authorization_url).scheme}://{urlparse(authorization_url).netloc}"
            to_salesforce = await browser.post(
                f"{origin}/oauth/consent", data={"request": found.group(1), "action": "allow"}
            )
            check(to_salesforce.status_code == 302, "callbrief sends the browser on", to_salesforce.text)
            login_url = to_salesforce.headers["location"]
            check("/services/oauth2/authorize" in login_url, "to Salesforce's login page", login_url)
            page = await browser.get(login_url)
            check(page.status_code == 200, "the login page shows", page.status_code)
            params = {k: v[0] for k, v in parse_qs(urlparse(login_url).query).items()}
            check("client_secret" not in params, "the Connected App's secret stays on the server", params)
            params.update({"username": self.username, "password": self.password, "action": "allow"})
            origin = f"{urlparse(login_url).scheme}://{urlparse(login_url).netloc}"
            signed_in = await browser.post(f"{origin}/services/oauth2/authorize", data=params)
            check(signed_in.status_code == 302, "Salesforce signs the person in", signed_in.text[:500])
            back = await browser.get(signed_in.headers["location"])
            check(back.status_code == 302, "callbrief completes the sign-in", back.text[:500])
            location = back.headers["location"]
            check(location.startswith(REDIRECT_URI), "the answer goes to the registered redirect URI", location)
            self.answer = {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}

    async def callback(self) -> AuthorizationCodeResult:
        check("code" in self.answer, "the answer carries a code", self.answer)
        return AuthorizationCodeResult(
            code=self.answer["code"], state=self.answer.get("state"), iss=self.answer.get("iss")
        )


def wire(model: Any) -> dict[str, Any]:
    return model.model_dump(by_alias=True, exclude_none=True, mode="json")


def text_of(result: dict[str, Any]) -> str:
    return " ".join(c.get("text", "") for c in result.get("content", []) if c.get("type") == "text")


async def tools_as_the_rep(http: Any, args: argparse.Namespace) -> int:
    """Opens an MCP session over `http` (which signs in as needed) and uses the tools."""
    async with streamable_http_client(args.url, http_client=http) as streams:
        async with ClientSession(streams[0], streams[1]) as session:
            init = wire(await session.initialize())
            check(init["serverInfo"]["name"] == "callbrief", "the server is callbrief", init)
            found = wire(await session.call_tool("search_accounts", {"name": args.account_name}))
            check(not found.get("isError"), "search_accounts works", found)
            names = [a["name"] for a in found["structuredContent"]["accounts"]]
            check(args.account_name in names, "the rep finds their account", names)
            hidden = wire(await session.call_tool("get_account_briefing", {"account_id": args.hidden_account_id}))
            check(hidden.get("isError") is True, "another rep's account stays hidden", hidden)
    return 4


async def run(args: argparse.Namespace) -> int:
    checks = 0
    storage = MemoryStorage()
    person = Person(args.username, args.password)
    provider = OAuthClientProvider(
        server_url=args.url,
        client_metadata=OAuthClientMetadata(
            client_name="callbrief OAuth test",
            redirect_uris=[REDIRECT_URI],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="none",
        ),
        storage=storage,
        redirect_handler=person.open,
        callback_handler=person.callback,
    )
    async with httpx.AsyncClient(auth=provider, timeout=30) as http:
        checks += await tools_as_the_rep(http, args)
    check(person.sign_ins == 1, "the person signed in once", person.sign_ins)
    check(storage.client_info is not None, "the client registered itself (DCR)")
    query = {k: v[0] for k, v in parse_qs(urlparse(person.authorize_url).query).items()}
    check(query.get("code_challenge_method") == "S256", "PKCE S256 was used", query)
    check(query.get("resource") == args.url, "the resource was named", query)
    check(person.answer.get("iss") is not None, "the answer named its issuer (RFC 9207)", person.answer)
    check(storage.tokens is not None and storage.tokens.refresh_token, "a refresh token was issued")
    checks += 6

    # The access token runs out: the SDK refreshes it (no new sign-in), and the refresh rotates.
    first = storage.tokens
    assert first is not None
    provider.context.token_expiry_time = 1.0
    async with httpx.AsyncClient(auth=provider, timeout=30) as http:
        checks += await tools_as_the_rep(http, args)
    second = storage.tokens
    assert second is not None
    check(person.sign_ins == 1, "the refresh needed no new sign-in", person.sign_ins)
    check(second.access_token != first.access_token, "a new access token was issued")
    check(second.refresh_token != first.refresh_token, "the refresh token rotated")
    checks += 3

    base = f"{urlparse(args.url).scheme}://{urlparse(args.url).netloc}"
    async with httpx.AsyncClient(timeout=30) as plain:
        meta = (await plain.get(f"{base}/.well-known/oauth-authorization-server")).json()
        client_id = storage.client_info.client_id if storage.client_info else ""
        reused = await plain.post(
            meta["token_endpoint"],
            data={"grant_type": "refresh_token", "refresh_token": first.refresh_token or "", "client_id": client_id},
        )
        check(reused.status_code == 400, "a used refresh token is refused", reused.text)
        check(reused.json().get("error") == "invalid_grant", "as invalid_grant", reused.text)
        checks += 2

    # The reuse above ended the session (a used refresh token may have been stolen): sign in
    # again, then revoke that session the ordinary way.
    storage.tokens = None
    provider.context.clear_tokens()
    async with httpx.AsyncClient(auth=provider, timeout=30) as http:
        checks += await tools_as_the_rep(http, args)
    check(person.sign_ins == 2, "the ended session needed a new sign-in", person.sign_ins)
    third = storage.tokens
    assert third is not None
    async with httpx.AsyncClient(timeout=30) as plain:
        revoked = await plain.post(
            meta["revocation_endpoint"],
            data={"token": third.refresh_token or "", "client_id": client_id},
        )
        check(revoked.status_code == 200, "revocation is accepted", revoked.text)
        body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        refused = await plain.post(
            args.url,
            json=body,
            headers={
                "Authorization": f"Bearer {third.access_token}",
                "Accept": "application/json, text/event-stream",
            },
        )
        check(refused.status_code == 401, "the revoked session's token gets 401", refused.status_code)
        challenge = refused.headers.get("www-authenticate", "")
        check("resource_metadata=" in challenge, "with a challenge naming the metadata", challenge)
        checks += 3
    print(f"mcp oauth client: {checks} checks passed")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the /mcp endpoint")
    parser.add_argument("--username", required=True, help="the sample user who signs in")
    parser.add_argument("--password", required=True, help="their password")
    parser.add_argument("--account-name", required=True, help="an account the user can see")
    parser.add_argument("--hidden-account-id", required=True, help="an account id the user cannot see")
    args = parser.parse_args()
    try:
        return asyncio.run(run(args))
    except BaseException as error:  # the SDK's task groups wrap failures in exception groups
        failure = find_check_failure(error)
        if failure is None:
            raise
        print(f"mcp oauth client: check failed: {failure}", file=sys.stderr)
        return 1


def find_check_failure(error: BaseException, seen: set[int] | None = None) -> CheckFailed | None:
    """The CheckFailed inside exception groups or behind a cause or context, if any."""
    seen = seen if seen is not None else set()
    if id(error) in seen:
        return None
    seen.add(id(error))
    if isinstance(error, CheckFailed):
        return error
    inner_errors = list(getattr(error, "exceptions", ()))
    inner_errors += [e for e in (error.__cause__, error.__context__) if e is not None]
    for inner in inner_errors:
        found = find_check_failure(inner, seen)
        if found is not None:
            return found
    return None


if __name__ == "__main__":
    sys.exit(main())

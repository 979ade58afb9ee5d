"""Drives callbrief's /mcp endpoint with the official Python MCP SDK (PyPI package `mcp`).

The point is interoperability: a client this project did not write must be able to connect,
initialize, list the tools and prompts, and call every tool. Run by crates/server/tests/mcp.rs
against a server backed by the Gong and Salesforce simulators:

    python3 mcp_client.py --url http://127.0.0.1:PORT/mcp --token KEY \
        --account-name "Acme" --hidden-account-id 001...

Exit status 0 when every check held; otherwise 1 with the failed check on stderr. Works with
both SDK generations: 1.x (`streamablehttp_client(url, headers=...)`, camelCase attributes) and
2.x (`streamable_http_client(url, http_client=...)`, snake_case attributes): results are
compared in their wire form (`model_dump(by_alias=True)`), which both spell the same.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from typing import Any

from mcp import ClientSession

EXPECTED_TOOLS = {
    "search_accounts",
    "list_account_calls",
    "get_call_transcripts",
    "get_account_briefing",
    "search",
    "fetch",
}
EXPECTED_PROMPTS = {"meeting_prep_medpicc", "meeting_prep_spiced"}
# Tools whose successful results carry structuredContent (search/fetch answer in text only,
# in the shape ChatGPT's deep research reads).
STRUCTURED_TOOLS = {
    "search_accounts",
    "list_account_calls",
    "get_call_transcripts",
    "get_account_briefing",
}


class CheckFailed(Exception):
    """One expectation about the server's answers did not hold."""


def check(condition: bool, what: str, detail: Any = None) -> None:
    if not condition:
        suffix = f": {json.dumps(detail)[:2000]}" if detail is not None else ""
        raise CheckFailed(f"{what}{suffix}")


def wire(model: Any) -> dict[str, Any]:
    """An SDK result as it travelled (camelCase keys, no unset fields)."""
    return model.model_dump(by_alias=True, exclude_none=True, mode="json")


@contextlib.asynccontextmanager
async def connect(url: str, token: str):
    """Opens the streamable HTTP transport with `Authorization: Bearer <token>`."""
    headers = {"Authorization": f"Bearer {token}"}
    async with contextlib.AsyncExitStack() as stack:
        try:
            from mcp.client.streamable_http import streamable_http_client
            from mcp.shared._httpx_utils import create_mcp_http_client

            http = await stack.enter_async_context(create_mcp_http_client(headers=headers))
            streams = await stack.enter_async_context(streamable_http_client(url, http_client=http))
        except ImportError:
            from mcp.client.streamable_http import streamablehttp_client

            streams = await stack.enter_async_context(streamablehttp_client(url, headers=headers))
        read, write = streams[0], streams[1]
        session = await stack.enter_async_context(ClientSession(read, write))
        yield session


def text_of(result: dict[str, Any]) -> str:
    texts = [c["text"] for c in result.get("content", []) if c.get("type") == "text"]
    check(len(texts) >= 1, "a tool result carries a text item", result)
    return texts[0]


async def call(session: ClientSession, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = wire(await session.call_tool(name, arguments))
    print(f"  {name} -> isError={result.get('isError', False)}", file=sys.stderr)
    return result


async def call_ok(session: ClientSession, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await call(session, name, arguments)
    check(not result.get("isError", False), f"{name} succeeds", result)
    text_of(result)
    if name in STRUCTURED_TOOLS:
        check(isinstance(result.get("structuredContent"), dict), f"{name} has structuredContent", result)
    return result


async def call_err(session: ClientSession, name: str, arguments: dict[str, Any], needle: str) -> str:
    result = await call(session, name, arguments)
    check(result.get("isError") is True, f"{name} {arguments} is an isError result", result)
    message = text_of(result)
    check(needle.lower() in message.lower(), f"{name} error message mentions {needle!r}", message)
    return message


async def run(args: argparse.Namespace) -> int:
    checks = 0
    async with connect(args.url, args.token) as session:
        init = wire(await session.initialize())
        check(init["serverInfo"]["name"] == "callbrief", "server name is callbrief", init)
        check("tools" in init["capabilities"], "server offers tools", init)
        check("prompts" in init["capabilities"], "server offers prompts", init)
        checks += 3

        tools = {t["name"]: t for t in wire(await session.list_tools())["tools"]}
        check(EXPECTED_TOOLS <= tools.keys(), "all tools are listed", sorted(tools))
        for name in EXPECTED_TOOLS:
            tool = tools[name]
            check(tool["inputSchema"].get("type") == "object", f"{name} has an object input schema", tool)
            check(bool(tool.get("description")), f"{name} has a description", tool)
            annotations = tool.get("annotations", {})
            check(annotations.get("readOnlyHint") is True, f"{name} is annotated read-only", tool)
            if name in STRUCTURED_TOOLS:
                check(tool.get("outputSchema", {}).get("type") == "object", f"{name} has an output schema", tool)
            checks += 4
        check("name" in tools["search_accounts"]["inputSchema"].get("required", []), "search_accounts requires name")
        check("call_ids" in tools["get_call_transcripts"]["inputSchema"]["properties"], "call_ids is an input")
        checks += 2

        prompts = {p["name"]: p for p in wire(await session.list_prompts())["prompts"]}
        check(EXPECTED_PROMPTS <= prompts.keys(), "both prompts are listed", sorted(prompts))
        for name, word in (("meeting_prep_medpicc", "MEDPICC"), ("meeting_prep_spiced", "SPICED")):
            arg_names = [a["name"] for a in prompts[name].get("arguments", [])]
            check("account_name" in arg_names, f"{name} takes account_name", prompts[name])
            got = wire(await session.get_prompt(name, {"account_name": args.account_name}))
            text = " ".join(m["content"].get("text", "") for m in got["messages"])
            check(args.account_name in text, f"{name} names the account", got)
            check(word in text, f"{name} carries the {word} template", got)
            checks += 3

        # search_accounts -> list_account_calls -> get_call_transcripts -> get_account_briefing
        found = await call_ok(session, "search_accounts", {"name": args.account_name})
        accounts = found["structuredContent"]["accounts"]
        check(len(accounts) >= 1, "search_accounts finds the account", found)
        account = next((a for a in accounts if a["name"] == args.account_name), accounts[0])
        account_id = account["id"]
        checks += 2

        listed = await call_ok(session, "list_account_calls", {"account_id": account_id, "limit": 3})
        calls = listed["structuredContent"]["calls"]
        check(1 <= len(calls) <= 3, "list_account_calls honours limit", listed)
        call_ids = [c["callId"] for c in calls]
        checks += 2

        transcripts = await call_ok(session, "get_call_transcripts", {"call_ids": call_ids[:2], "max_chars": 4000})
        body = transcripts["structuredContent"]
        check(len(text_of(transcripts)) <= 4000, "get_call_transcripts fits max_chars", len(text_of(transcripts)))
        check(body["truncation"]["maxChars"] == 4000, "the budget is reported", body["truncation"])
        check(len(body["callTranscripts"]) >= 1, "transcripts are returned", body)
        checks += 3

        briefing = await call_ok(
            session,
            "get_account_briefing",
            {"account_id": account_id, "calls": 2, "methodology": "spiced", "max_chars": 20000},
        )
        check(args.account_name in text_of(briefing), "the briefing text names the account")
        check("SPICED" in text_of(briefing), "the briefing carries the SPICED template")
        checks += 2

        # ChatGPT deep-research pair: text-only JSON in a fixed shape.
        searched = await call_ok(session, "search", {"query": args.account_name})
        results = json.loads(text_of(searched))["results"]
        check(len(results) >= 1, "search finds something", searched)
        for r in results:
            check({"id", "title", "url"} <= r.keys(), "search results have id, title, url", r)
        check(any(r["id"] == f"account:{account_id}" for r in results), "search lists the account", results)
        checks += 3

        for record_id in (f"account:{account_id}", f"call:{call_ids[0]}"):
            fetched = json.loads(text_of(await call_ok(session, "fetch", {"id": record_id})))
            check({"id", "title", "text", "url"} <= fetched.keys(), "fetch has id, title, text, url", fetched)
            check(fetched["id"] == record_id, "fetch echoes the id", fetched)
            check(fetched["url"].startswith("http"), "fetch url is a link", fetched)
            check(len(fetched["text"]) > 0, "fetch text is not empty", fetched)
            checks += 4

        # Failures are results with isError, never protocol errors.
        await call_err(session, "fetch", {"id": "opportunity:006"}, "id")
        await call_err(session, "list_account_calls", {"account_id": "not-an-id"}, "account")
        await call_err(session, "get_account_briefing", {"account_id": args.hidden_account_id}, "account")
        await call_err(session, "fetch", {"id": f"account:{args.hidden_account_id}"}, "account")
        checks += 4

    print(f"mcp client: {checks} checks passed")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the /mcp endpoint")
    parser.add_argument("--token", required=True, help="sent as Authorization: Bearer")
    parser.add_argument("--account-name", required=True, help="an account the caller can see")
    parser.add_argument("--hidden-account-id", required=True, help="an account id the caller cannot see")
    args = parser.parse_args()
    try:
        return asyncio.run(run(args))
    except BaseException as error:  # the SDK's task groups wrap failures in exception groups
        failure = find_check_failure(error)
        if failure is None:
            raise
        print(f"mcp client: check failed: {failure}", file=sys.stderr)
        return 1


def find_check_failure(error: BaseException) -> CheckFailed | None:
    """The CheckFailed inside (possibly nested) exception groups, if any."""
    if isinstance(error, CheckFailed):
        return error
    for inner in getattr(error, "exceptions", ()):
        found = find_check_failure(inner)
        if found is not None:
            return found
    return None


if __name__ == "__main__":
    sys.exit(main())

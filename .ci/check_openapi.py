#!/usr/bin/env python3
"""Validates callbrief's OpenAPI document: the OpenAPI 3.1 schema (openapi-spec-validator),
then the rules ChatGPT's GPT Actions editor applies to an imported document."""

import json
import sys

from openapi_spec_validator import validate

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
MAX_SUMMARY = 300
MAX_PARAM_DESCRIPTION = 700


def refs(node, path="$"):
    """Yields (where, target) for every $ref in the document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield path, value
            else:
                yield from refs(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from refs(value, f"{path}[{i}]")


def gpt_rule_errors(doc):
    errors = []
    if not doc.get("openapi", "").startswith("3.1"):
        errors.append(f"openapi version is {doc.get('openapi')!r}, expected 3.1.x")
    if not doc.get("servers"):
        errors.append("servers is empty: GPT actions need the server URL")
    operations = []
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            where = f"{method.upper()} {path}"
            operations.append(op.get("operationId"))
            if not op.get("operationId"):
                errors.append(f"{where}: operationId missing")
            for field in ("summary", "description"):
                text = op.get(field) or ""
                if len(text) > MAX_SUMMARY:
                    errors.append(f"{where}: {field} is {len(text)} characters (max {MAX_SUMMARY})")
            if op.get("x-openai-isConsequential") is not False:
                errors.append(f"{where}: x-openai-isConsequential must be false")
            for param in item.get("parameters", []) + op.get("parameters", []):
                if "$ref" in param:
                    errors.append(f"{where}: parameter is a $ref (the GPT editor skips those)")
                    continue
                text = param.get("description") or ""
                if len(text) > MAX_PARAM_DESCRIPTION:
                    errors.append(
                        f"{where}: parameter {param.get('name')} description is {len(text)} "
                        f"characters (max {MAX_PARAM_DESCRIPTION})"
                    )
    if "getTranscriptsByCallIds" not in operations:
        errors.append("operation getTranscriptsByCallIds missing")
    for where, target in refs(doc):
        if target.startswith("#/components/parameters"):
            errors.append(f"{where}: $ref to {target} (parameters must be inline)")
    schemes = doc.get("components", {}).get("securitySchemes", {})
    if len(schemes) != 1:
        errors.append(f"{len(schemes)} security schemes; the GPT editor accepts exactly one")
    return errors, len(operations)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: check_openapi.py OPENAPI.json")
    with open(sys.argv[1], encoding="utf-8") as f:
        doc = json.load(f)
    errors, count = gpt_rule_errors(doc)
    try:
        validate(doc)
    except Exception as err:  # the validator raises several exception types
        first_line = str(err).splitlines()[0] if str(err) else type(err).__name__
        errors.insert(0, f"not a valid OpenAPI document: {first_line[:400]}")
    if errors:
        for error in errors:
            print(f"openapi: {error}", file=sys.stderr)
        sys.exit(1)
    print(f"openapi: valid OpenAPI {doc['openapi']}, GPT action rules hold for {count} operation(s)")


if __name__ == "__main__":
    main()

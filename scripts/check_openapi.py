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


def gpt_rule_errors(doc, expected_operations=("getTranscriptsByCallIds",)):
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
    for expected in expected_operations:
        if expected not in operations:
            errors.append(f"operation {expected} missing")
    for where, target in refs(doc):
        if target.startswith("#/components/parameters"):
            errors.append(f"{where}: $ref to {target} (parameters must be inline)")
    schemes = doc.get("components", {}).get("securitySchemes", {})
    if len(schemes) != 1:
        errors.append(f"{len(schemes)} security schemes; the GPT editor accepts exactly one")
    for name, scheme in schemes.items():
        if scheme.get("type") == "oauth2":
            flow = scheme.get("flows", {}).get("authorizationCode")
            if not flow:
                errors.append(f"security scheme {name}: OAuth needs the authorizationCode flow")
            elif not (flow.get("authorizationUrl") and flow.get("tokenUrl")):
                errors.append(f"security scheme {name}: authorizationUrl and tokenUrl are required")
    return errors, len(operations)


def main():
    # check_openapi.py OPENAPI.json [OPERATION_ID,...]: the operations that must be present
    # (default getTranscriptsByCallIds; the Salesforce action passes its own).
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: check_openapi.py OPENAPI.json [OPERATION_ID,...]")
    expected = sys.argv[2].split(",") if len(sys.argv) == 3 else ["getTranscriptsByCallIds"]
    with open(sys.argv[1], encoding="utf-8") as f:
        doc = json.load(f)
    errors, count = gpt_rule_errors(doc, expected)
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

"""Parses a Prometheus text exposition with the reference parser (PyPI prometheus-client).

Reads the scrape on stdin and prints one JSON object: {"samples": [{"name", "labels", "value"}]},
the samples of every family. A scrape the parser rejects ends with an error and exit code 1, so
the calling test fails on output Prometheus itself could not read.
"""

import json
import math
import sys

from prometheus_client.parser import text_string_to_metric_families


def main() -> None:
    text = sys.stdin.read()
    samples = []
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            value = sample.value
            samples.append(
                {
                    "family": family.name,
                    "type": family.type,
                    "name": sample.name,
                    "labels": dict(sample.labels),
                    "value": value if math.isfinite(value) else str(value),
                }
            )
    json.dump({"samples": samples}, sys.stdout)


if __name__ == "__main__":
    main()

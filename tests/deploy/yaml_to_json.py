"""Prints every document of the YAML file argv[1] as one JSON array.

The tests of deploy/ (tests/deploy) read manifests through this: PyYAML
(Debian's python3-yaml, on libyaml) is a complete YAML parser, so a manifest
the tests accept is YAML as kubectl and docker compose read it. An error
exits 1 with the parser's message, which names the line and column.
"""
import json
import sys

import yaml

try:
    with open(sys.argv[1], encoding="utf-8") as f:
        documents = [d for d in yaml.safe_load_all(f) if d is not None]
except (OSError, yaml.YAMLError) as e:
    print(f"{sys.argv[1]}: {e}", file=sys.stderr)
    sys.exit(1)
json.dump(documents, sys.stdout)

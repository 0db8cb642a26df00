#!/usr/bin/python3
"""Converts wire bodies with the real Ceilometer 19 (Debian's python3-ceilometer),
exactly as ../shared/conformance/reference/golden.py does: one body a line on
stdin, one {"samples": [...], "events": [...]} a line on stdout. Tests use it to
know what Ceilometer makes of bodies they only see at run time (fresh message
ids and timestamps from the real oslo.messaging Notifier)."""
import json, os, sys
ref = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', 'shared', 'conformance', 'reference'))
sys.path.insert(0, ref)
sys.argv = sys.argv[:1]
import golden  # noqa: E402  (sets up Ceilometer's endpoints with the shipped definitions)

for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    _, samples, events, _ = golden.process(line)
    sys.stdout.write(json.dumps({'samples': samples, 'events': events}, default=golden.to_jsonable) + '\n')

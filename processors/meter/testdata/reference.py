#!/usr/bin/python3
"""Differential reference: runs Ceilometer 19's sample endpoints, as the
conformance corpus's golden.py does, over notification bodies read from
stdin (one JSON string a line) and writes one JSON line per body:
{"samples": [...], "errors": [...]} or {"crash": "..."} when golden.py
itself fails. Set GOLDEN_METERS_DIR to use other meter definitions.

Used by TestDifferential (METERFLOW_DIFFERENTIAL=1); needs Debian's
python3-ceilometer."""
import json
import sys

out = sys.stdout
sys.stdout = sys.stderr  # libraries print (jsonpath-rw-ext's sub() does)
sys.path.insert(0, sys.argv[1])  # the directory of golden.py
import golden  # noqa: E402

for line in sys.stdin:
    body = json.loads(line)
    try:
        prio, samples, events, errors = golden.process(body)
        res = {'samples': samples, 'errors': [e for e in errors if e.startswith('samples/')]}
    except Exception as e:  # golden.py's own limits (e.g. a non-dict payload with the identity fix)
        res = {'crash': '%s: %s' % (type(e).__name__, e)}
    out.write(json.dumps(res, default=golden.to_jsonable) + '\n')
    out.flush()

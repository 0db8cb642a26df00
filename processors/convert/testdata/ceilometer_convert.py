#!/usr/bin/python3
"""Times Ceilometer 19's own sample conversion of one notification type:
every sample endpoint of the notification agent (build_sample), on an
already-decoded notification, as meterflow's BenchmarkCreateEnd/samples does.

usage: ceilometer_convert.py CASES.jsonl EVENT_TYPE N
prints: {"per_second": R, "samples": S}"""
import json, sys, time, logging, os
here = os.path.dirname(os.path.abspath(__file__))
for p in (os.path.join(here, '..', '..', '..', '..', 'shared', 'conformance', 'reference'),):
    sys.path.insert(0, os.path.abspath(p))
sys.argv, args = sys.argv[:1], sys.argv[1:]
import golden  # sets up the endpoints exactly as the golden generator does
logging.disable(logging.CRITICAL)

cases, event_type, n = args[0], args[1], int(args[2])
body = None
for line in open(cases):
    c = json.loads(line)
    if '/%s/clean/' % event_type in c['name']:
        body = c['body']
        break
prio, note = golden.receive(body)
eps = [ep for ep in golden.sample_eps
       if getattr(ep, 'filter_rule', None) is None or ep.filter_rule.match(
           note['ctxt'], note['publisher_id'], note['event_type'], note['metadata'], note['payload'])]
count = 0
t0 = time.perf_counter()
for _ in range(n):
    for ep in eps:
        count += len(list(ep.build_sample(note)))
dt = time.perf_counter() - t0
print(json.dumps({"per_second": n / dt, "samples": count // n}))

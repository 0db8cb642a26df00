#!/usr/bin/python3
"""Differential reference for loading: for each meter definition file read
from stdin (one JSON string of YAML text a line), says whether Ceilometer
19's ProcessMeterNotifications._load_definitions keeps its definitions:
{"names": [...loaded definition names...]} or {"crash": "..."} when loading
raises (Ceilometer's meter endpoint then fails to load altogether).

Used by TestDifferentialLoading (METERFLOW_DIFFERENTIAL=1)."""
import json
import logging
import os
import sys
import tempfile

out = sys.stdout
sys.stdout = sys.stderr
from ceilometer import service  # noqa: E402
from ceilometer.meter import notifications  # noqa: E402

conf = service.prepare_service([], [])
logging.disable(logging.CRITICAL)
d = tempfile.mkdtemp()
conf.set_override('meter_definitions_dirs', [d], group='meter')
handler = notifications.ProcessMeterNotifications.__new__(notifications.ProcessMeterNotifications)
handler.conf = conf
for line in sys.stdin:
    text = json.loads(line)
    with open(os.path.join(d, 'meters.yaml'), 'w') as f:
        f.write(text)
    try:
        defs = handler._load_definitions()
        res = {'names': [str(x.cfg['name']) for x in defs]}
    except BaseException as e:
        res = {'crash': '%s: %s' % (type(e).__name__, e)}
    out.write(json.dumps(res) + '\n')
    out.flush()

#!/usr/bin/python3
"""Writes python.json: what Python 3.11, PyYAML, iso8601 and Ceilometer 19.0.0
(as Debian ships them) make of the inputs the event tests compare with.

python.json holds plain JSON for encoding/json; conversions.json, events
Ceilometer made (with NaN and Infinity where it made them), is read with jsonv.

usage: cd testdata && /usr/bin/python3 gen_python.py"""
import json, math, yaml, datetime
from oslo_utils import timeutils

def jsonable(v):
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return {'float': repr(v)}
    if isinstance(v, (datetime.date, datetime.datetime)):
        return {'timestamp': str(v)}
    if isinstance(v, dict):
        return {'dict': [[jsonable(k), jsonable(x)] for k, x in v.items()]}
    if isinstance(v, list):
        return [jsonable(x) for x in v]
    if isinstance(v, int) and not isinstance(v, bool):
        return {'int': str(v)}
    return v

isos = ['2026-11-02 10:01:07.009973', '2026-11-02T10:01:07.009973', '2026-11-02T10:01:07Z', '2026-11-02T10:01:07+05:30',
        '2026-11-02T10:01:07-0530', '2026-11-02T10:01:07+05', '2026-11-02T10:01:07+05:', '2026-11-02T10:01', '2026-11-02T10',
        '2026-11-02', '2026-11', '2026', '202611', '20261102', '20261102T100107', '20261102T10017', '20261102T101',
        '2026-1-2', '2026-11-02T10:01:07.1234567', '2026-11-02T10:01:07,5', '2026-11-02T10:01:07.0000001',
        '2026-11-02T10:01:07.' + '9' * 40, '2026-11-02T10:01:07.' + '0' * 30 + '5', '2026-11-02T10:01:07.9999995',
        '2026-11-02T10:01:07.' + '9' * 29, '2026-11-02T10:01:07.' + '9' * 27 + '5' + '1',
        '2026-02-29T00:00:00', '2024-02-29T00:00:00', '2026-13-01', '2026-11-31', '2026-11-02T24:00:00', '2026-11-02T10:60:00',
        '2026-11-02T10:01:60', '0000-01-01', '0001-01-01T00:00:00+01:00', '9999-12-31T23:59:59-01:00', '2026-11-02T10:01:07+24:00',
        '2026-11-02T10:01:07+23:59', '2026-11-02T10:01:07+05:99', '2026-11-02T10:01:07-23:99', '2026-11-02T10:01:07\n', '2026\n',
        '2026-11-02T10:01:07\n\n', ' 2026-11-02', '2026-11-02 ', 'now', '', '2026-11-02t10:01:07', '2026-11-02T10:01:07z',
        '2026-11-02T10:01:07.5+01:00', '2026-11-02T1001', '2026-11-02T100107.25', '2026-11-02T10:0107', '2026-11-02T10:01:7',
        '２０２６-11-02', '2026-11-02T10:01:07+0530', '2026-11-02T10:01:07 +05:30', '2026-11-02T10:01:07.000000',
        '2026-11-02T10:01:07.000001Z']
def norm(s):
    try:
        return timeutils.normalize_time(timeutils.parse_isotime(s)).isoformat()
    except Exception as e:
        return None
iso = [[s, norm(s)] for s in isos]

nums = ['12', ' 12 ', '12.5', '-7', '+7', '1_000', '1__000', '_1', '1_', '007', '0x10', '1e3', '1E+3', '.5', '5.', '.', '',
        ' ', 'inf', '-Infinity', 'nan', '-nan', 'NaN', 'infinity ', '1_0.5', '1.0_5', '1e1_0', '1_e5', '1._5', '١٢', '١٢.٥',
        '\u20035\u2003', '\x1c5', '5\x1f', '１２', '99999999999999999999', '-99999999999999999999', '1e500', '-1e500', '1e-500',
        '0.1', '12a', 'a12', '- 1', '++1', '0b1', '1 2', '\t12\n', '\x0b12\x0c', '12\x85', '12\xa0', '²', '1,5', 'Infinityx',
        'in', '1e', '1e+', 'e5', '0000', '-0', '+0.0', '9' * 30, '1' * 4301, '1' * 4300]
def conv(f, s):
    try:
        v = f(s)
        return jsonable(v)
    except Exception as e:
        return {'error': type(e).__name__}
num = [[s, conv(int, s), conv(float, s)] for s in nums]
valconv = [[jsonable(v), conv(int, v), conv(float, v)] for v in [True, False, 1.9, -1.9, 1e300, 2**70, 0.0, -0.0]]

scalars = ['yes', 'No', 'ON', 'off', 'y', 'n', 'True', 'TRUE', 'tRue', '1', '-1', '+1', '0', '-0', '017', '08', '0x1F', '0b101',
           '0b1_0', '1_000', '1:30', '-1:30', '190:20:30', '1.5', '1.', '.5', '1e3', '1.5e+3', '1.5e3', '-.inf', '.Inf', '.NaN',
           '1:30.5', '~', 'null', 'Null', 'NULL', 'nULL', '', '2026-11-02', '2026-11-02 10:01:07', '2026-11-2T1:01:07Z',
           '0_', '=', 'abc', '12_', '0o17', '+.5', '-1_0.5_', '1__0']
def load(s):
    try:
        return jsonable(yaml.safe_load('v: ' + s)['v'])
    except Exception as e:
        return {'error': type(e).__name__}
ys = [[s, load(s)] for s in scalars]

docs = {
    'merge_list': 'a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  <<: [*a, *b]\n  w: 3\n',
    'merge_override': 'a: &a {x: 1, y: 1}\nc:\n  y: 5\n  <<: *a\n',
    'dup_keys': 'a: 1\nb: 2\na: 3\n',
    'num_keys': '1: a\ntrue: b\n1.0: c\n',
    'nested_merge': 'a: &a {x: 1}\nb: &b\n  <<: *a\n  y: 2\nc:\n  <<: *b\n  z: 3\n',
    'quoted': "a: '1'\nb: \"yes\"\nc: !!str 5\nd: !!int '7'\ne: |\n  x\n",
}
yd = {k: jsonable(yaml.safe_load(v)) for k, v in docs.items()}

definition_files = [
 "[]", "{}", "''", "", "5", "null", "- a", "- {}", "- {event_type: a}", "- {traits: {}}",
 "- {event_type: a, traits: {}}", "- {event_type: a, traits: []}", "- {event_type: a, traits: ''}", "- {event_type: a, traits: null}",
 "- {event_type: a, traits: [x]}", "- {event_type: a, traits: x}", "- {event_type: 5, traits: {}}", "- {event_type: [a, 5], traits: {}}",
 "- {event_type: {a: 1}, traits: {}}", "- {event_type: null, traits: {}}", "- {event_type: [], traits: {}}",
 "- {event_type: a, traits: {t: x.y}}", "- {event_type: a, traits: {t: 5}}", "- {event_type: a, traits: {t: null}}",
 "- {event_type: a, traits: {t: 1.5}}", "- {event_type: a, traits: {t: [a, b]}}", "- {event_type: a, traits: {t: []}}",
 "- {event_type: a, traits: {t: [null, a]}}", "- {event_type: a, traits: {t: [5, a]}}", "- {event_type: a, traits: {t: {fields: a, type: 5}}}",
 "- {event_type: a, traits: {t: {fields: a, type: null}}}", "- {event_type: a, traits: {t: {fields: a, type: none}}}",
 "- {event_type: a, traits: {t: {fields: a, type: Text}}}", "- {event_type: a, traits: {t: {fields: a, type: date}}}",
 "- {event_type: a, traits: {t: {type: int}}}", "- {event_type: a, traits: {t: {fields: a, plugin: split}}}",
 "- {event_type: a, traits: {t: {fields: a, plugin: bogus}}}", "- {event_type: a, traits: {t: {fields: a, plugin: 5}}}",
 "- {event_type: a, traits: {t: {fields: a, plugin: null}}}", "- {event_type: a, traits: {t: {fields: a, plugin: [split]}}}",
 "- {event_type: a, traits: {t: {fields: a, plugin: {name: split, parameters: [1]}}}}",
 "- {event_type: a, traits: {t: {fields: a, plugin: {name: split, parameters: {1: 2}}}}}",
 "- {event_type: a, traits: {t: {fields: a, plugin: {name: split, parameters: {segment: x}}}}}",
 "- {event_type: a, traits: {t: {fields: a, plugin: {name: split, parameters: {max_split: x}}}}}",
 "- {event_type: a, traits: {t: {fields: a, plugin: {name: timedelta, parameters: {x: 1}}}}}",
 "- {event_type: a, traits: {t: {fields: a, plugin: {name: bitfield, parameters: {flags: 5}}}}}",
 "- {event_type: a, traits: {t: {fields: 'a[', plugin: split}}}", "- {event_type: a, traits: {t: {fields: '$.a'}}}",
 "- {event_type: a, traits: {t: {fields: 'a.`len`'}}}", "- {event_type: a, traits: {t: {fields: 'a.`bogus`'}}}",
 "- {event_type: a, traits: {t: {fields: [a, 'b)|(c']}}}", "- {event_type: a, traits: {t: {fields: a, type: datetime}}, x: 1}",
 "- {event_type: a, traits: {5: a}}", "- {event_type: a, traits: {t: {fields: true, type: datetime}}}",
 "- {event_type: a, traits: {t: {fields: 5, type: float}}}", "- {event_type: '!', traits: {}}", "- {event_type: '[', traits: {}}",
 "a: &a [*a]", "- event_type: a\n  traits: {t: !!binary aGVsbG8=}", "- {event_type: a, traits: {t: {fields: [a]}}}",
 "- {event_type: a, traits: {t: {fields: {a: 1}}}}", "- {event_type: a, traits: {t: {fields: 2020-01-01}}}",
 "- {event_type: a, traits: {t: {fields: [None, a]}}}", "- {event_type: a, traits: {t: {fields: [true, a]}}}",
]

def ceilometer_loads(text):
    """Whether Ceilometer 19's NotificationEventsConverter accepts the file."""
    import logging
    from ceilometer import service
    from ceilometer.event import converter
    from stevedore import extension
    logging.disable(logging.CRITICAL)
    global _conf, _mgr
    if '_conf' not in globals():
        _conf = service.prepare_service([], [])
        _mgr = extension.ExtensionManager(namespace='ceilometer.event.trait_plugin')
    try:
        converter.NotificationEventsConverter(_conf, yaml.safe_load(text), _mgr)
        return True
    except Exception:
        return False
loads = [[s, ceilometer_loads(s)] for s in definition_files]

conversion_definitions = """
- event_type: x.text
  traits: {t: {fields: payload.v}}
- event_type: x.int
  traits: {t: {type: int, fields: payload.v}}
- event_type: x.float
  traits: {t: {type: float, fields: payload.v}}
- event_type: x.datetime
  traits: {t: {type: datetime, fields: payload.v}}
- event_type: x.none
  traits: {t: {type: none, fields: payload.v}}
- event_type: x.split
  traits:
    t: {fields: [payload.v, payload.w], plugin: {name: split, parameters: {separator: '-', segment: 1}}}
    u: {fields: payload.v, plugin: {name: split, parameters: {separator: null, segment: -1, max_split: 1}}}
- event_type: x.bitfield
  traits:
    t:
      type: int
      fields: [payload.v, payload.w, 'payload.list[*]']
      plugin:
        name: bitfield
        parameters:
          initial_bitfield: 256
          flags:
            - {path: payload.v, bit: 0, value: 1}
            - {path: payload.w, bit: 1}
            - {path: payload.v, bit: 2, value: [1, 2]}
            - {path: 'payload.list.[1]', bit: 3, value: x}
- event_type: x.timedelta
  traits: {t: {type: float, fields: [payload.v, payload.w], plugin: timedelta}}
- event_type: x.paths
  traits:
    a: {fields: 'payload.list[*]'}
    b: {fields: 'payload.v.a', type: int}
    c: {fields: ['payload.nothing', 'payload.v']}
"""
conversion_values = ['12', ' 12 ', '12.5', '-7', '1_000', '', 'abc', '1e3', 'inf', 'nan', '١٢', '１２',
    '2026-11-02 10:01:07.009973', '2026-11-02T10:01:07+05:30', '2026-11-02T10:01:07Z', '2026', '20261102T100107',
    '2026-11-02T10:01:07.9999999', 'a-b-c', ' a  b  c ', 'x' * 300, 'é' * 300, 'a-b', '-', '1,5',
    0, 1, -1, 12.7, -12.7, 1e16, 1e-5, 0.1, 2**70, -2**70, 1e300, True, False, None,
    [], [1, 2], ['a', None, True], {}, {'a': 1}, {'a': {'b': [1.5, 'x']}}, {'a': '7'}]
conversion_docs = []
for et in ['x.text', 'x.int', 'x.float', 'x.datetime', 'x.none', 'x.split', 'x.bitfield', 'x.timedelta', 'x.paths']:
    for v in conversion_values:
        conversion_docs.append({'event_type': et, 'payload': {'v': v}})
    for w in ['2026-11-02 10:00:00', 'q-r', 5, None]:
        for v in ['2026-11-02T11:00:00.5', 1, [1, 2]]:
            conversion_docs.append({'event_type': et, 'payload': {'v': v, 'w': w, 'list': ['p', 'x', None]}})

def conversions():
    import copy
    from ceilometer.event import converter
    ceilometer_loads('[]')  # sets up _conf and _mgr
    conv = converter.NotificationEventsConverter(_conf, yaml.safe_load(conversion_definitions), _mgr)
    out = []
    for d in conversion_docs:
        n = dict(d, publisher_id='compute.host-1', ctxt={'request_id': 'req-1'},
                 metadata={'message_id': 'm-1', 'timestamp': '2026-11-02 10:01:07.009973'})
        body = json.dumps(n)
        try:
            ev = conv.to_event('info', copy.deepcopy(n))
            out.append([body, json.loads(json.dumps(ev.as_dict(), default=lambda o: o.isoformat()))])
        except Exception as e:
            out.append([body, {'error': type(e).__name__}])
    return out

with open('conversions.json', 'w') as f:
    json.dump({'conversion_definitions': conversion_definitions, 'conversions': conversions()}, f, ensure_ascii=False, indent=0)
    f.write('\n')
with open('python.json', 'w') as f:
  print(json.dumps({'loads': loads, 'iso': iso, 'num': num, 'valconv': valconv, 'yaml_scalars': ys,
                  'yaml_docs': [[k, docs[k], yd[k]] for k in docs]}, ensure_ascii=False, indent=0), file=f)

#!/usr/bin/python3
"""Writes python.json: which definition files Ceilometer 19.0.0 (as Debian
ships it, with Python 3.11 and PyYAML) loads, and conversions.json: events
it makes. (Python's int() and float(), safe_load and parse_isotime on their
own are compared in packages py, pyyaml and pytime.)

python.json holds plain JSON for encoding/json; conversions.json, events
Ceilometer made (with NaN and Infinity where it made them), is read with jsonv.

usage: cd testdata && /usr/bin/python3 gen_python.py"""
import json, yaml

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
  print(json.dumps({'loads': loads}, ensure_ascii=False, indent=0), file=f)

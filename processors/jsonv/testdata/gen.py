#!/usr/bin/python3
"""Generates cases.json: what Python 3.11's json.loads, json.dumps, repr() and
str() make of each input. Run from this directory with /usr/bin/python3."""
import json
import random
import struct

INPUTS = [
    'null', 'true', 'false', '0', '-0', '1', '-1', '255', '256',
    '9223372036854775807', '9223372036854775808', '-9223372036854775808',
    '-9223372036854775809', '123456789012345678901234567890',
    '0.0', '-0.0', '1.0', '20.0', '0.1', '1.5', '1e5', '1E5', '1e+20', '1e16',
    '1e15', '123456789012345678.0', '1e-4', '1e-5', '0.0001', '0.00001',
    '1.7976931348623157e308', '1e400', '-1e400', '5e-324', '1e-400',
    '3.141592653589793', '100.5', '1234567890123456.7', '12345678901234567.0',
    'NaN', 'Infinity', '-Infinity', '[NaN, Infinity, -Infinity]',
    '""', '"abc"', '"a\\"b"', '"a\\\\b"', '"\\/"', '"\\b\\f\\n\\r\\t"',
    '"\\u0000\\u001f\\u007f"', '"\\u00e9\\u4e2d"', '"\\ud83d\\ude00"', '"\u00e9\u4e2d\U0001F600"',
    '"it\'s"', '"say \\"hi\\""', '"both \' and \\""', '"\\u0085\\u00a0\\u2028\\u200b"',
    '[]', '{}', '[1, 2, [3, {}]]', ' \t\n\r[ 1 , 2 ] \n',
    '{"a": 1, "b": [null, true], "c": {"d": "e"}}',
    '{"a": 1, "b": 2, "a": 3}', '{"z": 1, "a": 2, "m": 3}',
    '{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17,"k3":"dup","k18":18}',
    '{"": "", "a b": "c.d", "\\u00e9": 1}',
    # errors
    '', ' ', '[', ']', '[1,]', '{"a":1,}', '{"a" 1}', '{a:1}', '01', '1.', '.5', '1e', '-', '--1',
    '+1', 'nan', 'inf', '-NaN', 'tru', 'nul', '"abc', '"\\x"', '"\\u12"', '"\\u12g4"', '"a\tb"',
    '[1] x', '{"a":1}{', "'a'", '[1 2]', '-Infinityx',
]

cases = []
for s in INPUTS:
    c = {'input': s}
    try:
        v = json.loads(s)
    except (ValueError, RecursionError) as e:
        c['error'] = str(e)
    else:
        c['repr'] = repr(v)
        c['str'] = str(v)
        c['json'] = json.dumps(v, separators=(',', ':'), ensure_ascii=False)
    cases.append(c)

with open('cases.json', 'w') as f:
    json.dump(cases, f, indent=1, ensure_ascii=False)
    f.write('\n')

# floats.json: [float.hex(), repr(), json.dumps()] for random bit patterns
# and powers of ten, checking Python's shortest-repr formatting.
random.seed(19)
floats = [struct.unpack('<d', struct.pack('<Q', random.getrandbits(64)))[0]
          for _ in range(2000)]
floats += [m * 10.0 ** e for e in range(-25, 25) for m in (1, 1.5, 9.999999, 123456789.123)]
floats += [float('inf'), float('-inf'), float('nan'), 0.0, -0.0, 5e-324, 1e16, 1e15, 1e-4, 1e-5]
with open('floats.json', 'w') as f:
    json.dump([[x.hex(), repr(x), json.dumps(x)] for x in floats], f, indent=0)
    f.write('\n')

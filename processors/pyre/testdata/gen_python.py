#!/usr/bin/python3
"""Writes python.json: what Python 3.11's re module (as Debian ships it)
makes of the patterns the tests of package pyre compare with: for each
pattern its number of groups and named groups, or the exception
re.compile raises, and for each text whether re.match matches and, if so,
the groups.

usage: cd testdata && /usr/bin/python3 gen_python.py"""
import json, re

patterns = {
    'compute.instance.(?!create.start|update).*': ['compute.instance.create.end', 'compute.instance.create.start',
                                                   'compute.instance.update', 'compute.instance.updated'],
    'volume.create.*': ['volume.create.end', 'xvolume.create.end'],
    'hardware.ipmi.*': ['hardware.ipmi'],
    'http.request': ['http.requests', 'http.request', 'xhttp.request'],
    'a$': ['a\n', 'a', 'a\n\n'],
    'a\\Z': ['a\n', 'a'],
    '(?P<x>a)(?P=x)': ['aa', 'ab'],
    '(?P<x>a)(b)(?P<y>c)(?P=y)(?P=x)': ['abcca', 'abcc'],
    '(a)(?P<n>b)\\2\\1': ['abba', 'abab'],
    '[(?P<]x': ['Px', '(x', 'x'],
    '[]a]+': [']a]', 'b'],
    '[^]a]+': ['bc', ']'],
    '[\\]]': [']'],
    '\\\\Z': ['\\Z', 'Z'],
    '[\\Z]': ['Z', ''],
    '\\d+': ['\u0663', '12', 'x'],
    '\\w+': ['é', '_'],
    '(?i)COMPUTE': ['compute'],
    'a|ab': ['ab'],
    '(a|ab)(c|bcd)(d*)': ['abcd'],
    '(?<=a)b': ['ab', 'b'],
    '(?:x)(y)': ['xy'],
    '(?P<a1>x)(?P<_b>y)': ['xy'],
    '(?P<x': ['x'],
    '(?P=x)': ['x'],
    '(?P<x>a)(?P=x': ['aa'],
    '(?P<x>a)(?P=y)': ['aa'],
    'b(': ['b'],
    '': ['', 'x'],
    '.*': ['\n', 'x'],
    '(a+)+$': ['aaaa'],
}

def result(p, s):
    try:
        m = re.match(p, s)
    except re.error as e:
        return {'error': str(e)}
    return list(m.groups()) if m else False

out = []
for p, texts in patterns.items():
    try:
        c = re.compile(p)
        info = {'groups': c.groups, 'names': dict(c.groupindex)}
    except re.error as e:
        info = {'error': str(e)}
    out.append([p, info, [[s, result(p, s)] for s in texts]])

with open('python.json', 'w') as f:
    print(json.dumps(out, ensure_ascii=False, indent=0), file=f)

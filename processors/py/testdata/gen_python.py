#!/usr/bin/python3
"""Writes python.json: what Python 3.11 (as Debian ships it) makes of the
inputs the tests of package py compare with.

usage: cd testdata && /usr/bin/python3 gen_python.py"""
import json, math, sys

def jsonable(v):
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return {'float': repr(v)}
    if isinstance(v, int) and not isinstance(v, bool):
        return {'int': str(v)}
    return v

def conv(f, s):
    try:
        return jsonable(f(s))
    except Exception as e:
        return {'error': type(e).__name__}

nums = ['12', ' 12 ', '12.5', '-7', '+7', '1_000', '1__000', '_1', '1_', '007', '0x10', '1e3', '1E+3', '.5', '5.', '.', '',
        ' ', 'inf', '-Infinity', 'nan', '-nan', 'NaN', 'infinity ', '1_0.5', '1.0_5', '1e1_0', '1_e5', '1._5', '١٢', '١٢.٥',
        '\u20035\u2003', '\x1c5', '5\x1f', '１２', '99999999999999999999', '-99999999999999999999', '1e500', '-1e500', '1e-500',
        '0.1', '12a', 'a12', '- 1', '++1', '0b1', '1 2', '\t12\n', '\x0b12\x0c', '12\x85', '12\xa0', '²', '1,5', 'Infinityx',
        'in', '1e', '1e+', 'e5', '0000', '-0', '+0.0', '9' * 30, '1' * 4301, '1' * 4300,
        # from meter's VolumeOK tests
        '1', '1.5', '+NaN', '1.5_5', '\uff11\uff12', '\u00a012\u2003', '1e400', '\u001c1\u001f', '--1', '+-1', '1.5e+3',
        '1E-2', 'in f', '\u0661\u0662\u0663', 'abc', '  ', '1e', '-_1', '+_1', '1_2_3', '𝟏𝟐', '1\u180e', '\u180e1', '12\x7f']
num = [[s, conv(int, s), conv(float, s)] for s in nums]
valconv = [[jsonable(v), conv(int, v), conv(float, v)] for v in [True, False, 1.9, -1.9, 1e300, 2**70, 0.0, -0.0]]

isspace = [c for c in range(sys.maxunicode + 1) if chr(c).isspace()]

splits = []
for s in ['a b c', '  a  b  c  ', '', '   ', 'a\u3000b\x1cc\x85d', 'abc', ' a\tb\n']:
    for n in [-1, 0, 1, 2, 5]:
        splits.append([s, n, s.split(None, n)])

with open('python.json', 'w') as f:
    print(json.dumps({'num': num, 'valconv': valconv, 'isspace': isspace, 'split': splits},
                     ensure_ascii=False, indent=0), file=f)

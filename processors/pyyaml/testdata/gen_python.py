#!/usr/bin/python3
"""Writes python.json: what PyYAML's safe_load (6.0, as Debian ships it for
Python 3.11) makes of the scalars and documents the tests of package
pyyaml compare with: the value, or the class of the exception raised.

usage: cd testdata && /usr/bin/python3 gen_python.py"""
import datetime, json, math, yaml

def jsonable(v):
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return {'float': repr(v)}
    if isinstance(v, bytes):
        return {'bytes': v.decode('latin-1')}
    if isinstance(v, datetime.datetime):
        return {'datetime': str(v)}
    if isinstance(v, datetime.date):
        return {'date': str(v)}
    if isinstance(v, dict):
        return {'dict': [[jsonable(k), jsonable(x)] for k, x in v.items()]}
    if isinstance(v, list):
        return [jsonable(x) for x in v]
    if isinstance(v, int) and not isinstance(v, bool):
        return {'int': str(v)}
    return v

def load(doc):
    try:
        return jsonable(yaml.safe_load(doc))
    except RecursionError:
        return {'error': 'RecursionError'}
    except Exception as e:
        return {'error': type(e).__name__}

scalars = ['yes', 'No', 'ON', 'off', 'y', 'n', 'True', 'TRUE', 'tRue', '1', '-1', '+1', '0', '-0', '017', '08', '0x1F', '0b101',
           '0b1_0', '1_000', '1:30', '-1:30', '190:20:30', '1.5', '1.', '.5', '1e3', '1.5e+3', '1.5e3', '-.inf', '.Inf', '.NaN',
           '1:30.5', '~', 'null', 'Null', 'NULL', 'nULL', '', '2026-11-02', '2026-11-02 10:01:07', '2026-11-2T1:01:07Z',
           '0_', '=', 'abc', '12_', '0o17', '+.5', '-1_0.5_', '1__0', '<<', '"<<"', "'='", '0755', '0x_1', '99999999999999999999',
           '-0b11', '+0x10', '1_0:3_0', '!!int --5', '!!int "1:-99"', '!!int 0x-5', '!!int abc', '!!bool maybe',
           '!!float abc', '!!float 1e3', '!!str 5', '!!null foo', '!!timestamp abc', '!!timestamp 2026-11-02', '!foo 1',
           '!!binary aGVsbG8=', '!!merge <<', '!!int "7"', '"yes"', '|\n  x', '>-\n  x\n  y']
ys = [[s, load('v: ' + s)] for s in scalars]

def nest(n):
    return 'a: ' + '[' * n + ']' * n + '\n'
def chain(n):
    s = 'm0: &m0 {x0: 0}\n'
    for i in range(1, n):
        s += 'm%d: &m%d {<<: *m%d, x%d: %d}\n' % (i, i, i - 1, i, i)
    return s
docs = {
    'merge_list': 'a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  <<: [*a, *b]\n  w: 3\n',
    'merge_override': 'a: &a {x: 1, y: 1}\nc:\n  y: 5\n  <<: *a\n',
    'merge_before_own': 'a: &a {x: 1}\nc: {x: 2, <<: *a}\n',
    'merge_nested': 'a: &a {x: 1}\nb: &b\n  <<: *a\n  y: 2\nc:\n  <<: *b\n  z: 3\n',
    'merge_of_merge_list': 'a: &a {x: 1}\nb: &b {<<: *a, y: 2}\nc: {<<: [*b], z: 3}\n',
    'merge_chain_110': chain(110),
    'merge_quoted_key': 'a: &a {x: 1}\nb: {"<<": *a, y: 2}\n',
    'merge_tagged_quoted_key': 'a: &a {x: 1}\nb: {!!merge "<<": *a, y: 2}\n',
    'merge_of_a_scalar': 'a: 1\nb:\n  <<: 5\n',
    'merge_of_scalars': 'b:\n  <<: [5]\n',
    'merge_as_a_value': 'a: <<\n',
    'merge_in_a_list': 'a: [<<]\n',
    'dup_keys': 'a: 1\nb: 2\na: 3\n',
    'num_keys': '1: a\ntrue: b\n1.0: c\n',
    'null_keys': '~: a\nnull: b\n',
    'date_keys': '2026-11-02: a\n2026-11-02: b\n',
    'value_key': '=: 1\nb: {=: 2}\n',
    'value_as_a_value': 'a: =\n',
    'value_in_a_list': 'a: [=]\n',
    'quoted': "a: '1'\nb: \"yes\"\nc: !!str 5\nd: !!int '7'\ne: |\n  x\n",
    'aliases': 'a: &x [1, 2]\nb: *x\nc: {k: *x}\n',
    'empty': '',
    'comments_only': '# nothing\n',
    'explicit_null': '---\n',
    'tilde': '~\n',
    'list': '- a\n- 1\n',
    'two_documents': 'a: 1\n---\nb: 2\n',
    'duplicate_anchor': 'a: &x 1\nb: &x 2\nc: *x\n',
    'unknown_alias': 'a: *nope\n',
    'unhashable_list_key': '? [a]\n: 1\n',
    'unhashable_map_key': '? {a: 1}\n: 1\n',
    'unknown_tag': 'a: !foo 1\n',
    'unknown_seq_tag': 'a: !foo [1]\n',
    'seq_tag': 'a: !!seq [1]\n',
    'map_tag': 'a: !!map {b: 1}\n',
    'syntax': 'a: [1\n',
    'invalid_date': 'a: 2026-13-45\n',
    'recursive_list': 'a: &a [*a]\n',
    'nest_490': nest(490),
    'nest_510': nest(510),
}
yd = [[k, v, load(v)] for k, v in docs.items()]

with open('python.json', 'w') as f:
    print(json.dumps({'scalars': ys, 'docs': yd}, ensure_ascii=False, indent=0), file=f)

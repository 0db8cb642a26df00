#!/usr/bin/python3
"""Writes python.json: what oslo_utils.timeutils and iso8601 1.x (as Debian
ships them, under Python 3.11) make of the inputs the tests of package
pytime compare with: for each string, parse_isotime(s).isoformat(),
normalize_time(parse_isotime(s)).isoformat() and the instant in
microseconds since the epoch, or the class of the exception raised.

usage: cd testdata && /usr/bin/python3 gen_python.py"""
import datetime, json, random
from oslo_utils import timeutils

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
        '2026-11-02T10:01:07.000001Z',
        # from meter's tests
        '2026-11-05T12:3', '2026-11-05T1230', '2026-11-05 12:30:00+99', '2026-11-05T00:00:00.999999999999999999999999999999',
        '2026-11-05T00:00:00.123456999999999999999999999999', '2026-11-05T00:00:00.1234569999999999999999999994',
        '2026-11-05T00:00:00.0000000000000000000000000000009999', '2026-11-05T00:00:00-00:00', '2026-11-05T00:00:00-05',
        '2026-11-05T23:60', '2026-11-05 12:30:00.', '0000-13-01T10:01:07+24:00', '2016-03-02T15:004:32',
        '0001-01-01T00:00:00', '9999-12-31T23:59:59.999999', '0001-01-01T00:00:00-01:00', '9999-12-31T23:59:59+00:01']

# Random timestamps, most of them well formed, built from the parts
# ISO8601_REGEX reads, each part sometimes left out or malformed.
rng = random.Random(20261102)
def maybe(p, part, bad=''):
    r = rng.random()
    return part if r < p else (bad if r < p + 0.03 else '')
for _ in range(1500):
    d = lambda n, hi: str(rng.randrange(hi)).zfill(n)
    s = rng.choice(['2026', '0001', '9999', '2024', '1970', '2026', '0000'])
    s += maybe(0.9, rng.choice(['-' + d(2, 14), '-' + str(rng.randrange(1, 13)), d(2, 13)]), '/')
    s += maybe(0.85, rng.choice(['-' + d(2, 32), '-' + str(rng.randrange(1, 32)), d(2, 32)]))
    s += maybe(0.8, rng.choice('T T ') + d(2, 25), rng.choice(['t', 'T1', 'T123']))
    s += maybe(0.8, rng.choice([':', ':', '']) + d(2, 61))
    s += maybe(0.7, rng.choice([':', ':', '']) + rng.choice([d(2, 61), d(1, 10)]))
    s += maybe(0.5, rng.choice('..,') + ''.join(rng.choice('0123456789999') for _ in range(rng.randrange(1, 12))), '.')
    s += maybe(0.5, rng.choice(['Z', '+' + d(2, 25) + ':' + d(2, 61), '-' + d(2, 25) + d(2, 61), '+' + d(2, 25), '-' + d(2, 24) + ':']), 'z')
    s += maybe(0.05, '\n', ' ')
    isos.append(s)

def outcome(f):
    try:
        return f()
    except Exception as e:
        return {'error': type(e).__name__}

epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
iso = [[s,
        outcome(lambda: timeutils.parse_isotime(s).isoformat()),
        outcome(lambda: timeutils.normalize_time(timeutils.parse_isotime(s)).isoformat()),
        outcome(lambda: (timeutils.parse_isotime(s) - epoch) // datetime.timedelta(microseconds=1))]
       for s in dict.fromkeys(isos)]
nonstrings = [[v, outcome(lambda: timeutils.parse_isotime(v).isoformat())] for v in [None, 20261102, 1.5, True, [], {}]]

with open('python.json', 'w') as f:
    print(json.dumps({'iso': iso, 'nonstrings': nonstrings}, ensure_ascii=False, indent=0), file=f)

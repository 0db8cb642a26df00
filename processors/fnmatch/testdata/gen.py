#!/usr/bin/python3
"""Regenerates vectors.json: fnmatch.fnmatch answers of the real Python.
Run: /usr/bin/python3 testdata/gen.py > testdata/vectors.json"""
import fnmatch, json
patterns = ['*', 'compute.instance.*', '!x', 'a?c', '[abc]x', '[!abc]x', '[a-c]*', '[]]', '[!]]', '[',
            'a[', '*.end', 'image.*.end', '[z-a]', 'a*b*c', '\\*', '.*', 'x[.]y', '[-a]', '[a-]', 'é*', '*?']
names = ['', 'a', 'abc', 'ax', 'bx', 'dx', 'compute.instance.create.end', 'compute.instancex', ']', '[', 'a[',
         'x.end', 'image.upload.end', 'image..end', 'aXbYc', '*', '\\*', 'x.y', 'xzy', '-', 'é', 'éa', 'a\nb']
out = [[p, n, fnmatch.fnmatch(n, p)] for p in patterns for n in names]
print(json.dumps(out, ensure_ascii=False))

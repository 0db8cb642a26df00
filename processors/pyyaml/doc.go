// Package pyyaml reads YAML as Ceilometer reads its definition files, with
// PyYAML's yaml.safe_load, and keeps the line of every value for messages.
//
// What safe_load does and yaml.v3 on its own does not:
//
//   - YAML 1.1 scalars: yes/no/on/off are booleans, 0755 is octal, 0b101
//     binary, 1:30 sexagesimal (90), 1_000 is 1000, 1e3 (no dot) is a
//     string, 2020-01-01 a date.
//   - Merge keys (<<) flattened as PyYAML's flatten_mapping does: merged
//     pairs first, so that a mapping's own keys win, and of a list of merged
//     mappings the first listed wins.
//   - Duplicate keys allowed, as in a Python dict: the first position, the
//     last value, with 1, 1.0 and true the same key.
//   - A repeated anchor, a second document, an unhashable key (a list or a
//     mapping), a tag with no safe constructor, and a plain << or = used as
//     a value are errors.
//
// yaml.v3 does the parsing; only its node tree is used, never its own
// scalar resolution. Aliases are shared, not copied, and Value.Size counts
// a value with its aliases expanded, so that callers can refuse "billion
// laughs" documents; nesting deeper than Python's recursion limit allows
// and merge keys that bring more than MaxSize pairs are errors.
package pyyaml

// Package pyre runs Python 3.11 regular expressions (the re module) on
// regexp2, which backtracks like Python's re: the same leftmost-first
// alternation, lookarounds and backreferences, Unicode \d \w \s, and a $
// that also matches before a final newline.
//
// Translate rewrites the little syntax Python has and .NET's lacks; Compile
// and Regexp.Match are re.match for patterns that only need to match.
package pyre

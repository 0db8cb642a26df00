package jsonpath

import "time"

// RegexBudget bounds the time all the regular-expression matches of one
// evaluation take together (a `~` filter over a long list, `sub` over many
// values). RegexTimeout bounds each match, but a payload list of strings
// that each stay just below it could otherwise hold one evaluation for
// hours. Python has no such bound. Default: 1 second.
const RegexBudget = time.Second

var errRegexBudget = &pyErr{"LimitExceeded", "regular expressions ran longer than RegexBudget (" +
	RegexBudget.String() + ") in one evaluation"}

// regex runs one regular-expression match of the evaluation and charges
// its time to the budget; once the budget is spent, the evaluation fails
// before running another.
func (e *evaluator) regex(match func() error) error {
	if e.regexSpent > RegexBudget {
		return errRegexBudget
	}
	start := time.Now()
	err := match()
	e.regexSpent += time.Since(start)
	return err
}

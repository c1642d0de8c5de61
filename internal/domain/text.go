package domain

import "github.com/firstkey/firstkey/internal/safetext"

// checkText refuses a text property that is not valid UTF-8 or holds control
// characters, naming the property: PostgreSQL cannot store the first, and in a
// name either can disguise what an administrator reads in a list or a log.
// multiline allows tabs and line breaks (a description).
func checkText(property, s string, multiline bool) error {
	if err := safetext.Check(s, multiline); err != nil {
		return Invalid("%s %s.", property, err)
	}
	return nil
}

// checkLines applies checkText to single-line properties given as name, value
// pairs, in order.
func checkLines(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := checkText(pairs[i], pairs[i+1], false); err != nil {
			return err
		}
	}
	return nil
}

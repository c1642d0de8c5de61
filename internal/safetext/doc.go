// Package safetext checks and cleans text that arrives from outside — URLs,
// form fields, JSON bodies, headers — before it is stored, logged or echoed.
//
// PostgreSQL refuses text that is not valid UTF-8 or holds a NUL character;
// SQLite stores it. Checking at the boundary gives the client a 400 that names
// the problem instead of a database error, and makes both backends hold the
// same text. Clean is for what must be kept whatever it holds (a User-Agent in
// the sign-in log): it makes it valid, printable and bounded.
package safetext

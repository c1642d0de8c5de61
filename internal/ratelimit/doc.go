// Package ratelimit keeps per-key allowances in memory, for limits that one
// replica may count on its own (the Graph API's per-caller throttle) and as a
// cheap first gate in front of limits kept in the database.
package ratelimit

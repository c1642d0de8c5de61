package cli

import (
	"time"

	"github.com/firstkey/firstkey/internal/server"
)

// ClockLevel is the level doctor gives PostgreSQL's clock at server when this
// machine's reads local: a database's clock cannot be set from a test.
func ClockLevel(server_, local time.Time) (level, message, fix string) {
	d := &doctorReport{}
	checkClock(d, server.DatabaseState{Kind: "postgres", ServerTime: server_, LocalTime: local}, nil)
	f := d.Findings[0]
	return f.Level, f.Message, f.Fix
}

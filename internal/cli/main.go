package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/firstkey/firstkey/internal/domain"
)

// Exit codes that scripts can rely on. They are listed in `firstkey --help`.
const (
	ExitOK        = 0 // success
	ExitError     = 1 // anything else: storage, configuration, I/O
	ExitUsage     = 2 // bad command line: unknown command or flag, missing or malformed argument
	ExitNotFound  = 3 // the user, group, pass or application named does not exist
	ExitForbidden = 4 // the --as user may not do this, or is unknown or disabled
	ExitRejected  = 5 // a directory rule refused the change (invalid value, conflict, policy)
	ExitPartial   = 6 // tap bulk: some rows failed, the others are in place
)

// Main runs the firstkey command line with args (without the program name) and
// returns the process exit code. SIGINT and SIGTERM cancel the running command;
// `serve` then shuts down gracefully.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// After the first signal, restore the default handling so that a second
		// one ends a shutdown that hangs.
		<-ctx.Done()
		stop()
	}()
	return execute(ctx, args, stdin, stdout, stderr)
}

// Run is Main with the caller's context instead of the process's signals: an
// embedding program (or a test driving firstkey as a person would) stops
// `serve` by cancelling ctx.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return execute(ctx, args, stdin, stdout, stderr)
}

func execute(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	g := &globals{stdin: stdin, stdout: stdout, stderr: stderr}
	root := newRoot(g)
	if args == nil {
		args = []string{} // nil would make cobra read os.Args
	}
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	code := exitCode(err, g.ran)
	msg := oneLine(err.Error())
	if code == ExitUsage && cmd != nil {
		msg += fmt.Sprintf(" (see '%s --help')", cmd.CommandPath())
	}
	fmt.Fprintln(stderr, "firstkey: "+msg)
	return code
}

// usageError marks a bad command line: it exits with ExitUsage.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// exitCode classifies err. Anything that fails before a command's own code runs
// (flag parsing, argument counts, required or exclusive flags) is a usage error.
func exitCode(err error, ran bool) int {
	var ue usageError
	if errors.As(err, &ue) || !ran {
		return ExitUsage
	}
	if errors.As(err, new(errPartial)) {
		return ExitPartial
	}
	switch domain.KindOf(err) {
	case domain.KindNotFound:
		return ExitNotFound
	case domain.KindForbidden, domain.KindUnauthenticated:
		return ExitForbidden
	case domain.KindInvalid, domain.KindConflict, domain.KindUnsupported, domain.KindRateLimited:
		return ExitRejected
	}
	return ExitError
}

// oneLine keeps an error on one line of stderr, so that scripts can log it as is.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

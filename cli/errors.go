package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"
	"syscall"

	"github.com/usersecrets/coder/sdk"
)

// errUnreachable is a server that did not answer at all.
type errUnreachable struct {
	server string
	cause  error
}

func (e *errUnreachable) Error() string {
	return fmt.Sprintf("cannot reach the server at %s (%s).\n"+
		"Is the server running at %s? Start it with `coder server` (or `make run` in the repository),\n"+
		"or log in to another one with `coder login URL`.", e.server, e.reason(), e.server)
}

func (e *errUnreachable) Unwrap() error { return e.cause }

func (e *errUnreachable) reason() string {
	var dns *net.DNSError
	switch {
	case errors.Is(e.cause, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.As(e.cause, &dns):
		return "no such host: " + dns.Name
	case errors.Is(e.cause, context.DeadlineExceeded), errors.Is(e.cause, syscall.ETIMEDOUT):
		return "timed out"
	case errors.Is(e.cause, syscall.EHOSTUNREACH), errors.Is(e.cause, syscall.ENETUNREACH):
		return "host unreachable"
	}
	return "no answer"
}

// describeReach turns a transport error of the HTTP client (the server
// did not answer) into an errUnreachable that says what to do; other
// errors come back unchanged.
func describeReach(err error) error {
	var ue *url.Error
	if err == nil || !errors.As(err, &ue) || errors.Is(err, context.Canceled) {
		return err
	}
	var op *net.OpError
	var dns *net.DNSError
	if !errors.As(err, &op) && !errors.As(err, &dns) {
		return err
	}
	server := ue.URL
	if u, perr := url.Parse(ue.URL); perr == nil && u.Host != "" {
		server = u.Scheme + "://" + u.Host
	}
	return &errUnreachable{server: server, cause: err}
}

// describeError is how the CLI prints an error: API errors with their
// validations, an unreachable server with advice.
func describeError(err error) string {
	hint := ""
	var h *hinted
	if errors.As(err, &h) {
		hint = "\n" + h.hint
	}
	var e *sdk.Error
	if errors.As(err, &e) {
		return e.Error() + hint
	}
	var ur *errUnreachable
	if errors.As(err, &ur) {
		return ur.Error()
	}
	if d := describeReach(err); d != err {
		return d.Error()
	}
	return err.Error()
}

// hinted is an error with advice for the user, printed after it.
type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() + "\n" + h.hint }
func (h *hinted) Unwrap() error { return h.err }

// closest returns the candidates nearest to name (by edit distance, at
// most a third of its length and at least 2), best first, at most three.
func closest(name string, candidates []string) []string {
	limit := len(name) / 3
	if limit < 2 {
		limit = 2
	}
	type scored struct {
		s string
		d int
	}
	var found []scored
	for _, c := range candidates {
		if c == name {
			continue
		}
		d := editDistance(strings.ToLower(name), strings.ToLower(c))
		if d <= limit || strings.EqualFold(c, name) {
			found = append(found, scored{c, d})
		}
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].d < found[j].d })
	var out []string
	for i := 0; i < len(found) && i < 3; i++ {
		out = append(out, found[i].s)
	}
	return out
}

// editDistance is the Levenshtein distance of two strings, by rune.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// didYouMean adds "Did you mean ...?" to a not-found error when a name is
// close to one of candidates (listed by list, which may fail: then the
// error is returned as it is).
func didYouMean(err error, name string, list func() ([]string, error)) error {
	if sdk.StatusCode(err) != 404 && sdk.StatusCode(err) != 400 {
		return err
	}
	names, lerr := list()
	if lerr != nil {
		return err
	}
	near := closest(name, names)
	if len(near) == 0 {
		return err
	}
	quoted := make([]string, len(near))
	for i, n := range near {
		quoted[i] = fmt.Sprintf("%q", n)
	}
	return &hinted{err: err, hint: "Did you mean " + strings.Join(quoted, " or ") + "?"}
}

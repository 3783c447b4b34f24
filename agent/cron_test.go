package agent

import (
	"strings"
	"testing"
	"time"
)

func TestParseCron(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 4, 10, 20, 30, 0, time.Local)
	tests := []struct {
		expr    string
		next    time.Time // the first time after at
		wantErr string
	}{
		{expr: "0 0 22 * * *", next: time.Date(2026, 3, 4, 22, 0, 0, 0, time.Local)},
		{expr: "*/15 * * * * *", next: time.Date(2026, 3, 4, 10, 20, 45, 0, time.Local)},
		{expr: "0 */5 * * *", next: time.Date(2026, 3, 4, 10, 25, 0, 0, time.Local)}, // day of week left out
		{expr: "0 0 9 * * MON", next: time.Date(2026, 3, 9, 9, 0, 0, 0, time.Local)},
		{expr: "  0 0 9 * * 1  ", next: time.Date(2026, 3, 9, 9, 0, 0, 0, time.Local)},
		{expr: "@hourly", next: time.Date(2026, 3, 4, 11, 0, 0, 0, time.Local)},
		{expr: "@daily", next: time.Date(2026, 3, 5, 0, 0, 0, 0, time.Local)},
		{expr: "@every 90s", next: at.Add(90 * time.Second)},
		{expr: "TZ=UTC 0 0 12 * * *", next: time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)},
		{expr: "", wantErr: "empty"},
		{expr: "every day", wantErr: "every day"},
		{expr: "99 * * * * *", wantErr: "above maximum"},
		{expr: "* * * *", wantErr: "expected 5 to 6 fields"},
		{expr: "TZ=UTC", wantErr: "only a time zone"},
		{expr: "CRON_TZ=Nowhere/Land 0 * * * * *", wantErr: "bad location"},
		{expr: "@fortnightly", wantErr: "unrecognized descriptor"},
	}
	for _, tt := range tests {
		s, err := parseCron(tt.expr)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseCron(%q): got error %v, want one with %q", tt.expr, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseCron(%q): %v", tt.expr, err)
			continue
		}
		if got := s.Next(at); !got.Equal(tt.next) {
			t.Errorf("parseCron(%q).Next(%v): got %v, want %v", tt.expr, at, got, tt.next)
		}
	}
}

// FuzzParseCron checks that no expression makes the parser panic, and that
// a schedule it returns never goes back in time.
func FuzzParseCron(f *testing.F) {
	for _, s := range []string{
		"0 0 22 * * *", "*/15 * * * * *", "0 */5 * * *", "0 0 9 * * MON-FRI", "@hourly", "@every 1h30m",
		"TZ=UTC 0 0 12 * * *", "CRON_TZ=Europe/Paris 0 0 12 * * ?", "TZ=", "1-5/2,7 0 0 1 JAN *", "0 0 0 30 2 *",
	} {
		f.Add(s)
	}
	at := time.Date(2026, 3, 4, 10, 20, 30, 0, time.UTC)
	f.Fuzz(func(t *testing.T, expr string) {
		s, err := parseCron(expr)
		if err != nil {
			return
		}
		if next := s.Next(at); !next.IsZero() && !next.After(at) {
			t.Errorf("parseCron(%q).Next(%v) = %v, not after it", expr, at, next)
		}
	})
}

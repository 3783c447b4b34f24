package server_test

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/servertest"
)

// TestUnreachableSecretNamesRenamedAtStart: secrets stored under names
// today's rules refuse ("..", a zero-width space, a name not in NFC), which
// no request could reach, get a reachable name when a server starts: the
// NFC form when it is free, else renamed-<id>; their values and targets
// stay, the owner can read and delete them, and the log says what
// happened.
func TestUnreachableSecretNamesRenamedAtStart(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{})
		ctx := context.Background()
		c := s.NewMember(t, "olga")
		values := map[string]string{}
		create := func(name, env string) sdk.Secret {
			v := canary(t)
			sec, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: name, Value: sdk.SecretValue(v), EnvName: env})
			if err != nil {
				t.Fatal(err)
			}
			values[env] = v
			return sec
		}
		create("keep", "KEEP")
		create("\u00fc", "UMLAUT") // ü in NFC
		// What an older release stored: names set below the API's checks.
		for name, stored := range map[string]string{
			"dots": "..",
			"nfd":  "e\u0301",  // é in NFD; its NFC form is free
			"zw":   "a\u200bb", // a zero-width space
			"dup":  "u\u0308",  // ü in NFD; its NFC form is taken
		} {
			sec := create(name, strings.ToUpper(name))
			if err := s.Store.RenameSecret(ctx, sec.ID, stored); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := c.Secret(ctx, sdk.Me, ".."); err == nil {
			t.Fatal(`before the restart, GET ".." answered a secret; the test cannot show the fix`)
		}

		// Another server process starts on the same database.
		s2 := servertest.New(t, b, servertest.Options{Store: s.Store, RawKeys: s.RawKeys})
		list, err := c.Secrets(ctx, sdk.Me)
		if err != nil {
			t.Fatal(err)
		}
		byEnv := map[string]string{}
		var names []string
		for _, sec := range list {
			byEnv[sec.EnvName] = sec.Name
			names = append(names, sec.Name)
			if err := sdk.ValidateSecretName(sec.Name); err != nil {
				t.Errorf("after the start, secret %+q still breaks the rules: %v", sec.Name, err)
			}
		}
		sort.Strings(names)
		if len(list) != 6 || byEnv["KEEP"] != "keep" || byEnv["UMLAUT"] != "\u00fc" || byEnv["NFD"] != "\u00e9" ||
			!strings.HasPrefix(byEnv["DOTS"], "renamed-") || !strings.HasPrefix(byEnv["ZW"], "renamed-") || !strings.HasPrefix(byEnv["DUP"], "renamed-") {
			t.Fatalf("names after the start: got %+q (by env %+q), want keep, ü, é and three renamed-*", names, byEnv)
		}
		for _, sec := range list {
			if _, err := c.Secret(ctx, sdk.Me, sec.Name); err != nil {
				t.Errorf("GET %+q: %v", sec.Name, err)
			}
		}
		if err := c.DeleteSecret(ctx, sdk.Me, byEnv["DOTS"]); err != nil {
			t.Errorf("delete the renamed \"..\": %v", err)
		}
		logs := s2.Logs.String()
		if strings.Count(logs, "renamed a secret whose name is no longer allowed") != 4 {
			t.Errorf("start log: got\n%s\nwant one warning per renamed secret (4)", logs)
		}
		for _, v := range values {
			if strings.Contains(logs, v) {
				t.Error("a secret value is in the start log")
			}
		}
	})
}

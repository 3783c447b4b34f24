package cli_test

import (
	"os"
	"testing"

	"github.com/usersecrets/coder/cli/clitest"
	"github.com/usersecrets/coder/server/store/pgtest"
)

func TestMain(m *testing.M) {
	code := 0
	func() {
		defer clitest.Cleanup()
		defer func() { _ = pgtest.StopShared() }()
		code = m.Run()
	}()
	os.Exit(code)
}

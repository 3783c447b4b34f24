package server_test

import (
	"testing"

	"github.com/usersecrets/coder/server/store/pgtest"
)

func TestMain(m *testing.M) { pgtest.RunMain(m) }

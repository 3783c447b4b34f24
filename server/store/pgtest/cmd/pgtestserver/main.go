// Command pgtestserver starts one throwaway PostgreSQL cluster for a whole
// test run, so that every test binary shares it instead of starting its
// own (see package pgtest).
//
// With a command after "--", it runs the command with CODER_TEST_PG_URL set
// to the cluster's admin URL, stops the cluster and exits with the command's
// status:
//
//	go run ./server/store/pgtest/cmd/pgtestserver -- go test ./...
//
// If CODER_TEST_PG_URL is already set (CI provides a server), it just runs
// the command. Without a command it prints
//
//	CODER_TEST_PG_URL=postgres://postgres:PASSWORD@127.0.0.1:PORT/postgres?sslmode=disable
//
// on stdout and runs until SIGINT or SIGTERM, then stops the cluster. The
// cluster listens on 127.0.0.1 only and its password is random; the URL is
// printed because the tests need it.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/usersecrets/coder/server/store/pgtest"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) > 0 && os.Getenv(pgtest.EnvURL) != "" {
		return runCommand(args, nil)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c, err := pgtest.StartCluster(ctx)
	if err != nil {
		fmt.Fprintf(os.Stderr, "pgtestserver: %v\n", err)
		return 1
	}
	defer func() {
		if err := c.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtestserver: %v\n", err)
		}
	}()

	if len(args) == 0 {
		fmt.Printf("%s=%s\n", pgtest.EnvURL, c.URL)
		<-ctx.Done()
		return 0
	}
	stop() // from here on the child decides what a signal means
	return runCommand(args, []string{pgtest.EnvURL + "=" + c.URL})
}

// runCommand runs args with extra environment variables and returns its
// exit status. SIGINT and SIGTERM are passed on to it.
func runCommand(args, env []string) int {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), env...)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "pgtestserver: %v\n", err)
		return 1
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case s := <-sigs:
			_ = cmd.Process.Signal(s)
		case err := <-done:
			var exit *exec.ExitError
			switch {
			case err == nil:
				return 0
			case errors.As(err, &exit):
				if code := exit.ExitCode(); code > 0 {
					return code
				}
				return 1
			default:
				fmt.Fprintf(os.Stderr, "pgtestserver: %v\n", err)
				return 1
			}
		}
	}
}

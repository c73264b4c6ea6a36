// Package lifecycle runs a service's main: flags, configuration, logger,
// signal handling and the exit code, so each main.go only wires.
package lifecycle

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/google/uuid"

	"github.com/altisair/altis/pkg/platform/config"
	"github.com/altisair/altis/pkg/platform/logging"
)

// Env is what a service's run function receives.
type Env struct {
	Config *config.Loader
	Log    *slog.Logger
	Args   []string // arguments after the flags, e.g. a subcommand
}

// Run is a service body; it returns when ctx ends (SIGINT/SIGTERM) or on error.
type Run func(ctx context.Context, env Env) error

// Main parses -config (default $ALTIS_CONFIG or config/default.toml), loads
// the configuration with APP_* overrides, builds the logger from [log], logs
// the effective settings with secrets masked at debug level, and calls run
// until a signal.
// It never returns: the process exits 0 on clean shutdown, 1 on error.
func Main(service string, run Run) {
	// Request, trip and booking ids are random UUIDs: draw their bytes
	// from a pool filled in batches instead of one getrandom call each
	// (ids are not secrets: every object is checked against its owner).
	uuid.EnableRandPool()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := Start(ctx, service, os.Args[1:], os.Environ(), os.Stderr, run)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", service, err)
		os.Exit(1)
	}
}

// Start is Main without the process: tests call it directly.
func Start(ctx context.Context, service string, args, environ []string, out io.Writer, run Run) error {
	fs := flag.NewFlagSet(service, flag.ContinueOnError)
	fs.SetOutput(out)
	path := fs.String("config", defaultPath(environ), "configuration file (TOML); APP_* variables override it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(*path, environ)
	if err != nil {
		return err
	}
	var lc logging.Config
	if err := cfg.Section("log", &lc); err != nil {
		return err
	}
	log := logging.New(out, lc, service)
	// The one info line comes when the service serves (web.Server); the
	// full settings are for debugging.
	log.Debug("starting", "config_file", *path, "settings", cfg.Masked())
	err = run(ctx, Env{Config: cfg, Log: log, Args: fs.Args()})
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	if err != nil {
		log.Error("stopped with error", "err", err)
		return err
	}
	log.Info("stopped")
	return nil
}

func defaultPath(environ []string) string {
	for _, kv := range environ {
		if v, ok := cutPrefix(kv, "ALTIS_CONFIG="); ok && v != "" {
			return v
		}
	}
	return "config/default.toml"
}

func cutPrefix(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || s[:len(prefix)] != prefix {
		return "", false
	}
	return s[len(prefix):], true
}

// Command is the subcommand named by the first argument, "" to serve.
func (e Env) Command() string {
	if len(e.Args) == 0 {
		return ""
	}
	return e.Args[0]
}

// UnknownCommand is the error for a subcommand the service does not have.
func UnknownCommand(cmd string, known ...string) error {
	return fmt.Errorf("unknown subcommand %q (want one of %s)", cmd, strings.Join(known, ", "))
}

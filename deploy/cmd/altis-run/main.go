// Command altis-run starts the whole Altis fleet on this machine, the body
// of `make run`: PostgreSQL, Redis and Kafka (the environment's or
// throwaway ones), the seed, and the four services, until Ctrl-C.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/altisair/altis/deploy/launcher"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C kills the launcher at once; the kernel then kills the children
	}()
	err := run(ctx, os.Args[1:], os.Environ(), os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "altis-run: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args, environ []string, out io.Writer) error {
	o, err := parseFlags(args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	o.Environ, o.Out = environ, out
	return launcher.Run(ctx, o)
}

func parseFlags(args []string) (launcher.Options, error) {
	fs := flag.NewFlagSet("altis-run", flag.ContinueOnError)
	var o launcher.Options
	fs.StringVar(&o.StateDir, "state", ".state", "folder for the throwaway servers' data (kept between runs)")
	fs.StringVar(&o.BinDir, "bin", "bin", "folder with the built service binaries")
	fs.StringVar(&o.ConfigPath, "config", "config/default.toml", "configuration file passed to every service")
	fs.DurationVar(&o.ReadyTimeout, "ready-timeout", 90*time.Second, "how long services may take to become ready")
	fs.Func("scale", "processes per service, e.g. query=3,projector=2 (instance i listens on the service's port + (i-1)*100)", func(s string) error {
		sc, err := launcher.ParseScale(s)
		o.Scale = sc
		return err
	})
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return o, nil
}

package launcher

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// databaseName is the database the services use on a throwaway server.
const databaseName = "altis"

const (
	initdbTimeout  = 2 * time.Minute
	pgStartTimeout = time.Minute
)

func (f *Fleet) usePostgres(ctx context.Context) error {
	if url := lookupEnv(f.o.Environ, envDatabase); url != "" {
		f.con.say("postgres: using %s", envDatabase)
		f.info.DatabaseURL = url
		return nil
	}
	dir := f.statePath("postgres")
	fresh, err := f.initCluster(ctx, dir)
	if err != nil {
		return err
	}
	f.info.InitDB = fresh
	port, err := FreePort()
	if err != nil {
		return err
	}
	if err := f.startPostgres(ctx, dir, port); err != nil {
		return err
	}
	f.info.DatabaseURL = fmt.Sprintf("postgres://postgres@%s/%s?sslmode=disable", localAddr(port), databaseName)
	return nil
}

// initCluster runs initdb unless dir already holds a cluster.
func (f *Fleet) initCluster(ctx context.Context, dir string) (bool, error) {
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); err == nil {
		f.con.say("postgres: reusing %s", f.rel(dir))
		return false, nil
	}
	f.con.say("postgres: initdb %s", f.rel(dir))
	if err := f.prepareDir(dir); err != nil {
		return false, err
	}
	ctx, cancel := context.WithTimeout(ctx, initdbTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, f.tools.pg.initdb, "-D", dir, "-U", "postgres",
		"--auth=trust", "--encoding=UTF8", "--no-locale")
	cmd.SysProcAttr = sysProcAttr(f.tools.pgUser, syscall.SIGKILL)
	if out, err := cmd.CombinedOutput(); err != nil {
		return false, fmt.Errorf("initdb %s: %w%s\n%s", dir, err, f.permissionHint(dir), out)
	}
	return true, nil
}

// openStateDir creates the state folder; when PostgreSQL runs as another
// user it must be able to pass through it.
func (f *Fleet) openStateDir() error {
	dir := f.o.StateDir
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	fi, err := os.Stat(dir)
	if err != nil || f.tools.pgUser == nil || fi.Mode().Perm()&0o001 != 0 {
		return err
	}
	if err := os.Chmod(dir, fi.Mode().Perm()|0o011); err != nil {
		return fmt.Errorf("let postgres through %s: %w", dir, err)
	}
	return nil
}

// prepareDir empties dir (a half-made cluster from an interrupted initdb)
// and gives it to the PostgreSQL user.
func (f *Fleet) prepareDir(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("clear %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	if c := f.tools.pgUser; c != nil {
		if err := os.Chown(dir, int(c.Uid), int(c.Gid)); err != nil {
			return fmt.Errorf("chown %s to postgres: %w", dir, err)
		}
	}
	return nil
}

func (f *Fleet) permissionHint(dir string) string {
	if f.tools.pgUser == nil {
		return ""
	}
	return fmt.Sprintf(" (initdb runs as user postgres: every folder above %s must be searchable by it)", dir)
}

// startPostgres runs the server in the foreground as a child (TCP on
// 127.0.0.1 only, no unix socket) and waits until it accepts connections.
func (f *Fleet) startPostgres(ctx context.Context, dir string, port int) error {
	logPath := f.statePath("postgres.log")
	sink, closeLog, err := fileSink(logPath)
	if err != nil {
		return err
	}
	p, err := startProcess(procSpec{
		name: "postgres", path: f.tools.pg.postgres, cred: f.tools.pgUser, deathSig: syscall.SIGINT,
		args: []string{"-D", dir, "-p", strconv.Itoa(port),
			"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="},
		sink: sink, onExit: f.onExit,
	})
	if err != nil {
		closeLog()
		return err
	}
	f.recordChild(p, port)
	f.addBackend("postgres", func() error { defer closeLog(); return f.stopPostgres(dir, p) })
	admin := fmt.Sprintf("postgres://postgres@%s/postgres?sslmode=disable", localAddr(port))
	if err := waitPostgres(ctx, admin, p, logPath); err != nil {
		return err
	}
	return ensureDatabase(ctx, admin, databaseName)
}

func waitPostgres(ctx context.Context, url string, p *process, logPath string) error {
	ctx, cancel := context.WithTimeout(ctx, pgStartTimeout)
	defer cancel()
	for {
		err := pingPostgres(ctx, url)
		if err == nil {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("postgres exited at start (%s); last lines of %s:\n%s", p.status(), logPath, p.out.tail)
		case <-ctx.Done():
			return fmt.Errorf("postgres did not accept connections within %s (%v); last lines of %s:\n%s",
				pgStartTimeout, err, logPath, p.out.tail)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func pingPostgres(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

func ensureDatabase(ctx context.Context, adminURL, name string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("connect to postgres: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	err = conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists)
	if err != nil {
		return fmt.Errorf("look for database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// stopPostgres asks for a fast shutdown with pg_ctl; if that fails it
// signals the server directly.
func (f *Fleet) stopPostgres(dir string, p *process) error {
	if p.exited() {
		return nil
	}
	timeout := f.o.StopTimeout
	cmd := exec.Command(f.tools.pg.pgCtl, "stop", "-D", dir, "-m", "fast", "-w",
		"-t", strconv.Itoa(int(timeout.Seconds())))
	cmd.SysProcAttr = sysProcAttr(f.tools.pgUser, syscall.SIGKILL)
	out, ctlErr := cmd.CombinedOutput()
	if ctlErr == nil && p.waitFor(5*time.Second) {
		return nil
	}
	if ctlErr != nil {
		f.con.say("postgres: pg_ctl stop failed (%v: %s); sending SIGINT", ctlErr, bytes.TrimSpace(out))
	}
	return p.terminate(syscall.SIGINT, timeout)
}

// fileSink appends lines to the file at path.
func fileSink(path string) (func(string), func(), error) {
	file, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("open log %s: %w", path, err)
	}
	sink := func(line string) { fmt.Fprintln(file, line) }
	return sink, func() { file.Close() }, nil
}

// recordChild remembers a child's pid and address for Info.
func (f *Fleet) recordChild(p *process, port int) {
	f.info.PIDs[p.name] = p.pid()
	f.info.Addrs[p.name] = localAddr(port)
}

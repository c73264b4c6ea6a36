package launcher

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
)

// serviceNames in start order: the writer first, the edge last.
var serviceNames = []string{"command", "projector", "query", "gateway"}

// tools are the server binaries the launcher found.
type tools struct {
	pg      pgTools
	pgUser  *syscall.Credential // nil: run PostgreSQL as ourselves
	redis   string
	command string // the built command binary, for the seed
}

// pgTools are the PostgreSQL server programs.
type pgTools struct{ initdb, pgCtl, postgres string }

// checkTools fails fast, before anything starts, naming whatever is missing
// and how to get it.
func (f *Fleet) checkTools(context.Context) error {
	if err := f.checkBinaries(); err != nil {
		return err
	}
	var errs []error
	if lookupEnv(f.o.Environ, envDatabase) == "" {
		errs = append(errs, f.findPostgres())
	}
	if lookupEnv(f.o.Environ, envRedis) == "" {
		errs = append(errs, f.findRedis())
	}
	return errors.Join(errs...)
}

func (f *Fleet) checkBinaries() error {
	for _, name := range serviceNames {
		path := filepath.Join(f.o.BinDir, name)
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("%s not found: build the services first (make build): %w", f.rel(path), err)
		}
	}
	f.tools.command = filepath.Join(f.o.BinDir, "command")
	return nil
}

func (f *Fleet) findRedis() error {
	path, err := exec.LookPath("redis-server")
	if err != nil {
		return errors.New("redis-server not found on PATH: install it (Debian/Ubuntu: apt-get install redis-server) " +
			"or set " + envRedis + " to a running server")
	}
	f.tools.redis = path
	return nil
}

func (f *Fleet) findPostgres() error {
	pg, err := findPostgres()
	if err != nil {
		return err
	}
	cred, err := postgresUser()
	if err != nil {
		return err
	}
	f.tools.pg, f.tools.pgUser = pg, cred
	return nil
}

// findPostgres looks on PATH, then under /usr/lib/postgresql/<version>/bin
// (Debian keeps the server programs there), newest version first.
func findPostgres() (pgTools, error) {
	var dirs []string
	if p, err := exec.LookPath("initdb"); err == nil {
		dirs = append(dirs, filepath.Dir(p))
	}
	dirs = append(dirs, debianPostgresDirs()...)
	for _, d := range dirs {
		if t, ok := pgToolsIn(d); ok {
			return t, nil
		}
	}
	return pgTools{}, errors.New("PostgreSQL server programs (initdb, pg_ctl, postgres) not found on PATH " +
		"or under /usr/lib/postgresql/*/bin: install them (Debian/Ubuntu: apt-get install postgresql) " +
		"or set " + envDatabase + " to a running server")
}

func debianPostgresDirs() []string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	version := func(d string) float64 {
		v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(d)), 64)
		return v
	}
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	return dirs
}

func pgToolsIn(dir string) (pgTools, bool) {
	t := pgTools{
		initdb:   filepath.Join(dir, "initdb"),
		pgCtl:    filepath.Join(dir, "pg_ctl"),
		postgres: filepath.Join(dir, "postgres"),
	}
	for _, p := range []string{t.initdb, t.pgCtl, t.postgres} {
		if fi, err := os.Stat(p); err != nil || fi.IsDir() {
			return pgTools{}, false
		}
	}
	return t, true
}

// postgresUser is the account PostgreSQL runs as when the launcher is root:
// the server refuses to run as root.
func postgresUser() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, PostgreSQL must run as the user postgres, which does not exist "+
			"(apt-get install postgresql creates it), or run as a normal user: %w", err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// checkPorts fails fast when a service port is taken, e.g. by another
// `make run`, out of range, or given to two instances.
func (f *Fleet) checkPorts(context.Context) error {
	var errs []error
	owner := map[int]string{}
	check := func(what string, port int) {
		switch prev, taken := owner[port]; {
		case port < 1 || port > 65535:
			errs = append(errs, fmt.Errorf("%s port %d is not between 1 and 65535 (lower the scale or the configured port)", what, port))
		case taken:
			errs = append(errs, fmt.Errorf("%s and %s would both listen on port %d: change one of the configured ports", prev, what, port))
		default:
			owner[port] = what
			if err := portFree(port); err != nil {
				errs = append(errs, fmt.Errorf("%s port %d is in use (another make run?): %w", what, port, err))
			}
		}
	}
	for _, in := range f.instances {
		check(in.name, in.port)
		if in.adminPort != 0 {
			check(in.name+" admin", in.adminPort)
		}
	}
	return errors.Join(errs...)
}

func (f *Fleet) portOf(service string) int {
	p := f.info.Ports
	return map[string]int{"gateway": p.Gateway, "command": p.Command, "query": p.Query, "projector": p.Projector}[service]
}

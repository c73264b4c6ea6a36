package launcher

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const redisStartTimeout = 30 * time.Second

func (f *Fleet) useRedis(ctx context.Context) error {
	if url := lookupEnv(f.o.Environ, envRedis); url != "" {
		f.con.say("redis: using %s", envRedis)
		f.info.RedisURL = url
		return nil
	}
	dir := f.statePath("redis")
	if err := f.redisDir(dir); err != nil {
		return err
	}
	port, err := FreePort()
	if err != nil {
		return err
	}
	if err := f.startRedis(ctx, dir, port); err != nil {
		return err
	}
	f.info.RedisURL = fmt.Sprintf("redis://%s/0", localAddr(port))
	return nil
}

func (f *Fleet) redisDir(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		f.con.say("redis: reusing %s", f.rel(dir))
		return nil
	}
	f.con.say("redis: new data in %s", f.rel(dir))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	return nil
}

// startRedis runs redis-server in the foreground with an append-only file in
// dir, so holds and the index survive a restart of `make run`.
func (f *Fleet) startRedis(ctx context.Context, dir string, port int) error {
	logPath := f.statePath("redis.log")
	sink, closeLog, err := fileSink(logPath)
	if err != nil {
		return err
	}
	p, err := startProcess(procSpec{
		name: "redis", path: f.tools.redis, deathSig: syscall.SIGTERM, sink: sink, onExit: f.onExit,
		args: []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir, "--appendonly", "yes"},
	})
	if err != nil {
		closeLog()
		return err
	}
	f.recordChild(p, port)
	f.addBackend("redis", func() error { defer closeLog(); return p.terminate(syscall.SIGTERM, f.o.StopTimeout) })
	return waitRedis(ctx, localAddr(port), p, logPath)
}

func waitRedis(ctx context.Context, addr string, p *process, logPath string) error {
	ctx, cancel := context.WithTimeout(ctx, redisStartTimeout)
	defer cancel()
	for {
		err := pingRedis(ctx, addr)
		if err == nil {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("redis exited at start (%s); last lines of %s:\n%s", p.status(), logPath, p.out.tail)
		case <-ctx.Done():
			return fmt.Errorf("redis did not answer PING within %s (%v); last lines of %s:\n%s",
				redisStartTimeout, err, logPath, p.out.tail)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// pingRedis speaks just enough RESP to see +PONG (not -LOADING).
func pingRedis(ctx context.Context, addr string) error {
	d := net.Dialer{Timeout: time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if line = strings.TrimSpace(line); line != "+PONG" {
		return fmt.Errorf("redis answered %q", line)
	}
	return nil
}

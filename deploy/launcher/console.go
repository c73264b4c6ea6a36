package launcher

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
)

// nameWidth aligns the "name | " prefixes; "projector" is the longest
// service name (fit widens it for "projector.2").
const nameWidth = 9

// console serialises the prefixed lines of the launcher and its children.
type console struct {
	mu    sync.Mutex
	out   io.Writer
	width int
}

func newConsole(out io.Writer) *console { return &console{out: out, width: nameWidth} }

// fit widens the prefix column to hold name.
func (c *console) fit(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.width = max(c.width, len(name))
}

// line writes one line as "name      | text".
func (c *console) line(name, text string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintf(c.out, "%-*s | %s\n", c.width, name, text)
}

// say writes a line of the launcher's own.
func (c *console) say(format string, args ...any) {
	c.line("altis-run", fmt.Sprintf(format, args...))
}

// tail keeps the last lines a process wrote, for error messages.
type tail struct {
	mu    sync.Mutex
	lines []string
	max   int
}

func newTail(max int) *tail { return &tail{max: max} }

func (t *tail) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lines = append(t.lines, line)
	if len(t.lines) > t.max {
		t.lines = t.lines[len(t.lines)-t.max:]
	}
}

// String returns the kept lines indented, or a note that there were none.
func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.lines) == 0 {
		return "    (no output)"
	}
	return "    " + strings.Join(t.lines, "\n    ")
}

// maxLine bounds a line kept in memory; longer output is split.
const maxLine = 64 << 10

// lineWriter splits a process's output into lines, keeps the last ones and
// hands each to sink.
type lineWriter struct {
	mu   sync.Mutex
	buf  []byte
	sink func(string)
	tail *tail
}

func (w *lineWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, b...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 && len(w.buf) < maxLine {
			return len(b), nil
		}
		if i < 0 {
			i = len(w.buf)
		}
		w.emit(string(bytes.TrimRight(w.buf[:i], "\r")))
		w.buf = w.buf[min(i+1, len(w.buf)):]
	}
}

// flush emits a last line that had no newline.
func (w *lineWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.emit(string(w.buf))
		w.buf = nil
	}
}

func (w *lineWriter) emit(line string) {
	w.tail.add(line)
	w.sink(line)
}

package launcher

import (
	"fmt"
	"net"
)

// FreePort asks the kernel for a TCP port on 127.0.0.1 that is free now.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// portFree reports an error if something listens on port.
func portFree(port int) error {
	ln, err := net.Listen("tcp", fmt.Sprintf(":%d", port))
	if err != nil {
		return err
	}
	return ln.Close()
}

func localAddr(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }

//go:build unix && !linux

package launcher

import "syscall"

// sysProcAttr puts a child in its own process group and runs it as cred
// when set. Only Linux can tie a child's life to the launcher's.
func sysProcAttr(cred *syscall.Credential, _ syscall.Signal) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Credential: cred}
}

//go:build windows

package harness

import (
	"os/exec"
	"strconv"
	"syscall"
)

// newProcessGroup starts cmd in a process group of its own.
func newProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}

// terminateGroup asks the process tree of cmd to stop: taskkill without
// /F sends it WM_CLOSE, which a console program without a window may
// ignore (Windows has no SIGTERM); killGroup follows after the grace
// period.
func terminateGroup(cmd *exec.Cmd) {
	exec.Command("taskkill", "/T", "/PID", strconv.Itoa(cmd.Process.Pid)).Run()
}

// killGroup ends the process tree of cmd (taskkill /F /T), or the
// process itself if that fails.
func killGroup(cmd *exec.Cmd) {
	if exec.Command("taskkill", "/F", "/T", "/PID", strconv.Itoa(cmd.Process.Pid)).Run() != nil {
		cmd.Process.Kill()
	}
}

// Command easlab is the Exchange ActiveSync lab: a fake Exchange server,
// simulated devices and a test harness for ActiveSync MFA products, in one
// binary. Run `easlab --help` for its commands.
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "easlab:", err)
		os.Exit(exitCode(err))
	}
}

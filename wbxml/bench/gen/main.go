// Command gen writes a synthetic EAS Sync response of a given size to
// stdout, for wbxml/bench/compare.sh.
package main

import (
	"flag"
	"os"

	"github.com/easlab/easlab/wbxml/internal/synth"
)

func main() {
	size := flag.Int("size", 8600000, "minimum size of the stream in bytes")
	flag.Parse()
	os.Stdout.Write(synth.SyncResponse(*size))
}

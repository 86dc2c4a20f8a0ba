package psrp_test

import (
	"testing"

	"github.com/easlab/easlab/powershell/clixml"
	"github.com/easlab/easlab/powershell/psrp"
)

// BenchmarkParsePipeline measures the server's reading of a one-command
// CREATE_PIPELINE as easlab's client writes it (about 1.8 KB of CLIXML).
func BenchmarkParsePipeline(b *testing.B) {
	p := &psrp.PipelineRequest{Statements: [][]psrp.Command{{{Name: "Get-CASMailbox", Args: []psrp.Argument{{Name: "Identity", Value: "alice"}}}}}}
	data, err := clixml.Marshal(p.Object())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := psrp.ParsePipeline(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWritePipeline measures a client's writing of the same
// CREATE_PIPELINE: its CLIXML (PipelineRequest.AppendCLIXML) and its one
// fragment.
func BenchmarkWritePipeline(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		p := &psrp.PipelineRequest{Statements: [][]psrp.Command{{{Name: "Get-CASMailbox", Args: []psrp.Argument{{Name: "Identity", Value: "alice"}}}}}}
		if _, err := psrp.MarshalFragments(1, &psrp.Message{Destination: psrp.ToServer, Type: psrp.CreatePipeline}, p, 100000); err != nil {
			b.Fatal(err)
		}
	}
}

package main

import (
	"bufio"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/easlab/easlab/wbxml"
)

func newWBXMLCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "wbxml",
		Short: "Convert between EAS WBXML and XML",
		Long: `Convert between the WBXML that ActiveSync sends on the wire and readable XML.
The XML is the form libwbxml's "wbxml2xml -l ACTIVESYNC" prints, with the
element names of MS-ASWBXML; opaque (binary) elements are base64.`,
	}
	var lenient bool
	var maxSize int64
	decode := &cobra.Command{
		Use:   "decode [FILE]",
		Short: "Decode WBXML (from FILE or stdin) to indented XML on stdout",
		Example: `  easlab wbxml decode request.wbxml
  curl -s ... | easlab wbxml decode
  easlab wbxml decode --lenient old-airnotify.wbxml`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in, closeIn, err := openInput(args)
			if err != nil {
				return err
			}
			defer closeIn()
			d := wbxml.NewDecoder(in)
			d.Lenient = lenient
			d.Limits.MaxSize = maxSize
			out := bufio.NewWriterSize(cmd.OutOrStdout(), 256<<10)
			return wbxml.WriteXML(out, d)
		},
	}
	decode.Flags().BoolVar(&lenient, "lenient", false, "accept legacy tokens the current spec dropped (EAS 2.x)")
	decode.Flags().Int64Var(&maxSize, "max-size", -1, "refuse streams longer than this many bytes (-1: no limit; memory use stays flat)")

	encode := &cobra.Command{
		Use:   "encode [FILE]",
		Short: "Encode XML (from FILE or stdin) to WBXML on stdout",
		Example: `  easlab wbxml encode sync.xml > sync.wbxml
  easlab wbxml decode a.wbxml | easlab wbxml encode | cmp - a.wbxml`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in, closeIn, err := openInput(args)
			if err != nil {
				return err
			}
			defer closeIn()
			out := bufio.NewWriterSize(cmd.OutOrStdout(), 256<<10)
			if err := wbxml.EncodeXML(out, in); err != nil {
				return err
			}
			return out.Flush()
		},
	}
	cmd.AddCommand(decode, encode)
	return cmd
}

// openInput opens the named file, or stdin when no name (or "-") is given.
func openInput(args []string) (io.Reader, func(), error) {
	if len(args) == 0 || args[0] == "-" {
		return bufio.NewReaderSize(os.Stdin, 64<<10), func() {}, nil
	}
	f, err := os.Open(args[0])
	if err != nil {
		return nil, nil, err
	}
	return f, func() { f.Close() }, nil
}

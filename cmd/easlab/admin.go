package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/easlab/easlab/adminapi"
)

func newAdminCmd() *cobra.Command {
	var url, token string
	var asJSON, insecure bool
	cmd := &cobra.Command{
		Use:   "admin <Cmdlet> [-Parameter value ...]",
		Short: "Run an Exchange cmdlet against the simulator's admin API",
		Long: `Run a cmdlet as an MFA agent would through the simulator's admin API
(POST <url>/api/cmdlet with a bearer token), with PowerShell's parameter
syntax, and print the objects as Format-List does (or JSON with --json).

Values: plain words or 'quoted strings', lists as a,b,c, $true, $false,
$null, and hash tables such as @{Add='id1','id2'; Remove='id3'}. A parameter
without a value is a switch.`,
		Example: `  easlab admin Get-MobileDevice -Filter "DeviceAccessState -eq 'Quarantined'"
  easlab admin Set-CASMailbox -Identity alice -ActiveSyncAllowedDeviceIDs "@{Add='ApplF17XXXXXXX'}"
  easlab admin Set-ActiveSyncOrganizationSettings -DefaultAccessLevel Quarantine -AdminMailRecipients admin@contoso.com
  easlab admin Get-MobileDeviceStatistics -Mailbox alice --json`,
		Args:               cobra.MinimumNArgs(1),
		DisableFlagParsing: false,
		RunE: func(cmd *cobra.Command, args []string) error {
			// Flag parsing stops at the cmdlet's name (its parameters
			// start with one dash); easlab's own --flags may follow it.
			rest, err := ownFlags(cmd, args[1:])
			if err != nil {
				return err
			}
			params, err := parseCmdletArgs(rest)
			if err != nil {
				return err
			}
			if url == "" {
				url = os.Getenv("EASLAB_ADMIN_URL")
			}
			if token == "" {
				token = os.Getenv("EASLAB_ADMIN_TOKEN")
			}
			if url == "" {
				return fmt.Errorf("no admin URL: pass --url or set EASLAB_ADMIN_URL")
			}
			out, err := runCmdlet(adminapi.Client{URL: url, Token: token, HTTP: adminHTTP(insecure)}, args[0], params)
			if err != nil {
				return err
			}
			if asJSON {
				var buf bytes.Buffer
				json.Indent(&buf, out, "", "  ")
				buf.WriteByte('\n')
				_, err := cmd.OutOrStdout().Write(buf.Bytes())
				return err
			}
			return formatList(cmd.OutOrStdout(), out)
		},
	}
	// Cmdlet parameters start with a single dash, which cobra would read
	// as short flags: stop flag parsing at the cmdlet name (ownFlags reads
	// the --flags after it).
	cmd.Flags().SetInterspersed(false)
	cmd.Flags().StringVar(&url, "url", "", "the simulator's base URL (default $EASLAB_ADMIN_URL)")
	cmd.Flags().StringVar(&token, "token", "", "the admin token (default $EASLAB_ADMIN_TOKEN)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the reply as JSON")
	cmd.Flags().BoolVar(&insecure, "insecure", false, "accept any TLS certificate (for easlab serve --tls)")
	return cmd
}

// ownFlags sets the command's --flags found among a cmdlet's parameters
// (--json, --url U, --url=U...) and returns the parameters without them.
// A cmdlet's parameters have one dash, so two name one of easlab's.
func ownFlags(cmd *cobra.Command, args []string) ([]string, error) {
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "--") || len(a) == 2 {
			rest = append(rest, a)
			continue
		}
		name, value, hasValue := strings.Cut(a[2:], "=")
		f := cmd.Flags().Lookup(name)
		if f == nil {
			return nil, fmt.Errorf("unknown flag --%s (a cmdlet's parameters take one dash: -%s)", name, name)
		}
		if !hasValue {
			if f.Value.Type() == "bool" {
				value = "true"
			} else {
				if i+1 == len(args) {
					return nil, fmt.Errorf("flag --%s needs a value", name)
				}
				i++
				value = args[i]
			}
		}
		if err := cmd.Flags().Set(name, value); err != nil {
			return nil, fmt.Errorf("--%s: %w", name, err)
		}
	}
	return rest, nil
}

// adminHTTP is the admin client's HTTP client: with insecure, one that
// accepts any certificate (serve --tls makes a self-signed one).
func adminHTTP(insecure bool) *http.Client {
	if !insecure {
		return nil
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
}

// runCmdlet posts a cmdlet, prints its warnings and returns its output
// array.
func runCmdlet(c adminapi.Client, name string, params map[string]any) (json.RawMessage, error) {
	r, err := c.Call(context.Background(), name, params)
	if err != nil {
		return nil, withTLSHint(err)
	}
	for _, w := range r.Warnings {
		fmt.Fprintln(os.Stderr, "WARNING:", w)
	}
	return r.Output, nil
}

// parseCmdletArgs reads PowerShell-style parameters: -Name value pairs and
// switches.
func parseCmdletArgs(args []string) (map[string]any, error) {
	params := map[string]any{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || len(a) < 2 {
			return nil, fmt.Errorf("expected a -Parameter, got %q", a)
		}
		name, inline, hasInline := strings.Cut(a[1:], ":") // -Confirm:$false
		if hasInline {
			v, err := parseCmdletValue(inline)
			if err != nil {
				return nil, fmt.Errorf("-%s: %w", name, err)
			}
			params[name] = v
			continue
		}
		if i+1 == len(args) || (strings.HasPrefix(args[i+1], "-") && !isNumber(args[i+1])) {
			params[name] = true // a switch
			continue
		}
		i++
		v, err := parseCmdletValue(args[i])
		if err != nil {
			return nil, fmt.Errorf("-%s: %w", name, err)
		}
		params[name] = v
	}
	return params, nil
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// parseCmdletValue reads one value: $true, $false, $null, a hash table
// @{Key=value; ...}, a list a,b or a (possibly quoted) string.
func parseCmdletValue(s string) (any, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "$true":
		return true, nil
	case "$false":
		return false, nil
	case "$null":
		return nil, nil
	}
	if strings.HasPrefix(s, "@{") {
		if !strings.HasSuffix(s, "}") {
			return nil, fmt.Errorf("unterminated hash table %q", s)
		}
		m := map[string]any{}
		for _, entry := range splitOutsideQuotes(s[2:len(s)-1], ';') {
			if strings.TrimSpace(entry) == "" {
				continue
			}
			k, v, ok := strings.Cut(entry, "=")
			if !ok {
				return nil, fmt.Errorf("hash table entry %q has no '='", entry)
			}
			m[strings.TrimSpace(k)] = listOf(v)
		}
		return m, nil
	}
	items := listOf(s)
	if len(items) == 1 {
		return items[0], nil
	}
	return items, nil
}

// listOf splits a,b,'c' into unquoted items.
func listOf(s string) []any {
	var out []any
	for _, part := range splitOutsideQuotes(s, ',') {
		out = append(out, unquote(strings.TrimSpace(part)))
	}
	return out
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '\'' && s[len(s)-1] == '\'' || s[0] == '"' && s[len(s)-1] == '"') {
		return s[1 : len(s)-1]
	}
	return s
}

func splitOutsideQuotes(s string, sep byte) []string {
	var out []string
	var quote byte
	start := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == sep:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// formatList prints objects as PowerShell's Format-List: one "Name : value"
// line per property, names padded to the longest, a blank line between
// objects. Properties come in the reply's order.
func formatList(w io.Writer, output json.RawMessage) error {
	var objects []json.RawMessage
	if len(output) == 0 || string(output) == "null" {
		return nil
	}
	if err := json.Unmarshal(output, &objects); err != nil {
		return fmt.Errorf("reading the output: %w", err)
	}
	for _, raw := range objects {
		keys, values, err := orderedObject(raw)
		if err != nil {
			return err
		}
		width := 0
		for _, k := range keys {
			width = max(width, len(k))
		}
		fmt.Fprintln(w)
		for i, k := range keys {
			fmt.Fprintf(w, "%-*s : %s\n", width, k, psValue(values[i]))
		}
	}
	fmt.Fprintln(w)
	return nil
}

// orderedObject reads a JSON object's keys in document order.
func orderedObject(raw json.RawMessage) ([]string, []any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, nil, fmt.Errorf("output item is not an object")
	}
	var keys []string
	var values []any
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, nil, err
		}
		keys = append(keys, t.(string))
		values = append(values, v)
	}
	return keys, values, nil
}

// psValue renders a value as Format-List does: lists as {a, b}, nulls
// empty, booleans True/False.
func psValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case bool:
		if x {
			return "True"
		}
		return "False"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = psValue(e)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + psValue(x[k])
		}
		return "@{" + strings.Join(parts, "; ") + "}"
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/easlab/easlab/simulator/store"
)

func newStateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "state",
		Short: "Save a simulator's whole state to a file, or start a data directory from one",
		Long: `A state file holds a whole organization: its settings, rules and policies,
users and their mailboxes with every item, device partnerships with their
policy and sync keys, and the event log. It is one indented JSON document:
a support engineer attaches it to a case, a colleague starts a simulator
from it (easlab serve --state FILE, or state import into a data directory)
and sees what the customer saw.`,
	}
	cmd.AddCommand(newStateExportCmd(), newStateImportCmd())
	return cmd
}

func newStateExportCmd() *cobra.Command {
	var dataDir, url, token string
	cmd := &cobra.Command{
		Use:   "export (--data DIR | --url URL) FILE",
		Short: "Write the state of a data directory, or of a running server, to FILE (- for stdout)",
		Example: `  easlab state export --data ./lab case-1234.json
  easlab state export --url http://127.0.0.1:8080 --token "$EASLAB_ADMIN_TOKEN" case-1234.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if url == "" && dataDir == "" {
				url = os.Getenv("EASLAB_ADMIN_URL")
			}
			if token == "" {
				token = os.Getenv("EASLAB_ADMIN_TOKEN")
			}
			if (dataDir == "") == (url == "") {
				return errors.New("give either --data DIR or --url URL (or EASLAB_ADMIN_URL), not both")
			}
			return writeOut(args[0], cmd.OutOrStdout(), func(w io.Writer) error {
				if dataDir != "" {
					st, err := store.OpenSQLite(dataDir)
					if err != nil {
						return fmt.Errorf("--data: %w", err)
					}
					defer st.Close()
					return store.Export(st, w)
				}
				return exportURL(cmd.Context(), url, token, w)
			})
		},
	}
	cmd.Flags().StringVar(&dataDir, "data", "", "the data directory of `easlab serve --data` (the server must be stopped: it locks the directory)")
	cmd.Flags().StringVar(&url, "url", "", "a running simulator's base URL (default $EASLAB_ADMIN_URL)")
	cmd.Flags().StringVar(&token, "token", "", "its admin token (default $EASLAB_ADMIN_TOKEN)")
	return cmd
}

func newStateImportCmd() *cobra.Command {
	var dataDir string
	cmd := &cobra.Command{
		Use:     "import --data DIR FILE",
		Short:   "Start a new data directory from a state file (- for stdin); then easlab serve --data DIR",
		Example: `  easlab state import --data ./case-1234 case-1234.json && easlab serve --data ./case-1234`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if dataDir == "" {
				return errors.New("--data DIR is required")
			}
			var r io.Reader = cmd.InOrStdin()
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				r = f
			}
			st, err := store.OpenSQLite(dataDir)
			if err != nil {
				return fmt.Errorf("--data: %w", err)
			}
			defer st.Close()
			if err := store.Import(st, r); err != nil {
				return fmt.Errorf("importing %s into %s: %w", args[0], dataDir, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "imported %s into %s; start it with: easlab serve --data %s\n", args[0], dataDir, dataDir)
			return nil
		},
	}
	cmd.Flags().StringVar(&dataDir, "data", "", "the data directory to create (it must hold no organization yet)")
	return cmd
}

// writeOut writes to path through a temporary file renamed into place, so
// a failed export leaves no half file; "-" is w.
func writeOut(path string, w io.Writer, write func(io.Writer) error) error {
	if path == "-" {
		return write(w)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".easlab-state-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// exportURL saves GET <url>/api/state.
func exportURL(ctx context.Context, url, token string, w io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(url, "/")+"/api/state", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("GET %s/api/state: %s: %s", url, resp.Status, strings.TrimSpace(string(b)))
	}
	// Read it back before keeping it: a cut connection must not leave a
	// file that looks whole.
	st, err := store.ReadFile(resp.Body)
	if err != nil {
		return fmt.Errorf("GET %s/api/state: %w", url, err)
	}
	return store.WriteFile(w, st)
}

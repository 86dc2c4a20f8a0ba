package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/easlab/easlab/adminapi"
	"github.com/easlab/easlab/clock"
	"github.com/easlab/easlab/harness"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
)

// defaultMFAURL is where easlab mfa serve listens by default, and where
// list, approve and deny look for it.
const defaultMFAURL = "http://127.0.0.1:8090"

func newMFACmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mfa serve|list|approve|deny",
		Short: "Run the mock MFA push provider on its own, and answer its pushes by hand",
		Long: `The mock MFA push provider the scenarios use, as a standalone server: run
easlab serve, a gateway or agent configured with this provider's URL, and a
phone (easlab device), and answer the pushes yourself.

Its contract (what a product speaks): POST /v1/push and GET /v1/push/{id}, as
the README's "MFA provider" section describes.`,
		Example: `  easlab mfa serve --listen 127.0.0.1:8090
  easlab mfa list
  easlab mfa approve p-3f2a...
  easlab mfa deny p-3f2a...`,
	}
	cmd.AddCommand(newMFAServeCmd(), newMFAListCmd(), newMFADecideCmd("approve", harness.PushApproved), newMFADecideCmd("deny", harness.PushDenied))
	return cmd
}

func newMFAServeCmd() *cobra.Command {
	var listen, adminURL, adminToken, orgFile string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the mock MFA provider until interrupted, printing each push",
		Long: `Serve the mock MFA provider on --listen until interrupted. It knows the people
of a running simulator (--admin-url, default $EASLAB_ADMIN_URL: its
Get-Mailbox), of an organization file (--org), or else of the demo
organization. Each push is printed as it arrives and stays pending until
easlab mfa approve or deny answers it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if adminURL == "" {
				adminURL = os.Getenv("EASLAB_ADMIN_URL")
			}
			if adminToken == "" {
				adminToken = os.Getenv("EASLAB_ADMIN_TOKEN")
			}
			people, err := mfaPeople(cmd.Context(), adminURL, adminToken, orgFile)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return serveMFA(ctx, cmd.OutOrStdout(), listen, people, nil)
		},
	}
	cmd.Flags().StringVar(&listen, "listen", strings.TrimPrefix(defaultMFAURL, "http://"), "host:port to listen on")
	cmd.Flags().StringVar(&adminURL, "admin-url", "", "a running simulator whose mailboxes are the provider's people (default $EASLAB_ADMIN_URL)")
	cmd.Flags().StringVar(&adminToken, "admin-token", "", "its admin token (default $EASLAB_ADMIN_TOKEN)")
	cmd.Flags().StringVar(&orgFile, "org", "", "an organization file whose users are the provider's people")
	return cmd
}

// mfaPeople are the provider's people: a simulator's mailboxes, an
// organization file's users, or the demo organization's.
func mfaPeople(ctx context.Context, adminURL, token, orgFile string) ([]harness.Person, error) {
	var people []harness.Person
	switch {
	case adminURL != "":
		c := adminapi.Client{URL: adminURL, Token: token}
		r, err := c.Call(ctx, "Get-Mailbox", map[string]any{"ResultSize": "Unlimited"})
		if err != nil {
			return nil, fmt.Errorf("the people of %s: %w", adminURL, withTLSHint(err))
		}
		var mbx []struct{ UserPrincipalName, PrimarySmtpAddress, DisplayName string }
		if err := json.Unmarshal(r.Output, &mbx); err != nil {
			return nil, fmt.Errorf("the people of %s: %w", adminURL, err)
		}
		for _, m := range mbx {
			people = append(people, harness.Person{UPN: m.UserPrincipalName, SMTP: m.PrimarySmtpAddress, DisplayName: m.DisplayName})
		}
	default:
		var d *simulator.Directory
		var err error
		if orgFile != "" {
			d, err = loadOrgFile(orgFile)
		} else {
			d, err = demo.NewDirectory("unused", 0, clock.Real().Now()) // the people, not their passwords
		}
		if err != nil {
			return nil, err
		}
		for _, u := range d.Users() {
			people = append(people, harness.Person{UPN: u.UserPrincipalName, SMTP: u.PrimarySmtpAddress, DisplayName: u.DisplayName})
		}
	}
	return people, nil
}

// serveMFA runs the provider on listen until ctx ends, printing its URL
// and each push; ready, when not nil, gets the URL once it listens.
func serveMFA(ctx context.Context, out io.Writer, listen string, people []harness.Person, ready chan<- string) error {
	m, err := harness.NewMFAProviderAt(listen, people)
	if err != nil {
		return err
	}
	defer m.Close()
	m.OnPush(func(p harness.Push) harness.Decision {
		fmt.Fprintf(out, "%s push %s: %s (%s), %s %s %q, pending: easlab mfa approve %s\n",
			time.Now().Format(time.TimeOnly), p.ID, p.Person, p.DisplayName, p.Device.Type, p.Device.ID, p.Device.Model, p.ID)
		return harness.Decision{}
	})
	fmt.Fprintf(out, "mock MFA provider on %s for %d people (EASLAB_MFA_URL=%s); Ctrl-C to stop\n", m.URL(), len(people), m.URL())
	if ready != nil {
		ready <- m.URL()
	}
	<-ctx.Done()
	return nil
}

func mfaURL(flag string) string {
	switch {
	case flag != "":
		return strings.TrimSuffix(flag, "/")
	case os.Getenv("EASLAB_MFA_URL") != "":
		return strings.TrimSuffix(os.Getenv("EASLAB_MFA_URL"), "/")
	}
	return defaultMFAURL
}

func newMFAListCmd() *cobra.Command {
	var url string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the pushes the provider received, oldest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var body struct {
				Pushes []harness.Push `json:"pushes"`
			}
			if err := mfaCall(http.MethodGet, mfaURL(url)+"/_internal/pushes", nil, &body); err != nil {
				return err
			}
			if asJSON {
				writeJSON(cmd.OutOrStdout(), body.Pushes)
				return nil
			}
			w := cmd.OutOrStdout()
			if len(body.Pushes) == 0 {
				fmt.Fprintln(w, "no pushes yet")
			}
			for _, p := range body.Pushes {
				fmt.Fprintf(w, "%s  %-8s  %s  %s %s %q  %s\n", p.ID, p.Status, p.Person, p.Device.Type, p.Device.ID, p.Device.Model, p.Created.Format(time.DateTime))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&url, "url", "", "the provider's URL (default $EASLAB_MFA_URL, else "+defaultMFAURL+")")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the pushes as JSON")
	return cmd
}

func newMFADecideCmd(verb, status string) *cobra.Command {
	var url string
	cmd := &cobra.Command{
		Use:   verb + " PUSHID",
		Short: map[string]string{"approve": "Approve a pending push", "deny": "Deny a pending push"}[verb],
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			body, _ := json.Marshal(map[string]string{"status": status})
			if err := mfaCall(http.MethodPost, mfaURL(url)+"/_internal/push/"+args[0]+"/decision", body, nil); err != nil {
				return fmt.Errorf("%s %s: %w", verb, args[0], err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "push %s %s\n", args[0], status)
			return nil
		},
	}
	cmd.Flags().StringVar(&url, "url", "", "the provider's URL (default $EASLAB_MFA_URL, else "+defaultMFAURL+")")
	return cmd
}

// mfaCall makes one test-control request and decodes its JSON answer.
func mfaCall(method, url string, body []byte, out any) error {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("the MFA provider at %s: %w (is easlab mfa serve running?)", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if resp.StatusCode/100 != 2 {
		var e struct{ Error string }
		if json.Unmarshal(b, &e) == nil && e.Error != "" {
			return errors.New(e.Error)
		}
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/eas"
)

// TestServe starts `easlab serve` on a free port, checks the banner, the
// health check and OPTIONS, and shuts it down.
func TestServe(t *testing.T) {
	for _, tc := range []struct {
		name       string
		cfg        serveConfig
		user, pass string // an account for OPTIONS
		want       []string
	}{
		{"demo", serveConfig{listen: "127.0.0.1:0", demoPassword: "Passw0rd!", demoUsers: 3, profile: "Exchange2016", logFormat: "json", logLevel: "info", adminToken: "s3cret"},
			"alice@contoso.com", "Passw0rd!", []string{"alice@contoso.com", "Alice Wilber", `CONTOSO\alice`, "Passw0rd!", "user00003@contoso.com", "15.1", "Bearer s3cret", "/PowerShell/", `as CONTOSO\admin, password "Passw0rd!" (in Organization Management)`}},
		{"tls", serveConfig{listen: "127.0.0.1:0", tls: true, demoPassword: "Passw0rd!", profile: "Exchange2019", logFormat: "text", logLevel: "warn"},
			"alice", "Passw0rd!", []string{"https://127.0.0.1:"}},
		{"org file", serveConfig{listen: "127.0.0.1:0", orgFile: writeOrg(t), profile: "Exchange2019", logFormat: "text", logLevel: "info"},
			`FABRIKAM\katie`, "S3cret!", []string{"katie@fabrikam.com", `FABRIKAM\katie`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			var out, logs bytes.Buffer
			ready := make(chan string, 1)
			errc := make(chan error, 1)
			go func() { errc <- runServe(ctx, tc.cfg, &out, &logs, ready) }()
			var base string
			select {
			case base = <-ready:
			case err := <-errc:
				t.Fatal(err)
			case <-time.After(10 * time.Second):
				t.Fatal("serve did not start")
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("banner lacks %q:\n%s", w, out.String())
				}
			}
			client := &http.Client{Transport: &http.Transport{TLSClientConfig: insecureTLS()}}
			resp, err := client.Get(base + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || string(body) != "ok\n" {
				t.Errorf("healthz: %d %q", resp.StatusCode, body)
			}
			req, _ := http.NewRequest(http.MethodOptions, base+"/Microsoft-Server-ActiveSync", nil)
			req.SetBasicAuth(tc.user, tc.pass)
			resp, err = client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.Header.Get("MS-ASProtocolVersions") == "" {
				t.Error("OPTIONS without MS-ASProtocolVersions")
			}
			cancel()
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestServeBadFlags(t *testing.T) {
	for _, cfg := range []serveConfig{
		{listen: "127.0.0.1:0", profile: "Exchange2003", logFormat: "text", logLevel: "info"},
		{listen: "127.0.0.1:0", profile: "Exchange2019", logFormat: "xml", logLevel: "info"},
		{listen: "127.0.0.1:0", profile: "Exchange2019", logFormat: "text", logLevel: "loud"},
		{listen: "127.0.0.1:0", profile: "Exchange2019", logFormat: "text", logLevel: "info", certFile: "x.pem"},
		{listen: "127.0.0.1:0", profile: "Exchange2019", logFormat: "text", logLevel: "info", orgFile: "/nonexistent.yaml"},
	} {
		if err := runServe(context.Background(), cfg, io.Discard, io.Discard, nil); err == nil {
			t.Errorf("accepted %+v", cfg)
		}
	}
}

func writeOrg(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "org.yaml")
	org := "organization: {name: Fabrikam, domain: fabrikam.com, netbios: FABRIKAM}\nusers:\n  - {alias: katie, displayName: Katie Jordan, password: S3cret!}\n"
	if err := os.WriteFile(p, []byte(org), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func insecureTLS() *tls.Config { return &tls.Config{InsecureSkipVerify: true} }

// --mail-rate delivers new mail to the mailboxes in turn: a device that
// sets up a moment later finds some in its Inbox.
func TestServeMailRate(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	go runServe(ctx, serveConfig{listen: "127.0.0.1:0", demoPassword: "Passw0rd!", profile: "Exchange2019", logFormat: "text", logLevel: "error", mailRate: 300}, io.Discard, io.Discard, ready)
	base := <-ready
	start := time.Now()
	time.Sleep(300 * time.Millisecond)
	p, _ := clients.ProfileByName(clients.IPhone)
	d := clients.New(p, clients.Options{BaseURL: base + "/Microsoft-Server-ActiveSync", User: "alice@contoso.com", Password: "Passw0rd!"})
	if err := d.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	in, _ := d.FolderByType(eas.FolderTypeInbox)
	n := 0
	for _, it := range d.Items(in.ServerId) {
		if strings.HasPrefix(it.Subject, "Load mail ") {
			n++
		}
	}
	// 300 a second over the three demo mailboxes: about 100 a second
	// each, never more.
	most := int(100*time.Since(start).Seconds()) + 2
	if n < 5 || n > most {
		t.Errorf("alice got %d load mails, want 5 to %d", n, most)
	}
}

// --device-info-required-from takes a protocol version (the lenient 16.1,
// or Exchange's 14.1, the default; exchange-admin.md 2.2) and refuses
// anything else before serving.
func TestServeDeviceInfoRequiredFromFlag(t *testing.T) {
	err := runServe(context.Background(), serveConfig{listen: "127.0.0.1:0", profile: "Exchange2019", logFormat: "text", logLevel: "error", deviceInfoFrom: "15.0"}, io.Discard, io.Discard, nil)
	if err == nil || !strings.Contains(err.Error(), "--device-info-required-from") {
		t.Fatalf("runServe with --device-info-required-from 15.0: %v, want a refusal naming the flag", err)
	}
	cmd := newServeCmd()
	if f := cmd.Flags().Lookup("device-info-required-from"); f == nil || f.DefValue != "14.1" {
		t.Fatalf("--device-info-required-from: %+v, want default 14.1", f)
	}
}

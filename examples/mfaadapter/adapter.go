// Package mfaadapter is easlab's reference MFA adapter (command
// examples/adapter): it speaks the adapter contract of `easlab test
// --mfa-adapter` (JSON lines on stdin and stdout; see the README and
// harness's adapter.go) and fronts the mock MFA provider at
// $EASLAB_MFA_URL through its test-control side (/_internal/). A vendor's
// adapter does the same against its own cloud's API.
package mfaadapter

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/easlab/easlab/examples/mfaclient"
)

// Flaw is a deliberate bug of a broken variant.
type Flaw string

// The flaws of the broken variants.
const (
	NoFlaw Flaw = ""
	// DoubleReport lists every push twice.
	DoubleReport Flaw = "double-report"
)

// Device is the device a push asks about.
type Device = mfaclient.Device

// Push is one push as the contract's "pushes" answer lists it.
type Push struct {
	ID          string    `json:"pushId"`
	User        string    `json:"user"`
	Person      string    `json:"person"`
	DisplayName string    `json:"displayName"`
	Device      Device    `json:"device"`
	Created     time.Time `json:"created"`
	Status      string    `json:"status"`
	Decided     time.Time `json:"decided,omitzero"`
}

// Request is one request line from the harness.
type Request struct {
	ID       int    `json:"id"`
	Op       string `json:"op"`
	Contract int    `json:"contract,omitempty"`
	PushID   string `json:"pushId,omitempty"`
	Status   string `json:"status,omitempty"`
	Down     *bool  `json:"down,omitempty"`
}

// Answer is one answer line to the harness.
type Answer struct {
	ID          int     `json:"id"`
	OK          bool    `json:"ok"`
	Error       string  `json:"error,omitempty"`
	Unsupported bool    `json:"unsupported,omitempty"`
	Name        string  `json:"name,omitempty"`
	Pushes      *[]Push `json:"pushes,omitempty"`
}

// Cloud is the vendor's side the adapter fronts: here the mock
// provider's test-control API.
type Cloud struct {
	mfaclient.Client
}

// Pushes lists every push the cloud received, oldest first.
func (c *Cloud) Pushes(ctx context.Context) ([]Push, error) {
	var out struct {
		Pushes []Push `json:"pushes"`
	}
	if err := c.Do(ctx, http.MethodGet, "/_internal/pushes", nil, http.StatusOK, &out); err != nil {
		return nil, err
	}
	if out.Pushes == nil {
		out.Pushes = []Push{}
	}
	return out.Pushes, nil
}

// Decide answers a pending push with status.
func (c *Cloud) Decide(ctx context.Context, id, status string) error {
	body, _ := json.Marshal(map[string]string{"status": status})
	return c.Do(ctx, http.MethodPost, "/_internal/push/"+url.PathEscape(id)+"/decision", body, http.StatusOK, nil)
}

// SetDown makes the cloud refuse the product's pushes (or serve again).
func (c *Cloud) SetDown(ctx context.Context, down bool) error {
	body, _ := json.Marshal(map[string]bool{"down": down})
	return c.Do(ctx, http.MethodPut, "/_internal/down", body, http.StatusNoContent, nil)
}

// Adapter answers the harness's requests from a Cloud.
type Adapter struct {
	Cloud  *Cloud
	Flaw   Flaw
	Logger *slog.Logger
}

// Serve reads requests from in, one JSON line each, and writes one answer
// line each to out, until in ends.
func (a *Adapter) Serve(ctx context.Context, in io.Reader, out io.Writer) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	enc := json.NewEncoder(out)
	for sc.Scan() {
		var req Request
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			return fmt.Errorf("adapter: a request that is not JSON: %w", err)
		}
		ans := a.answer(ctx, req)
		if !ans.OK {
			a.Logger.Warn("refused", "op", req.Op, "err", ans.Error)
		}
		if err := enc.Encode(ans); err != nil {
			return fmt.Errorf("adapter: write the answer: %w", err)
		}
	}
	return sc.Err()
}

func (a *Adapter) answer(ctx context.Context, req Request) Answer {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	ans := Answer{ID: req.ID, OK: true}
	var err error
	switch req.Op {
	case "hello":
		ans.Name = "easlab reference adapter (mock MFA provider)"
		if a.Flaw != NoFlaw {
			ans.Name += ", flaw " + string(a.Flaw)
		}
	case "pushes":
		var ps []Push
		if ps, err = a.Cloud.Pushes(ctx); err == nil {
			if a.Flaw == DoubleReport {
				doubled := make([]Push, 0, 2*len(ps))
				for _, p := range ps {
					doubled = append(doubled, p, p)
				}
				ps = doubled
			}
			ans.Pushes = &ps
		}
	case "decide":
		err = a.Cloud.Decide(ctx, req.PushID, req.Status)
	case "setDown":
		if req.Down == nil {
			err = fmt.Errorf("setDown needs down")
		} else {
			err = a.Cloud.SetDown(ctx, *req.Down)
		}
	default:
		ans.Unsupported = true
		err = fmt.Errorf("unknown op %q", req.Op)
	}
	if err != nil {
		ans.OK, ans.Error = false, err.Error()
	}
	return ans
}

// Main is the adapter's program: the mock provider's URL from
// $EASLAB_MFA_URL, requests on stdin, answers on stdout, logs on stderr.
// flaw is NoFlaw but in the broken variants.
func Main(flaw Flaw) {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	base := os.Getenv("EASLAB_MFA_URL")
	if base == "" {
		fmt.Fprintln(os.Stderr, "adapter: EASLAB_MFA_URL is not set")
		os.Exit(2)
	}
	a := &Adapter{Cloud: &Cloud{Client: mfaclient.Client{URL: strings.TrimSuffix(base, "/"), HTTP: &http.Client{Timeout: 5 * time.Second}}}, Flaw: flaw, Logger: log}
	log.Info("adapter started", "cloud", base, "flaw", flaw)
	if err := a.Serve(context.Background(), os.Stdin, os.Stdout); err != nil {
		log.Error("adapter stopped", "err", err)
		os.Exit(1)
	}
	log.Info("adapter stopped: stdin closed")
}

package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Fault is a misbehaviour of the simulator for chosen requests (the
// simulator's /api/faults): EAS requests matched by Command, User and
// DeviceID, or admin cmdlets matched by Cmdlet. See simulator/faults.go
// for the semantics.
type Fault struct {
	Command, User, DeviceID, Cmdlet string

	Latency    time.Duration
	HTTPStatus int
	RetryAfter int // seconds, with HTTPStatus 503
	Status     int // an EAS status in the body
	Redirect   string
	Drop       bool

	Count int           // the next Count matching requests; 0: no limit
	For   time.Duration // from now on the simulator's clock; 0: no limit
}

// InjectFault makes the simulator misbehave and returns the fault's id.
func (a *AdminClient) InjectFault(ctx context.Context, f Fault) (string, error) {
	body := map[string]any{
		"match": map[string]string{"command": f.Command, "user": f.User, "deviceId": f.DeviceID, "cmdlet": f.Cmdlet},
		"action": map[string]any{"latency": f.Latency.String(), "httpStatus": f.HTTPStatus, "retryAfter": f.RetryAfter,
			"status": f.Status, "redirect": f.Redirect, "drop": f.Drop},
		"count": f.Count, "for": f.For.String(),
	}
	raw, _ := json.Marshal(body)
	resp, err := a.faultsRequest(ctx, http.MethodPost, "", raw)
	if err != nil {
		return "", err
	}
	var out struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(resp, &out); err != nil {
		return "", err
	}
	return out.ID, nil
}

// ClearFaults removes every fault.
func (a *AdminClient) ClearFaults(ctx context.Context) error {
	_, err := a.faultsRequest(ctx, http.MethodDelete, "", nil)
	return err
}

func (a *AdminClient) faultsRequest(ctx context.Context, method, id string, body []byte) ([]byte, error) {
	u := strings.TrimSuffix(a.URL, "/") + "/api/faults"
	if id != "" {
		u += "/" + id
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+a.Token)
	req.Header.Set("Content-Type", "application/json")
	c := a.HTTP
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 300 {
		return nil, fmt.Errorf("%s /api/faults: HTTP %d: %s", method, resp.StatusCode, bytes.TrimSpace(raw))
	}
	return raw, nil
}

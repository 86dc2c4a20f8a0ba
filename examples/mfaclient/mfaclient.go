// Package mfaclient speaks the MFA push contract of easlab's mock provider
// (harness.MFAProvider): POST /v1/push, GET /v1/push/{id}?wait=N. The
// reference agent and gateway share it.
package mfaclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Device is the device a push asks about.
type Device struct {
	ID           string `json:"id"`
	Type         string `json:"type"`
	Model        string `json:"model"`
	OS           string `json:"os"`
	UserAgent    string `json:"userAgent"`
	FriendlyName string `json:"friendlyName"`
}

// Push statuses.
const (
	Pending  = "pending"
	Approved = "approved"
	Denied   = "denied"
	Expired  = "expired"
)

// Client is an MFA provider client.
type Client struct {
	URL  string
	HTTP *http.Client
}

// New returns a client of the provider at baseURL.
func New(baseURL string) *Client {
	return &Client{URL: strings.TrimSuffix(baseURL, "/"), HTTP: &http.Client{Timeout: 90 * time.Second}}
}

// Error is a refusal by the provider.
type Error struct {
	HTTPStatus int
	Message    string
}

func (e *Error) Error() string { return fmt.Sprintf("mfa: HTTP %d: %s", e.HTTPStatus, e.Message) }

// Push asks user (UPN or e-mail address) to approve dev and returns the
// push id.
func (c *Client) Push(ctx context.Context, user, displayName string, dev Device) (string, error) {
	body, _ := json.Marshal(map[string]any{"user": user, "displayName": displayName, "device": dev})
	var out struct {
		PushID string `json:"pushId"`
	}
	if err := c.Do(ctx, http.MethodPost, "/v1/push", body, http.StatusCreated, &out); err != nil {
		return "", err
	}
	return out.PushID, nil
}

// Status returns a push's status, waiting up to wait for it to leave
// pending.
func (c *Client) Status(ctx context.Context, id string, wait time.Duration) (string, error) {
	var out struct {
		Status string `json:"status"`
	}
	path := "/v1/push/" + url.PathEscape(id) + fmt.Sprintf("?wait=%d", int(wait/time.Second))
	if err := c.Do(ctx, http.MethodGet, path, nil, http.StatusOK, &out); err != nil {
		return "", err
	}
	return out.Status, nil
}

// Do sends one JSON request to the provider (body nil: none) and decodes
// the answer into out (nil: ignored); an answer other than want is an
// *Error carrying the provider's message.
func (c *Client) Do(ctx context.Context, method, path string, body []byte, want int, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.URL+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("mfa: %w", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != want {
		var e struct {
			Error string `json:"error"`
		}
		json.Unmarshal(raw, &e)
		return &Error{HTTPStatus: resp.StatusCode, Message: e.Error}
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(raw, out)
}

// Package adminapi is a client of easlab's admin API: Exchange's
// management cmdlets as JSON over HTTP (POST /api/cmdlet with a bearer
// token; see the simulator package for the server side). An MFA agent
// calls it where it would call PowerShell; `easlab admin`, the harness
// and the reference agent use this client.
package adminapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Client runs cmdlets against one server.
type Client struct {
	// URL is the server's base URL; cmdlets go to URL/api/cmdlet.
	URL string
	// Token is the bearer token.
	Token string
	// HTTP defaults to http.DefaultClient.
	HTTP *http.Client
}

// Error is a cmdlet's failure, with PowerShell's category and wording.
type Error struct {
	Cmdlet     string
	Category   string
	Message    string
	HTTPStatus int
	// Exception is the .NET exception Exchange reports
	// ("Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException")
	// and CategoryInfo the ErrorRecord's CategoryInfo as PowerShell prints
	// it ("NotSpecified: (:) [Get-MobileDevice], ManagementObjectNotFoundException"),
	// when the cmdlet ran.
	Exception    string
	CategoryInfo string
}

func (e *Error) Error() string {
	if e.Category == "" {
		return fmt.Sprintf("%s: HTTP %d: %s", e.Cmdlet, e.HTTPStatus, e.Message)
	}
	return fmt.Sprintf("%s: %s (%s)", e.Cmdlet, e.Message, e.Category)
}

// Reply is what a cmdlet wrote: its objects, raw, and its warnings.
type Reply struct {
	Output   json.RawMessage `json:"output"`
	Warnings []string        `json:"warnings"`
}

// Call runs cmdlet with params (PowerShell's values in JSON: strings,
// numbers, booleans, lists, {"Add": [...], "Remove": [...]}) and returns
// its reply. A refusal is an *Error.
func (c *Client) Call(ctx context.Context, cmdlet string, params map[string]any) (Reply, error) {
	if params == nil {
		params = map[string]any{}
	}
	body, err := json.Marshal(map[string]any{"cmdlet": cmdlet, "parameters": params})
	if err != nil {
		return Reply{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(c.URL, "/")+"/api/cmdlet", bytes.NewReader(body))
	if err != nil {
		return Reply{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return Reply{}, fmt.Errorf("%s: %w", cmdlet, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return Reply{}, fmt.Errorf("%s: %w", cmdlet, err)
	}
	var r struct {
		Reply
		Error *struct{ Category, Message, Exception, CategoryInfo string } `json:"error"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return Reply{}, &Error{Cmdlet: cmdlet, HTTPStatus: resp.StatusCode, Message: strings.TrimSpace(string(raw))}
	}
	if r.Error != nil {
		return Reply{}, &Error{Cmdlet: cmdlet, Category: r.Error.Category, Message: r.Error.Message, HTTPStatus: resp.StatusCode,
			Exception: r.Error.Exception, CategoryInfo: r.Error.CategoryInfo}
	}
	if resp.StatusCode != http.StatusOK {
		return Reply{}, &Error{Cmdlet: cmdlet, HTTPStatus: resp.StatusCode, Message: http.StatusText(resp.StatusCode)}
	}
	return r.Reply, nil
}

// Run runs cmdlet and decodes its output objects into out (a pointer to a
// slice of structs with Exchange's property names), when out is not nil.
func (c *Client) Run(ctx context.Context, cmdlet string, params map[string]any, out any) error {
	r, err := c.Call(ctx, cmdlet, params)
	if err != nil || out == nil || len(r.Output) == 0 || string(r.Output) == "null" {
		return err
	}
	if err := json.Unmarshal(r.Output, out); err != nil {
		return fmt.Errorf("%s: %w", cmdlet, err)
	}
	return nil
}

package clients

import (
	"context"
	"net/http"

	"github.com/easlab/easlab/eas"
)

// Do sends one command with in as its WBXML body (an eas message; raw
// bytes are sent as they are) and decodes the answer into out, reacting as
// the device's other commands do (provisioning on 449 or 142-144, following
// 451). It is the way to send a command Device has no method for, e.g.
// GetItemEstimate, MoveItems, MeetingResponse, ResolveRecipients or Find.
// A top-level Status above 100, or an HTTP error, is a *ServerError; a
// command-level Status inside out is the caller's to read.
func (d *Device) Do(ctx context.Context, cmd eas.Command, in, out any) error {
	return d.call(ctx, cmd, in, out, query{})
}

// GetAttachment fetches an attachment's bytes with the legacy
// GetAttachment command (up to 12.1; MS-ASCMD 2.2.1.6): the FileReference
// goes in the AttachmentName query parameter and the answer is the raw
// attachment. A 449 provisions and retries once, as other commands do.
func (d *Device) GetAttachment(ctx context.Context, fileReference string) ([]byte, error) {
	for retried := false; ; retried = true {
		r, err := d.roundTrip(ctx, eas.CommandGetAttachment, nil, query{attachmentName: fileReference})
		if err != nil {
			return nil, err
		}
		switch {
		case r.status == http.StatusOK:
			return r.body, nil
		case r.status == eas.HTTPRetryWith && !retried:
			if err := d.Provision(ctx); err != nil {
				return nil, err
			}
			continue
		}
		return nil, &ServerError{Command: eas.CommandGetAttachment, HTTPStatus: r.status, RetryAfter: retryAfter(r.header)}
	}
}

// Roam points the device at another ActiveSync URL, keeping everything it
// knows (policy key, folders, sync keys): a phone set up on the office
// network that now reaches Exchange from outside, through a gateway.
func (d *Device) Roam(baseURL string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.opts.BaseURL = baseURL
}

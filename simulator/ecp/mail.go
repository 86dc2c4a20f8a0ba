package ecp

import (
	"net/http"
	"net/url"
	"strings"
)

// casMailbox is what the mailboxes page shows of Get-CASMailbox.
type casMailbox struct {
	PrimarySmtpAddress             string
	ActiveSyncEnabled              bool
	ActiveSyncMailboxPolicy        string
	HasActiveSyncDevicePartnership bool
}

// mailboxRow is one row of the mailboxes page.
type mailboxRow struct {
	mailbox
	Alias string
	CAS   *casMailbox
}

// pathSegments returns the path's segments after prefix (lower case),
// unescaped, in their original case; nil when one doesn't unescape.
func pathSegments(r *http.Request, prefix string) []string {
	ep := r.URL.EscapedPath()
	if len(ep) < len(prefix) || !strings.EqualFold(ep[:len(prefix)], prefix) {
		return nil
	}
	rest := strings.Trim(ep[len(prefix):], "/")
	if rest == "" {
		return []string{}
	}
	var out []string
	for _, s := range strings.Split(rest, "/") {
		u, err := url.PathUnescape(s)
		if err != nil || u == "" {
			return nil
		}
		out = append(out, u)
	}
	return out
}

// serveMailboxes is the mailboxes page: every mailbox (Get-Mailbox) with
// its ActiveSync settings (Get-CASMailbox).
func (h *Handler) serveMailboxes(w http.ResponseWriter, r *http.Request, sess *session) {
	d := pageData{Session: sess, Title: "Mailboxes"}
	var mbs []struct {
		mailbox
		Alias string
	}
	if err := h.run(r.Context(), "Get-Mailbox", map[string]any{"ResultSize": "Unlimited"}, &mbs); err != nil {
		d.Flash = &flash{Text: cmdletError(err), Error: true}
		h.page(w, r, http.StatusOK, "mailboxes", d)
		return
	}
	var cas []casMailbox
	if err := h.run(r.Context(), "Get-CASMailbox", map[string]any{"ResultSize": "Unlimited"}, &cas); err != nil {
		d.Flash = &flash{Text: cmdletError(err), Error: true}
	}
	byAddr := make(map[string]*casMailbox)
	for i := range cas {
		byAddr[strings.ToLower(cas[i].PrimarySmtpAddress)] = &cas[i]
	}
	for _, m := range mbs {
		d.Mailboxes = append(d.Mailboxes, mailboxRow{mailbox: m.mailbox, Alias: m.Alias, CAS: byAddr[strings.ToLower(m.PrimarySmtpAddress)]})
	}
	h.page(w, r, http.StatusOK, "mailboxes", d)
}

// serveMailbox is /ecp/mailboxes/<user> (its folders and messages) and
// /ecp/mailboxes/<user>/<item ServerId> (one message as its owner reads
// it).
func (h *Handler) serveMailbox(w http.ResponseWriter, r *http.Request, sess *session) {
	seg := pathSegments(r, "/ecp/mailboxes/")
	if len(seg) < 1 || len(seg) > 2 {
		h.notFound(w, r, sess)
		return
	}
	var mbs []mailbox
	if err := h.run(r.Context(), "Get-Mailbox", map[string]any{"Identity": seg[0]}, &mbs); err != nil || len(mbs) != 1 {
		msg := "The mailbox '" + seg[0] + "' couldn't be found."
		if err != nil {
			msg = cmdletError(err)
		}
		h.page(w, r, http.StatusNotFound, "error", pageData{Session: sess, Title: "Mailbox not found", Message: msg})
		return
	}
	mb := mbs[0]
	folders, ok := h.b.Mailbox(mb.PrimarySmtpAddress)
	if !ok {
		h.page(w, r, http.StatusNotFound, "error", pageData{Session: sess, Title: "Mailbox not found", Message: "The mailbox '" + seg[0] + "' couldn't be found."})
		return
	}
	d := pageData{Session: sess, Title: mb.DisplayName, Mailbox: &mb, MailboxID: seg[0], Folders: folders}
	if len(seg) == 1 {
		h.page(w, r, http.StatusOK, "mailbox", d)
		return
	}
	for fi := range folders {
		for ii := range folders[fi].Items {
			if it := &folders[fi].Items[ii]; it.ID == seg[1] {
				d.Title, d.Item, d.Folder = it.Subject, it, &folders[fi]
				if d.Title == "" {
					d.Title = "(no subject)"
				}
				h.page(w, r, http.StatusOK, "message", d)
				return
			}
		}
	}
	h.page(w, r, http.StatusNotFound, "error", pageData{Session: sess, Title: "Message not found", Message: "There is no item '" + seg[1] + "' in the mailbox of " + mb.PrimarySmtpAddress + ". It may have been moved or deleted."})
}

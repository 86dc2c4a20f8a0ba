package ecp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Live updates, where JavaScript runs: live.js follows /ecp/events (the
// event log as Server-Sent Events, behind the session like every page)
// and, when an event comes, fetches the page again and swaps its <main>.
// Without JavaScript the pages stay as they are served.

// liveHeartbeat is how often an idle stream gets a comment line, so that
// proxies keep it open and a client gone away is noticed.
const liveHeartbeat = 25 * time.Second

// liveWriteTimeout bounds each write to a stream's client.
const liveWriteTimeout = 10 * time.Second

// serveEvents streams the events after the Last-Event-ID (or ?since=),
// from the latest when neither is given.
func (h *Handler) serveEvents(w http.ResponseWriter, r *http.Request) {
	var after uint64
	for _, v := range []string{r.Header.Get("Last-Event-ID"), r.URL.Query().Get("since")} {
		if v == "" {
			continue
		}
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			http.Error(w, "bad event id", http.StatusBadRequest)
			return
		}
		after = n
	}
	if after == 0 {
		if evs := h.b.Events(); len(evs) > 0 {
			after = evs[len(evs)-1].ID // from now on: the page shows the past
		}
	}
	rc := http.NewResponseController(w)
	hdr := w.Header()
	hdr.Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
		return
	}
	ctx := r.Context()
	for ctx.Err() == nil {
		wait, cancel := context.WithTimeout(ctx, liveHeartbeat)
		evs := h.b.WaitEvents(wait, after)
		cancel()
		rc.SetWriteDeadline(time.Now().Add(liveWriteTimeout))
		if len(evs) == 0 {
			if _, err := fmt.Fprint(w, ": heartbeat\n\n"); err != nil {
				return
			}
		}
		for _, e := range evs {
			b, _ := json.Marshal(e)
			if _, err := fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", e.ID, e.Kind, b); err != nil {
				return
			}
			after = e.ID
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

// liveJS follows the event stream and refreshes the page's <main> when
// an event comes (a few at once refresh it once).
const liveJS = `(function () {
  if (!window.EventSource || !window.fetch || !window.DOMParser) { return; }
  var pending = null;
  function refresh() {
    pending = null;
    fetch(location.href, {credentials: 'same-origin', headers: {'Accept': 'text/html'}})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var next = new DOMParser().parseFromString(html, 'text/html').querySelector('main');
        var cur = document.querySelector('main');
        if (next && cur) { cur.replaceWith(next); document.documentElement.dataset.liveRefreshed = String(Date.now()); }
      });
  }
  var es = new EventSource('/ecp/events');
  es.onmessage = es.onerror = null;
  ['DeviceCreated', 'AccessStateChanged', 'MailPosted', 'PartnershipRemoved', 'WipeRequested', 'WipeCancelled', 'WipeSent', 'WipeAcknowledged'].forEach(function (kind) {
    es.addEventListener(kind, function () { if (!pending) { pending = setTimeout(refresh, 250); } });
  });
})();
`

// liveCSP is the Content-Security-Policy of a page that loads live.js:
// the admin center's, with scripts and connections to itself allowed
// (live.js only; no inline script).
const liveCSP = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// serveLiveJS serves liveJS.
func (h *Handler) serveLiveJS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	fmt.Fprint(w, liveJS)
}

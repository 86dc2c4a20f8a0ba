package clients_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
)

// TestAutodiscoverFindsTheEndpoint discovers the ActiveSync URL, following a
// redirect to another address (as a hybrid or migrated domain answers),
// then sets up against it.
func TestAutodiscoverFindsTheEndpoint(t *testing.T) {
	srv, err := simulator.New(simulator.Options{Directory: demoDirectory(t, time.Now()), ErrorResponseDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	redirects := 0
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.EqualFold(r.URL.Path, "/autodiscover/autodiscover.xml") {
			body, _ := io.ReadAll(r.Body)
			req, err := eas.ParseAutodiscoverRequest(bytes.NewReader(body))
			if err == nil && req.EMailAddress == "alice@contoso.net" {
				redirects++
				b, _ := (&eas.AutodiscoverResponse{Action: &eas.AutodiscoverAction{Redirect: "alice@contoso.com"}}).Marshal()
				w.Write(b)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		srv.ServeHTTP(w, r)
	}))
	defer hs.Close()
	p, _ := clients.ProfileByName(clients.IPhone)
	d := clients.New(p, clients.Options{User: "alice@contoso.com", Password: demo.Password, Seed: 20})
	c := ctx(t)
	url, err := d.Autodiscover(c, hs.URL+"/autodiscover/autodiscover.xml", "alice@contoso.net")
	if err != nil {
		t.Fatalf("Autodiscover: %v\n%s", err, d.Transcript())
	}
	if url != hs.URL+"/Microsoft-Server-ActiveSync" || redirects != 1 {
		t.Fatalf("Autodiscover found %q after %d redirects", url, redirects)
	}
	if err := d.Setup(c); err != nil {
		t.Fatalf("Setup at the discovered URL: %v", err)
	}
	if tr := d.Transcript().String(); !strings.Contains(tr, "<EMailAddress>alice@contoso.net</EMailAddress>") || !strings.Contains(tr, "<Redirect>alice@contoso.com</Redirect>") {
		t.Errorf("the transcript lacks the Autodiscover exchanges:\n%s", tr)
	}

	_, err = d.Autodiscover(c, hs.URL+"/autodiscover/autodiscover.xml", "nobody@contoso.com")
	if err == nil || !strings.Contains(err.Error(), "can't be found") {
		t.Errorf("unknown address: %v", err)
	}
	bad := clients.New(p, clients.Options{User: "alice@contoso.com", Password: "wrong", Seed: 21})
	_, err = bad.Autodiscover(c, hs.URL+"/autodiscover/autodiscover.xml", "alice@contoso.com")
	if !errors.Is(err, clients.ErrUnauthorized) || !strings.Contains(err.Error(), "Autodiscover: HTTP 401") {
		t.Errorf("wrong password: %v", err)
	}
}

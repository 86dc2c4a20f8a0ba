package mfaadapter

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/examples/mfaclient"
	"github.com/easlab/easlab/harness"
)

// The adapter answers each request line with one answer line, from the
// mock provider's test-control side; the broken variant lists each push
// twice.
func TestServe(t *testing.T) {
	mfa := harness.NewMFAProvider([]harness.Person{{UPN: "alice@contoso.com", SMTP: "alice@contoso.com"}})
	defer mfa.Close()
	resp, err := http.Post(mfa.URL()+"/v1/push", "application/json", strings.NewReader(`{"user":"alice@contoso.com","device":{"id":"D1","type":"iPhone"}}`))
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("push: %v %v", err, resp)
	}
	id := mfa.Pushes()[0].ID
	serve := func(flaw Flaw, requests ...string) []Answer {
		t.Helper()
		a := &Adapter{Cloud: &Cloud{Client: mfaclient.Client{URL: mfa.URL(), HTTP: &http.Client{Timeout: 5 * time.Second}}}, Flaw: flaw, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		var out bytes.Buffer
		if err := a.Serve(context.Background(), strings.NewReader(strings.Join(requests, "\n")+"\n"), &out); err != nil {
			t.Fatal(err)
		}
		var answers []Answer
		for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			var ans Answer
			if err := json.Unmarshal([]byte(l), &ans); err != nil {
				t.Fatalf("answer %q: %v", l, err)
			}
			answers = append(answers, ans)
		}
		if len(answers) != len(requests) {
			t.Fatalf("%d answers to %d requests:\n%s", len(answers), len(requests), out.String())
		}
		return answers
	}
	got := serve(NoFlaw,
		`{"id":1,"op":"hello","contract":1}`,
		`{"id":2,"op":"pushes"}`,
		`{"id":3,"op":"decide","pushId":"`+id+`","status":"approved"}`,
		`{"id":4,"op":"decide","pushId":"`+id+`","status":"denied"}`,
		`{"id":5,"op":"setDown","down":false}`,
		`{"id":6,"op":"rewind"}`)
	for i, ans := range got {
		if ans.ID != i+1 {
			t.Errorf("answer %d has id %d", i+1, ans.ID)
		}
	}
	if !got[0].OK || got[0].Name == "" {
		t.Errorf("hello: %+v", got[0])
	}
	if ps := got[1].Pushes; !got[1].OK || ps == nil || len(*ps) != 1 || (*ps)[0].ID != id || (*ps)[0].Person != "alice@contoso.com" || (*ps)[0].Device.Type != "iPhone" {
		t.Errorf("pushes: %+v", got[1])
	}
	if !got[2].OK || mfa.Pushes()[0].Status != harness.PushApproved {
		t.Errorf("decide: %+v; the mock has %s", got[2], mfa.Pushes()[0].Status)
	}
	if got[3].OK || !strings.Contains(got[3].Error, "already approved") {
		t.Errorf("decide a decided push: %+v", got[3])
	}
	if !got[4].OK || got[5].OK || !got[5].Unsupported {
		t.Errorf("setDown, unknown op: %+v %+v", got[4], got[5])
	}
	if ps := serve(DoubleReport, `{"id":1,"op":"pushes"}`)[0].Pushes; ps == nil || len(*ps) != 2 || (*ps)[0].ID != (*ps)[1].ID {
		t.Errorf("the double-reporting adapter listed %v", ps)
	}
}

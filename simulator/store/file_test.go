package store_test

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/easlab/easlab/simulator/store"
	"github.com/easlab/easlab/simulator/store/storetest"
)

func sampleFile(t testing.TB) []byte {
	var b bytes.Buffer
	if err := store.WriteFile(&b, storetest.Sample()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestFileRoundTrip(t *testing.T) {
	b := sampleFile(t)
	st, err := store.ReadFile(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("ReadFile: %v\n%s", err, b)
	}
	if d := storetest.Diff(storetest.Sample(), st); d != "" {
		t.Fatal(d)
	}
	// Data bytes come back exactly.
	if !bytes.Equal(st.Items[0].Data, storetest.Sample().Items[0].Data) || !bytes.Equal(st.Items[1].Data, storetest.Sample().Items[1].Data) {
		t.Errorf("item Data changed: %q %q", st.Items[0].Data, st.Items[1].Data)
	}
	text := string(b)
	for _, want := range []string{`"format": "easlab-state"`, `"version": 1`, `"syncStates": [`, `"serverId": "1:1"`,
		`"name": "Contoso"`,    // JSON Data is embedded
		`"base64": "/wD+eA=="`, // other Data is base64
		`"subject": "Hello <world> & \"you\""`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the file lacks %s:\n%s", want, text)
		}
	}
}

func TestFileDataEdgeCases(t *testing.T) {
	for _, d := range []string{`{"base64":"QQ=="}`, `{"base64":1}`, `null`, `{"a": 1}`, ` {}`, `"<&>"`, `"\u003c"`, "{\"a\":\"\u2028\"}", `0`, `[]`, `{}`} {
		st := &store.State{Org: &store.Org{Data: []byte(d)}}
		var b bytes.Buffer
		if err := store.WriteFile(&b, st); err != nil {
			t.Fatal(err)
		}
		got, err := store.ReadFile(&b)
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		if string(got.Org.Data) != d {
			t.Errorf("Data %s came back as %s", d, got.Org.Data)
		}
	}
}

func TestFileErrors(t *testing.T) {
	valid := func(edit func(m map[string]any)) string {
		var m map[string]any
		if err := json.Unmarshal(sampleFile(t), &m); err != nil {
			t.Fatal(err)
		}
		edit(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	list := func(m map[string]any, k string) []any { return m[k].([]any) }
	tests := []struct {
		name, file string
		says       []string
	}{
		{"not JSON", "hello", []string{"not a state file"}},
		{"wrong format", valid(func(m map[string]any) { m["format"] = "other" }), []string{`"other"`, `"easlab-state"`}},
		{"newer version", valid(func(m map[string]any) { m["version"] = 7 }), []string{"version 7", "version 1"}},
		{"unknown field", valid(func(m map[string]any) { m["extra"] = 1 }), []string{"extra"}},
		{"record of a mailbox not in the file", valid(func(m map[string]any) {
			d := list(m, "devices")[1].(map[string]any)
			d["mailbox"] = "carol@contoso.com"
		}), []string{"devices[1]", "carol@contoso.com", "not in the file"}},
		{"duplicate mailbox", valid(func(m map[string]any) {
			m["mailboxes"] = append(list(m, "mailboxes"), map[string]any{"address": "ALICE@contoso.com"})
		}), []string{"mailboxes[2]", "ALICE@contoso.com", "twice"}},
		{"duplicate device", valid(func(m map[string]any) {
			m["devices"] = append(list(m, "devices"), map[string]any{"mailbox": "alice@contoso.com", "deviceId": "androidc1"})
		}), []string{"devices[3]", "androidc1", "twice"}},
		{"duplicate item", valid(func(m map[string]any) {
			m["items"] = append(list(m, "items"), map[string]any{"mailbox": "bob@contoso.com", "serverId": "1:1"})
		}), []string{"items[3]", "1:1", "twice"}},
		{"duplicate folder", valid(func(m map[string]any) {
			m["folders"] = append(list(m, "folders"), map[string]any{"mailbox": "bob@contoso.com", "serverId": "1"})
		}), []string{"folders[3]", "twice"}},
		{"duplicate sync state", valid(func(m map[string]any) {
			m["syncStates"] = append(list(m, "syncStates"), map[string]any{"mailbox": "bob@contoso.com", "deviceId": "x", "collection": "1"})
		}), []string{"syncStates[3]", "twice"}},
		{"events out of order", valid(func(m map[string]any) {
			list(m, "events")[2].(map[string]any)["id"] = 2
		}), []string{"events[2]", "event 2"}},
		{"bad base64", valid(func(m map[string]any) {
			m["org"] = map[string]any{"data": map[string]any{"base64": "!!"}}
		}), []string{"base64"}},
		{"data after the document", string(sampleFile(t)) + "{}", []string{"after top-level value"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := store.ReadFile(strings.NewReader(tc.file))
			if err == nil {
				t.Fatal("ReadFile succeeded")
			}
			for _, w := range append(tc.says, "store: ") {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestFileSizeLimit(t *testing.T) {
	b := sampleFile(t)
	store.SetFileLimit(t, len(b))
	if _, err := store.ReadFile(bytes.NewReader(b)); err != nil {
		t.Fatalf("a file at the limit: %v", err)
	}
	_, err := store.ReadFile(io.MultiReader(bytes.NewReader(b), strings.NewReader(" ")))
	if err == nil || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("a file over the limit: %v", err)
	}
}

func TestExportImport(t *testing.T) {
	sqlite := func(t *testing.T) store.Store { return openSQLite(t, t.TempDir()) }
	memory := func(t *testing.T) store.Store { return store.NewMemory() }
	for _, tc := range []struct {
		name     string
		from, to func(*testing.T) store.Store
	}{{"Memory to SQLite", memory, sqlite}, {"SQLite to Memory", sqlite, memory}, {"SQLite to SQLite", sqlite, sqlite}} {
		t.Run(tc.name, func(t *testing.T) {
			from, to := tc.from(t), tc.to(t)
			if err := from.Update(func(tx store.Tx) error { return storetest.Put(tx, storetest.Sample()) }); err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := store.Export(from, &b); err != nil {
				t.Fatal(err)
			}
			file := b.Bytes()
			if err := store.Import(to, bytes.NewReader(file)); err != nil {
				t.Fatal(err)
			}
			a, err := from.Load()
			if err != nil {
				t.Fatal(err)
			}
			c, err := to.Load()
			if err != nil {
				t.Fatal(err)
			}
			if d := storetest.Diff(a, c); d != "" {
				t.Fatal(d)
			}
			// Importing again would merge: refused, nothing changed.
			err = store.Import(to, bytes.NewReader(file))
			if err == nil || !strings.Contains(err.Error(), "already holds") {
				t.Fatalf("second import: %v", err)
			}
			c2, _ := to.Load()
			if d := storetest.Diff(c, c2); d != "" {
				t.Fatal(d)
			}
		})
	}
}

func TestImportRefusesBadFileAtomically(t *testing.T) {
	m := store.NewMemory()
	var b bytes.Buffer
	big := storetest.Sample()
	big.Events = append(big.Events, store.Event{ID: 1 << 63}) // too big for a store
	if err := store.WriteFile(&b, big); err != nil {
		t.Fatal(err)
	}
	err := store.Import(m, &b)
	if err == nil {
		t.Fatal("import succeeded")
	}
	st, _ := m.Load()
	if d := storetest.Diff(&store.State{}, st); d != "" {
		t.Fatalf("a failed import kept %s", d)
	}
}

func FuzzReadFile(f *testing.F) {
	f.Add(sampleFile(f))
	f.Add([]byte(`{"format":"easlab-state","version":1,"mailboxes":[{"address":"a"}],"items":[{"mailbox":"A","serverId":"1","data":{"base64":"AA=="}}]}`))
	f.Add([]byte(`{"format":"easlab-state","version":1,"org":{"data":[1,2,{"x":null}]},"events":[{"id":1,"time":"2000-01-01T00:00:00+05:30"}]}`))
	f.Add([]byte(`{"format":"easlab-state","version":2}`))
	f.Add([]byte("\x00\xffgarbage"))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := store.ReadFile(bytes.NewReader(b))
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := store.WriteFile(&out, st); err != nil {
			t.Fatalf("WriteFile of what ReadFile returned: %v", err)
		}
		st2, err := store.ReadFile(&out)
		if err != nil {
			t.Fatalf("ReadFile of what WriteFile wrote: %v\n%s", err, out.Bytes())
		}
		if d := storetest.Diff(st, st2); d != "" {
			t.Fatalf("round trip changed the state: %s", d)
		}
	})
}

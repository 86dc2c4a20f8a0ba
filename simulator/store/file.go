package store

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"
)

// The state file is what a support engineer attaches to a case: a
// store's whole State as one indented JSON document,
//
//	{"format": "easlab-state", "version": 1, "exported": "2026-...",
//	 "org": {"data": ...}, "mailboxes": [...], "folders": [...],
//	 "items": [...], "devices": [...], "syncStates": [...], "events": [...]}
//
// with lowerCamel field names. A record's Data is embedded as JSON when
// it is compact, valid JSON (as the simulator writes it), so the file
// reads as one document, and as {"base64": "..."} otherwise (and when it
// is itself an object starting with a "base64" member, which would
// otherwise be ambiguous). Reading it back gives the same bytes.

const (
	// FileFormat is the state file's "format".
	FileFormat = "easlab-state"
	// FileVersion is the version of the state file WriteFile writes and
	// the newest ReadFile reads.
	FileVersion = 1
	// MaxFileSize is the largest state file ReadFile reads, 1 GiB.
	MaxFileSize = 1 << 30
)

// fileLimit is MaxFileSize but for tests.
var fileLimit = MaxFileSize

type fileDoc struct {
	Format     string          `json:"format"`
	Version    int             `json:"version"`
	Exported   time.Time       `json:"exported"`
	Org        *fileOrg        `json:"org,omitempty"`
	Mailboxes  []fileMailbox   `json:"mailboxes"`
	Folders    []fileFolder    `json:"folders"`
	Items      []fileItem      `json:"items"`
	Devices    []fileDevice    `json:"devices"`
	SyncStates []fileSyncState `json:"syncStates"`
	Events     []fileEvent     `json:"events"`
}

type fileOrg struct {
	Data fileData `json:"data,omitempty"`
}

type fileMailbox struct {
	Address     string   `json:"address"`
	Alias       string   `json:"alias,omitempty"`
	DisplayName string   `json:"displayName,omitempty"`
	ModSeq      uint64   `json:"modSeq,omitempty"`
	Data        fileData `json:"data,omitempty"`
}

type fileFolder struct {
	Mailbox     string `json:"mailbox"`
	ServerID    string `json:"serverId"`
	ParentID    string `json:"parentId,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	Type        int    `json:"type,omitempty"`
	ModSeq      uint64 `json:"modSeq,omitempty"`
	Deleted     bool   `json:"deleted,omitempty"`
}

type fileItem struct {
	Mailbox  string    `json:"mailbox"`
	ServerID string    `json:"serverId"`
	FolderID string    `json:"folderId,omitempty"`
	Class    string    `json:"class,omitempty"`
	Subject  string    `json:"subject,omitempty"`
	Received time.Time `json:"received"`
	ModSeq   uint64    `json:"modSeq,omitempty"`
	Deleted  bool      `json:"deleted,omitempty"`
	Data     fileData  `json:"data,omitempty"`
}

type fileDevice struct {
	Mailbox     string   `json:"mailbox"`
	DeviceID    string   `json:"deviceId"`
	DeviceType  string   `json:"deviceType,omitempty"`
	UserAgent   string   `json:"userAgent,omitempty"`
	AccessState string   `json:"accessState,omitempty"`
	PolicyKey   uint32   `json:"policyKey,omitempty"`
	Data        fileData `json:"data,omitempty"`
}

type fileSyncState struct {
	Mailbox    string   `json:"mailbox"`
	DeviceID   string   `json:"deviceId"`
	Collection string   `json:"collection"`
	Key        string   `json:"key,omitempty"`
	Data       fileData `json:"data,omitempty"`
}

type fileEvent struct {
	ID       uint64    `json:"id"`
	Time     time.Time `json:"time"`
	Type     string    `json:"type,omitempty"`
	Mailbox  string    `json:"mailbox,omitempty"`
	DeviceID string    `json:"deviceId,omitempty"`
	Data     fileData  `json:"data,omitempty"`
}

// fileData is a Data in the file: raw JSON or {"base64": "..."}.
type fileData []byte

var base64Prefix = []byte(`{"base64":`)

// embeddable reports whether b can be written as raw JSON and read back
// as the same bytes.
func embeddable(b []byte) bool {
	if !utf8.Valid(b) || !json.Valid(b) || bytes.HasPrefix(b, base64Prefix) || string(b) == "null" {
		return false
	}
	var c bytes.Buffer
	if err := json.Compact(&c, b); err != nil {
		return false
	}
	return bytes.Equal(c.Bytes(), b)
}

func (d fileData) MarshalJSON() ([]byte, error) {
	if embeddable(d) {
		return d, nil
	}
	return json.Marshal(struct {
		Base64 string `json:"base64"`
	}{base64.StdEncoding.EncodeToString(d)})
}

func (d *fileData) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = nil
		return nil
	}
	var c bytes.Buffer
	if err := json.Compact(&c, b); err != nil {
		return err
	}
	if !bytes.HasPrefix(c.Bytes(), base64Prefix) {
		*d = c.Bytes()
		return nil
	}
	var w struct {
		Base64 *string `json:"base64"`
	}
	dec := json.NewDecoder(bytes.NewReader(c.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil || w.Base64 == nil {
		return fmt.Errorf("data: want {\"base64\": \"...\"}: %s", truncate(c.String()))
	}
	raw, err := base64.StdEncoding.DecodeString(*w.Base64)
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	*d = raw
	return nil
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// WriteFile writes st as a state file.
func WriteFile(w io.Writer, st *State) error {
	doc := fileDoc{Format: FileFormat, Version: FileVersion, Exported: time.Now().UTC().Round(time.Second),
		Mailboxes: []fileMailbox{}, Folders: []fileFolder{}, Items: []fileItem{}, Devices: []fileDevice{},
		SyncStates: []fileSyncState{}, Events: []fileEvent{}}
	if st.Org != nil {
		doc.Org = &fileOrg{Data: st.Org.Data}
	}
	for _, m := range st.Mailboxes {
		doc.Mailboxes = append(doc.Mailboxes, fileMailbox{m.Address, m.Alias, m.DisplayName, m.ModSeq, m.Data})
	}
	for _, f := range st.Folders {
		doc.Folders = append(doc.Folders, fileFolder{f.Mailbox, f.ServerID, f.ParentID, f.DisplayName, f.Type, f.ModSeq, f.Deleted})
	}
	for _, it := range st.Items {
		doc.Items = append(doc.Items, fileItem{it.Mailbox, it.ServerID, it.FolderID, it.Class, it.Subject, it.Received, it.ModSeq, it.Deleted, it.Data})
	}
	for _, d := range st.Devices {
		doc.Devices = append(doc.Devices, fileDevice{d.Mailbox, d.DeviceID, d.DeviceType, d.UserAgent, d.AccessState, d.PolicyKey, d.Data})
	}
	for _, s := range st.SyncStates {
		doc.SyncStates = append(doc.SyncStates, fileSyncState{s.Mailbox, s.DeviceID, s.Collection, s.Key, s.Data})
	}
	for _, e := range st.Events {
		doc.Events = append(doc.Events, fileEvent{e.ID, e.Time, e.Type, e.Mailbox, e.DeviceID, e.Data})
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false) // keep embedded Data byte for byte
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("store: writing state file: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("store: writing state file: %w", err)
	}
	return nil
}

// ReadFile reads a state file of at most MaxFileSize bytes and checks it:
// its format and version, that every record names a mailbox of the file,
// that no two records have the same key (mailbox addresses and device IDs
// compare case-insensitively, as in a Store) and that events are in
// increasing ID order.
func ReadFile(r io.Reader) (*State, error) {
	b, err := io.ReadAll(io.LimitReader(r, int64(fileLimit)+1))
	if err != nil {
		return nil, fmt.Errorf("store: reading state file: %w", err)
	}
	if len(b) > fileLimit {
		return nil, fmt.Errorf("store: state file is larger than the limit of %d bytes", fileLimit)
	}
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("store: not a state file: %w", err)
	}
	if head.Format != FileFormat {
		return nil, fmt.Errorf("store: not a state file: format is %q, want %q", head.Format, FileFormat)
	}
	if head.Version > FileVersion {
		return nil, fmt.Errorf("store: state file version %d is newer than this easlab reads (version %d)", head.Version, FileVersion)
	}
	if head.Version < 1 {
		return nil, fmt.Errorf("store: state file version %d is not valid", head.Version)
	}
	var doc fileDoc
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("store: state file: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("store: state file: data after the document")
	}
	st, err := doc.state()
	if err != nil {
		return nil, fmt.Errorf("store: state file: %w", err)
	}
	return st, nil
}

func (doc *fileDoc) state() (*State, error) {
	st := &State{}
	if doc.Org != nil {
		st.Org = &Org{Data: doc.Org.Data}
	}
	mailboxes := map[string]bool{}
	for i, m := range doc.Mailboxes {
		if err := checkMailbox(Mailbox{Address: m.Address, ModSeq: m.ModSeq}); err != nil {
			return nil, fmt.Errorf("mailboxes[%d]: %w", i, err)
		}
		k := fold(m.Address)
		if mailboxes[k] {
			return nil, fmt.Errorf("mailboxes[%d]: mailbox %q appears twice", i, m.Address)
		}
		mailboxes[k] = true
		st.Mailboxes = append(st.Mailboxes, Mailbox{m.Address, m.Alias, m.DisplayName, m.ModSeq, m.Data})
	}
	known := func(what string, i int, mailbox string) error {
		if !mailboxes[fold(mailbox)] {
			return fmt.Errorf("%s[%d]: mailbox %q is not in the file", what, i, mailbox)
		}
		return nil
	}
	type key2 struct{ a, b string }
	type key3 struct{ a, b, c string }

	seen := map[key2]bool{}
	for i, f := range doc.Folders {
		rec := Folder{f.Mailbox, f.ServerID, f.ParentID, f.DisplayName, f.Type, f.ModSeq, f.Deleted}
		if err := checkFolder(rec); err != nil {
			return nil, fmt.Errorf("folders[%d]: %w", i, err)
		}
		if err := known("folders", i, f.Mailbox); err != nil {
			return nil, err
		}
		k := key2{fold(f.Mailbox), f.ServerID}
		if seen[k] {
			return nil, fmt.Errorf("folders[%d]: folder %q of mailbox %q appears twice", i, f.ServerID, f.Mailbox)
		}
		seen[k] = true
		st.Folders = append(st.Folders, rec)
	}
	seen = map[key2]bool{}
	for i, it := range doc.Items {
		rec := Item{it.Mailbox, it.ServerID, it.FolderID, it.Class, it.Subject, it.Received, it.ModSeq, it.Deleted, it.Data}
		if err := checkItem(rec); err != nil {
			return nil, fmt.Errorf("items[%d]: %w", i, err)
		}
		if err := known("items", i, it.Mailbox); err != nil {
			return nil, err
		}
		k := key2{fold(it.Mailbox), it.ServerID}
		if seen[k] {
			return nil, fmt.Errorf("items[%d]: item %q of mailbox %q appears twice", i, it.ServerID, it.Mailbox)
		}
		seen[k] = true
		st.Items = append(st.Items, rec)
	}
	seen = map[key2]bool{}
	for i, d := range doc.Devices {
		rec := Device{d.Mailbox, d.DeviceID, d.DeviceType, d.UserAgent, d.AccessState, d.PolicyKey, d.Data}
		if err := checkDevice(rec); err != nil {
			return nil, fmt.Errorf("devices[%d]: %w", i, err)
		}
		if err := known("devices", i, d.Mailbox); err != nil {
			return nil, err
		}
		k := key2{fold(d.Mailbox), fold(d.DeviceID)}
		if seen[k] {
			return nil, fmt.Errorf("devices[%d]: device %q of mailbox %q appears twice", i, d.DeviceID, d.Mailbox)
		}
		seen[k] = true
		st.Devices = append(st.Devices, rec)
	}
	seen3 := map[key3]bool{}
	for i, s := range doc.SyncStates {
		rec := SyncState{s.Mailbox, s.DeviceID, s.Collection, s.Key, s.Data}
		if err := checkSyncState(rec); err != nil {
			return nil, fmt.Errorf("syncStates[%d]: %w", i, err)
		}
		if err := known("syncStates", i, s.Mailbox); err != nil {
			return nil, err
		}
		k := key3{fold(s.Mailbox), fold(s.DeviceID), s.Collection}
		if seen3[k] {
			return nil, fmt.Errorf("syncStates[%d]: sync state %q of device %q of mailbox %q appears twice", i, s.Collection, s.DeviceID, s.Mailbox)
		}
		seen3[k] = true
		st.SyncStates = append(st.SyncStates, rec)
	}
	var last uint64
	for i, e := range doc.Events {
		rec := Event{e.ID, e.Time, e.Type, e.Mailbox, e.DeviceID, e.Data}
		if err := checkEvent(rec); err != nil {
			return nil, fmt.Errorf("events[%d]: %w", i, err)
		}
		if e.ID <= last {
			return nil, fmt.Errorf("events[%d]: event %d is not above the one before it (%d): %w", i, e.ID, last, ErrEventOrder)
		}
		last = e.ID
		st.Events = append(st.Events, rec)
	}
	return st, nil
}

// Export writes everything s holds as a state file.
func Export(s Store, w io.Writer) error {
	st, err := s.Load()
	if err != nil {
		return fmt.Errorf("store: export: %w", err)
	}
	return WriteFile(w, st)
}

// Import reads a state file into s in one Update. It refuses a store that
// already holds a mailbox, so that nothing is merged silently. (The check
// is a Load before the Update: import into a store nothing else writes.)
func Import(s Store, r io.Reader) error {
	st, err := ReadFile(r)
	if err != nil {
		return err
	}
	have, err := s.Load()
	if err != nil {
		return fmt.Errorf("store: import: %w", err)
	}
	if n := len(have.Mailboxes); n > 0 {
		return fmt.Errorf("store: import: the store already holds %d mailboxes (%s...); import only into an empty store", n, have.Mailboxes[0].Address)
	}
	err = s.Update(func(tx Tx) error { return PutState(tx, st) })
	if err != nil {
		return fmt.Errorf("store: import: %w", err)
	}
	return nil
}

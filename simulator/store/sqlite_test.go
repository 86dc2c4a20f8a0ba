package store_test

import (
	"bytes"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/easlab/easlab/simulator/store"
	"github.com/easlab/easlab/simulator/store/storetest"
)

func openSQLite(t *testing.T, dir string) *store.SQLite {
	t.Helper()
	s, err := store.OpenSQLite(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// rawDB opens dir's database with database/sql directly, as sqlite3 would.
func rawDB(t *testing.T, dir string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(dir, "easlab.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestSQLiteCreatesDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	s := openSQLite(t, dir)
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v, want 0700", fi.Mode().Perm())
	}
	for _, f := range []string{"easlab.db", "easlab.lock"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	s.Close()
}

func TestSQLiteLocksDirectory(t *testing.T) {
	dir := t.TempDir()
	s := openSQLite(t, dir)
	_, err := store.OpenSQLite(dir)
	if !errors.Is(err, store.ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), fmt.Sprint(os.Getpid())) || !strings.Contains(err.Error(), "in use") {
		t.Errorf("error %q does not say the directory is in use by pid %d", err, os.Getpid())
	}
	// The failed open did not disturb the first store.
	if err := s.Update(func(tx store.Tx) error { return tx.PutMailbox(store.Mailbox{Address: "a@x.com"}) }); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openSQLite(t, dir)
	st, err := s2.Load()
	if err != nil || len(st.Mailboxes) != 1 {
		t.Fatalf("reopened: %v, %+v", err, st)
	}
}

// fileUntouched runs open over a database file with the given content and
// checks that it fails with want and leaves the file byte for byte.
func fileUntouched(t *testing.T, content []byte, want error, says ...string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "easlab.db")
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := store.OpenSQLite(dir)
	if err == nil {
		s.Close()
		t.Fatalf("open succeeded, want %v", want)
	}
	if !errors.Is(err, want) {
		t.Fatalf("open: %v, want %v", err, want)
	}
	for _, w := range append(says, path) {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
	after, rerr := os.ReadFile(path)
	if rerr != nil || !bytes.Equal(after, content) {
		t.Errorf("the refused file was modified")
	}
	for _, f := range []string{"easlab.db-wal", "easlab.db-shm", "easlab.db-journal"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("%s was created", f)
		}
	}
	// The lock was released.
	s, err = store.OpenSQLite(dir)
	if errors.Is(err, store.ErrLocked) {
		t.Errorf("the failed open kept the lock")
	}
	if s != nil {
		s.Close()
	}
}

func TestSQLiteRefusesNonSQLiteFiles(t *testing.T) {
	random := make([]byte, 8192)
	rand.Read(random)
	t.Run("random bytes", func(t *testing.T) { fileUntouched(t, random, store.ErrCorrupt, "not a SQLite database") })
	t.Run("text", func(t *testing.T) {
		fileUntouched(t, []byte("mailboxes:\n  - alice@contoso.com\n"), store.ErrCorrupt, "not a SQLite database")
	})
	t.Run("short SQLite header", func(t *testing.T) { fileUntouched(t, []byte("SQLite format 3\x00"), store.ErrCorrupt) })
}

// makeDB builds a database file with SQL run by a plain connection and
// returns its bytes.
func makeDB(t *testing.T, stmts ...string) []byte {
	t.Helper()
	dir := t.TempDir()
	db, err := sql.Open("sqlite", filepath.Join(dir, "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	b, err := os.ReadFile(filepath.Join(dir, "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSQLiteRefusesOtherApplications(t *testing.T) {
	t.Run("other application_id", func(t *testing.T) {
		b := makeDB(t, `CREATE TABLE t(x)`, `PRAGMA application_id = 1234`)
		fileUntouched(t, b, store.ErrCorrupt, "not an easlab database")
	})
	t.Run("no application_id but tables", func(t *testing.T) {
		b := makeDB(t, `CREATE TABLE t(x)`)
		fileUntouched(t, b, store.ErrCorrupt, "not an easlab database")
	})
}

func TestSQLiteRefusesNewerSchema(t *testing.T) {
	dir := t.TempDir()
	s := openSQLite(t, dir)
	s.Close()
	db := rawDB(t, dir)
	if _, err := db.Exec(`PRAGMA user_version = 99`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	content, err := os.ReadFile(filepath.Join(dir, "easlab.db"))
	if err != nil {
		t.Fatal(err)
	}
	fileUntouched(t, content, store.ErrNewerSchema, "99", fmt.Sprint(store.SchemaVersion))
}

func TestSQLiteMigratesV1(t *testing.T) {
	if store.SchemaVersion != 2 {
		t.Fatalf("schema version %d; update this test", store.SchemaVersion)
	}
	dir := t.TempDir()
	s, err := store.OpenSQLiteAtVersion(dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(func(tx store.Tx) error { return storetest.Put(tx, storetest.Sample()) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	indexes := func() (n, v int) {
		db := rawDB(t, dir)
		defer db.Close()
		if err := db.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return n, v
	}
	if n, v := indexes(); n != 0 || v != 1 {
		t.Fatalf("v1 database has %d indexes, version %d; want 0, 1", n, v)
	}
	s2 := openSQLite(t, dir)
	st, err := s2.Load()
	if err != nil {
		t.Fatal(err)
	}
	if d := storetest.Diff(storetest.Sample(), st); d != "" {
		t.Fatalf("after migration: %s", d)
	}
	s2.Close()
	if n, v := indexes(); n != 4 || v != 2 {
		t.Fatalf("migrated database has %d indexes, version %d; want 4, 2", n, v)
	}
}

func TestSQLiteTablesReadable(t *testing.T) {
	dir := t.TempDir()
	s := openSQLite(t, dir)
	if err := s.Update(func(tx store.Tx) error { return storetest.Put(tx, storetest.Sample()) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	db := rawDB(t, dir)
	var appID int64
	var sub, recv, body, oofType string
	var n int
	checks := []struct {
		q    string
		dest []any
	}{
		{`PRAGMA application_id`, []any{&appID}},
		{`SELECT subject, received, json_extract(data, '$.body') FROM items WHERE server_id = '1:1' AND mailbox = 'alice@contoso.com'`, []any{&sub, &recv, &body}},
		{`SELECT typeof(data) FROM mailboxes WHERE address = 'ALICE@contoso.com'`, []any{&oofType}},
		{`SELECT count(*) FROM devices WHERE mailbox = 'alice@contoso.com' AND device_id = 'androidc1'`, []any{&n}},
	}
	for _, c := range checks {
		if err := db.QueryRow(c.q).Scan(c.dest...); err != nil {
			t.Fatalf("%s: %v", c.q, err)
		}
	}
	if appID != store.ApplicationID || sub != `Hello <world> & "you"` || recv != "2026-03-01T04:41:12.123456789Z" || body != "hi <" || oofType != "text" || n != 1 {
		t.Errorf("read %#x %q %q %q %q %d", appID, sub, recv, body, oofType, n)
	}
}

func TestSQLiteUpdateAfterPanic(t *testing.T) {
	s := openSQLite(t, t.TempDir())
	func() {
		defer func() { recover() }()
		s.Update(func(tx store.Tx) error {
			tx.PutMailbox(store.Mailbox{Address: "a@x.com"})
			panic("boom")
		})
	}()
	if err := s.Update(func(tx store.Tx) error { return tx.PutMailbox(store.Mailbox{Address: "b@x.com"}) }); err != nil {
		t.Fatalf("Update after a panicking one: %v", err)
	}
	st, err := s.Load()
	if err != nil || len(st.Mailboxes) != 1 || st.Mailboxes[0].Address != "b@x.com" {
		t.Fatalf("Load: %v %+v", err, st)
	}
}

// TestSQLiteSurvivesKill commits in a child process that then kills
// itself with SIGKILL, and finds every commit in the directory.
func TestSQLiteSurvivesKill(t *testing.T) {
	const n = 50
	if dir := os.Getenv("EASLAB_STORE_KILL_DIR"); dir != "" {
		s, err := store.OpenSQLite(dir)
		if err != nil {
			fmt.Println(err)
			os.Exit(2)
		}
		for i := range n {
			err := s.Update(func(tx store.Tx) error {
				if i == 0 {
					if err := tx.PutMailbox(store.Mailbox{Address: "a@x.com"}); err != nil {
						return err
					}
				}
				return tx.PutItem(store.Item{Mailbox: "a@x.com", ServerID: fmt.Sprint(i), ModSeq: uint64(i)})
			})
			if err != nil {
				fmt.Println(err)
				os.Exit(2)
			}
		}
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSQLiteSurvivesKill$")
	cmd.Env = append(os.Environ(), "EASLAB_STORE_KILL_DIR="+dir)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child: %v\n%s", err, out)
	}
	s := openSQLite(t, dir) // the dead process's lock is gone with it
	st, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Items) != n {
		t.Fatalf("after kill -9: %d items, want %d", len(st.Items), n)
	}
}

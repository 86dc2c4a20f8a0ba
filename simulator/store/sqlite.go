package store

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"modernc.org/sqlite"
)

// The SQLite store keeps one database, DIR/easlab.db, readable with the
// sqlite3 command-line tool:
//
//	org(id = 1, data)
//	mailboxes(address, alias, display_name, modseq, data)
//	folders(mailbox, server_id, parent_id, display_name, type, modseq, deleted)
//	items(mailbox, server_id, folder_id, class, subject, received, modseq, deleted, data)
//	devices(mailbox, device_id, device_type, user_agent, access_state, policy_key, data)
//	sync_states(mailbox, device_id, collection, sync_key, data)
//	events(id, time, type, mailbox, device_id, data)
//
// The mailbox column of the child tables holds the mailbox's address with
// ASCII letters lower-cased; mailboxes.address and the device_id columns
// keep the spelling they were put with and compare with COLLATE NOCASE.
// Times (items.received, events.time) are RFC 3339 text in UTC with
// nanoseconds, "2006-01-02T15:04:05.999999999Z", which sqlite3's date
// functions understand; the zero time is NULL. Data columns are TEXT when
// the bytes are valid UTF-8 (the simulator's JSON, so json_extract works)
// and BLOB otherwise; NULL when Data is empty. Load returns the bytes put.

const (
	dbName   = "easlab.db"
	lockName = "easlab.lock"
	// applicationID marks an easlab database in its header ("EASL").
	applicationID = 0x4541534C
)

// Errors OpenSQLite returns.
var (
	// ErrLocked: another SQLite store (in this process or another) has the
	// directory open.
	ErrLocked = errors.New("store: directory in use")
	// ErrCorrupt: the database file is not a SQLite database, or not an
	// easlab one, or is damaged.
	ErrCorrupt = errors.New("store: not a usable easlab database")
	// ErrNewerSchema: the database was written by a newer easlab.
	ErrNewerSchema = errors.New("store: database schema is newer than this easlab")
)

// migrations[i] migrates the schema from version i to i+1; the schema
// version is len(migrations), kept in PRAGMA user_version.
var migrations = []string{
	// 1: the tables.
	`CREATE TABLE org (id INTEGER PRIMARY KEY CHECK (id = 1), data);
CREATE TABLE mailboxes (
	address TEXT PRIMARY KEY COLLATE NOCASE,
	alias TEXT, display_name TEXT, modseq INTEGER, data);
CREATE TABLE folders (
	mailbox TEXT, server_id TEXT, parent_id TEXT, display_name TEXT,
	type INTEGER, modseq INTEGER, deleted INTEGER,
	PRIMARY KEY (mailbox, server_id));
CREATE TABLE items (
	mailbox TEXT, server_id TEXT, folder_id TEXT, class TEXT, subject TEXT,
	received TEXT, modseq INTEGER, deleted INTEGER, data,
	PRIMARY KEY (mailbox, server_id));
CREATE TABLE devices (
	mailbox TEXT, device_id TEXT COLLATE NOCASE, device_type TEXT,
	user_agent TEXT, access_state TEXT, policy_key INTEGER, data,
	PRIMARY KEY (mailbox, device_id));
CREATE TABLE sync_states (
	mailbox TEXT, device_id TEXT COLLATE NOCASE, collection TEXT,
	sync_key TEXT, data,
	PRIMARY KEY (mailbox, device_id, collection));
CREATE TABLE events (
	id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT, type TEXT,
	mailbox TEXT, device_id TEXT, data);`,
	// 2: the secondary indexes.
	`CREATE INDEX folders_by_modseq ON folders (mailbox, modseq, server_id);
CREATE INDEX items_by_folder ON items (mailbox, folder_id, modseq);
CREATE INDEX items_by_modseq ON items (mailbox, modseq, server_id);
CREATE INDEX events_by_mailbox ON events (mailbox, id);`,
}

// SQLite is a Store in a SQLite database in a directory, which it holds
// locked while open. Every Update that returned nil survives a crash of
// the process (kill -9): the database is in WAL mode with
// synchronous=NORMAL, under which a commit is in the WAL file before
// Update returns (a power loss may lose the last commits, never corrupt
// the database). It is safe for concurrent use: Updates run one at a time
// on one connection; Load reads a snapshot on its own connection, so it
// sees only committed changes and does not wait for an Update.
type SQLite struct {
	dir  string
	lock *os.File

	mu     sync.Mutex  // serialises Update and Close
	closed atomic.Bool // set under mu
	w      *sql.DB     // the writer: one connection
	wc     *sql.Conn   // that connection
	r      *sql.DB     // readers
	stmts  map[string]*sql.Stmt
}

var writes = map[string]string{
	"org":         `INSERT OR REPLACE INTO org (id, data) VALUES (1, ?)`,
	"mailbox":     `INSERT INTO mailboxes (address, alias, display_name, modseq, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT (address) DO UPDATE SET address = excluded.address, alias = excluded.alias, display_name = excluded.display_name, modseq = excluded.modseq, data = excluded.data`,
	"hasMailbox":  `SELECT 1 FROM mailboxes WHERE address = ?`,
	"delMailbox":  `DELETE FROM mailboxes WHERE address = ?`,
	"delFolders":  `DELETE FROM folders WHERE mailbox = ?`,
	"delItems":    `DELETE FROM items WHERE mailbox = ?`,
	"delDevices":  `DELETE FROM devices WHERE mailbox = ?`,
	"delSyncs":    `DELETE FROM sync_states WHERE mailbox = ?`,
	"folder":      `INSERT OR REPLACE INTO folders (mailbox, server_id, parent_id, display_name, type, modseq, deleted) VALUES (?, ?, ?, ?, ?, ?, ?)`,
	"item":        `INSERT OR REPLACE INTO items (mailbox, server_id, folder_id, class, subject, received, modseq, deleted, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	"delItem":     `DELETE FROM items WHERE mailbox = ? AND server_id = ?`,
	"device":      `INSERT OR REPLACE INTO devices (mailbox, device_id, device_type, user_agent, access_state, policy_key, data) VALUES (?, ?, ?, ?, ?, ?, ?)`,
	"delDevice":   `DELETE FROM devices WHERE mailbox = ? AND device_id = ?`,
	"delDevSyncs": `DELETE FROM sync_states WHERE mailbox = ? AND device_id = ?`,
	"sync":        `INSERT OR REPLACE INTO sync_states (mailbox, device_id, collection, sync_key, data) VALUES (?, ?, ?, ?, ?)`,
	"delSync":     `DELETE FROM sync_states WHERE mailbox = ? AND device_id = ? AND collection = ?`,
	"lastEvent":   `SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)`,
	"event":       `INSERT INTO events (id, time, type, mailbox, device_id, data) VALUES (?, ?, ?, ?, ?, ?)`,
	"trimEvents":  `DELETE FROM events WHERE id <= ?`,
	"begin":       `BEGIN IMMEDIATE`,
	"commit":      `COMMIT`,
	"rollback":    `ROLLBACK`,
}

// OpenSQLite opens the store in dir, creating the directory (mode 0700)
// and the database as needed, and migrating an older database to the
// current schema. It fails with ErrLocked when another store has dir
// open, with ErrCorrupt when dir/easlab.db is not an easlab database and
// with ErrNewerSchema when a newer easlab wrote it; it never modifies a
// file it refuses.
func OpenSQLite(dir string) (*SQLite, error) {
	return openSQLite(dir, len(migrations))
}

func openSQLite(dir string, version int) (_ *SQLite, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	lock, err := lockDir(abs)
	if err != nil {
		return nil, err
	}
	s := &SQLite{dir: abs, lock: lock}
	defer func() {
		if err != nil {
			s.release()
		}
	}()

	path := filepath.Join(abs, dbName)
	exists, err := checkHeader(path, version)
	if err != nil {
		return nil, err
	}
	mode := "rwc"
	if exists {
		mode = "rw" // never create (so never recreate) an existing file
	}
	dsn := (&url.URL{Scheme: "file", Path: path, RawQuery: "mode=" + mode + "&_pragma=busy_timeout(10000)"}).String()
	ctx := context.Background()
	s.w, err = sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)
	s.wc, err = s.w.Conn(ctx)
	if err != nil {
		return nil, dbErr(path, err)
	}
	if err := s.checkIdentity(path, version); err != nil {
		return nil, err
	}
	// synchronous=NORMAL in WAL mode: a commit is written to the WAL
	// before Update returns, so it survives kill -9 of the process; only
	// an OS crash or power loss can lose the last commits (never corrupt
	// the database).
	for _, p := range []string{"PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL"} {
		if _, err := s.wc.ExecContext(ctx, p); err != nil {
			return nil, dbErr(path, err)
		}
	}
	if err := s.migrate(path, version); err != nil {
		return nil, err
	}
	s.stmts = map[string]*sql.Stmt{}
	for name, q := range writes {
		st, err := s.wc.PrepareContext(ctx, q)
		if err != nil {
			return nil, dbErr(path, err)
		}
		s.stmts[name] = st
	}
	s.r, err = sql.Open("sqlite", (&url.URL{Scheme: "file", Path: path, RawQuery: "mode=rw&_pragma=busy_timeout(10000)&_pragma=query_only(1)"}).String())
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	s.r.SetMaxOpenConns(4)
	if err := s.r.PingContext(ctx); err != nil {
		return nil, dbErr(path, err)
	}
	return s, nil
}

// lockDir takes dir's lock file, writing this process's ID in it.
func lockDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, lockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: lock: %w", err)
	}
	if err := lockFile(f); err != nil {
		b, _ := io.ReadAll(io.LimitReader(f, 32))
		f.Close()
		if errors.Is(err, errLockHeld) {
			owner := "another store"
			if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil {
				owner = "process " + strconv.Itoa(pid)
				if pid == os.Getpid() {
					owner += " (this process)"
				}
			}
			return nil, fmt.Errorf("%w: %s is in use by %s (lock file %s)", ErrLocked, dir, owner, path)
		}
		return nil, fmt.Errorf("store: lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("store: lock %s: %w", path, err)
	}
	return f, nil
}

// checkHeader reads the database file's header, if there is a file, and
// refuses a file that is not SQLite, another application's database or
// a newer schema before SQLite opens (and could change) it. It reports
// whether the file exists with content.
func checkHeader(path string, version int) (bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: %w", err)
	}
	defer f.Close()
	var h [100]byte
	n, err := io.ReadFull(f, h[:])
	if n == 0 && err == io.EOF {
		return true, nil // an empty file is an empty database to SQLite
	}
	if err != nil || !bytes.HasPrefix(h[:], []byte("SQLite format 3\x00")) {
		return false, fmt.Errorf("%w: %s is not a SQLite database", ErrCorrupt, path)
	}
	if id := binary.BigEndian.Uint32(h[68:]); id != 0 && id != applicationID {
		return false, fmt.Errorf("%w: %s is not an easlab database (another application's, application_id %#x)", ErrCorrupt, path, id)
	}
	if v := int32(binary.BigEndian.Uint32(h[60:])); int(v) > version {
		return false, newerErr(path, int(v), version)
	}
	return true, nil
}

func newerErr(path string, have, want int) error {
	return fmt.Errorf("%w: %s has schema version %d, this easlab knows up to version %d", ErrNewerSchema, path, have, want)
}

// dbErr wraps an error of SQLite, as ErrCorrupt when SQLite says the file
// is not a database or is damaged.
func dbErr(path string, err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case 11, 26: // SQLITE_CORRUPT, SQLITE_NOTADB
			return fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
		}
	}
	return fmt.Errorf("store: %s: %w", path, err)
}

// checkIdentity checks, through SQLite this time (the header may be older
// than the WAL), that the database is easlab's or new, and not newer.
func (s *SQLite) checkIdentity(path string, version int) error {
	ctx := context.Background()
	var id int64
	var v, tables int
	if err := s.wc.QueryRowContext(ctx, `PRAGMA application_id`).Scan(&id); err != nil {
		return dbErr(path, err)
	}
	if err := s.wc.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return dbErr(path, err)
	}
	if err := s.wc.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema`).Scan(&tables); err != nil {
		return dbErr(path, err)
	}
	if uint32(id) != applicationID && (id != 0 || tables > 0 || v != 0) {
		return fmt.Errorf("%w: %s is not an easlab database (another application's, application_id %#x)", ErrCorrupt, path, uint32(id))
	}
	if v > version {
		return newerErr(path, v, version)
	}
	return nil
}

// migrate brings the schema to version in one transaction.
func (s *SQLite) migrate(path string, version int) error {
	ctx := context.Background()
	if _, err := s.wc.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return dbErr(path, err)
	}
	err := func() error {
		var v int
		if err := s.wc.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
			return err
		}
		if v > version {
			return newerErr(path, v, version)
		}
		if v == version {
			return nil
		}
		for i := v; i < version; i++ {
			if _, err := s.wc.ExecContext(ctx, migrations[i]); err != nil {
				return fmt.Errorf("migrating from schema version %d: %w", i, err)
			}
		}
		q := fmt.Sprintf("PRAGMA user_version = %d; PRAGMA application_id = %d", version, applicationID)
		_, err := s.wc.ExecContext(ctx, q)
		return err
	}()
	if err != nil {
		s.wc.ExecContext(ctx, `ROLLBACK`)
		if errors.Is(err, ErrNewerSchema) {
			return err
		}
		return dbErr(path, err)
	}
	if _, err := s.wc.ExecContext(ctx, `COMMIT`); err != nil {
		return dbErr(path, err)
	}
	return nil
}

func (s *SQLite) release() {
	for _, st := range s.stmts {
		st.Close()
	}
	if s.wc != nil {
		s.wc.Close()
	}
	if s.w != nil {
		s.w.Close()
	}
	if s.r != nil {
		s.r.Close()
	}
	if s.lock != nil {
		unlockFile(s.lock)
		s.lock.Close()
	}
}

// Close closes the database and releases the directory's lock. Closing
// again does nothing.
func (s *SQLite) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return nil
	}
	s.closed.Store(true)
	var errs []error
	for _, st := range s.stmts {
		errs = append(errs, st.Close())
	}
	errs = append(errs, s.r.Close(), s.wc.Close(), s.w.Close())
	errs = append(errs, unlockFile(s.lock), s.lock.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store: closing %s: %w", s.dir, err)
	}
	return nil
}

// Update runs fn in one SQLite transaction, committed when fn returns nil
// and rolled back otherwise.
func (s *SQLite) Update(fn func(Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return ErrClosed
	}
	ctx := context.Background()
	if _, err := s.stmts["begin"].ExecContext(ctx); err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	tx := &sqlTx{s: s, ctx: ctx}
	defer func() {
		if !tx.done { // fn panicked: leave no transaction open
			tx.done = true
			s.stmts["rollback"].ExecContext(ctx)
		}
	}()
	err := fn(tx)
	tx.done = true
	if err != nil {
		if _, rerr := s.stmts["rollback"].ExecContext(ctx); rerr != nil {
			return errors.Join(err, fmt.Errorf("store: rollback: %w", rerr))
		}
		return err
	}
	if _, err := s.stmts["commit"].ExecContext(ctx); err != nil {
		s.stmts["rollback"].ExecContext(ctx)
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

type sqlTx struct {
	s    *SQLite
	ctx  context.Context
	done bool
}

func (t *sqlTx) exec(what, stmt string, args ...any) error {
	if t.done {
		return errTxDone
	}
	if _, err := t.s.stmts[stmt].ExecContext(t.ctx, args...); err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
}

// data is how Data is stored: NULL when empty, TEXT when UTF-8, else BLOB.
func data(b []byte) any {
	switch {
	case len(b) == 0:
		return nil
	case utf8.Valid(b):
		return string(b)
	default:
		return b
	}
}

// timeText is how a time is stored: NULL for the zero time, else RFC 3339
// in UTC with nanoseconds.
func timeText(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func (t *sqlTx) child(what, mailbox string) (string, error) {
	if t.done {
		return "", errTxDone
	}
	k := fold(mailbox)
	var one int
	err := t.s.stmts["hasMailbox"].QueryRowContext(t.ctx, k).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("%w: %q (putting %s)", ErrNoMailbox, mailbox, what)
	}
	if err != nil {
		return "", fmt.Errorf("store: putting %s: %w", what, err)
	}
	return k, nil
}

func (t *sqlTx) PutOrg(o Org) error {
	return t.exec("put org", "org", data(o.Data))
}

func (t *sqlTx) PutMailbox(m Mailbox) error {
	if err := checkMailbox(m); err != nil {
		return err
	}
	return t.exec("put mailbox "+m.Address, "mailbox", m.Address, m.Alias, m.DisplayName, int64(m.ModSeq), data(m.Data))
}

func (t *sqlTx) DeleteMailbox(address string) error {
	k := fold(address)
	for _, st := range []string{"delMailbox", "delFolders", "delItems", "delDevices", "delSyncs"} {
		if err := t.exec("delete mailbox "+address, st, k); err != nil {
			return err
		}
	}
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (t *sqlTx) PutFolder(f Folder) error {
	if err := checkFolder(f); err != nil {
		return err
	}
	k, err := t.child("folder "+f.ServerID, f.Mailbox)
	if err != nil {
		return err
	}
	return t.exec("put folder "+f.ServerID, "folder", k, f.ServerID, f.ParentID, f.DisplayName, f.Type, int64(f.ModSeq), b2i(f.Deleted))
}

func (t *sqlTx) PutItem(it Item) error {
	if err := checkItem(it); err != nil {
		return err
	}
	k, err := t.child("item "+it.ServerID, it.Mailbox)
	if err != nil {
		return err
	}
	return t.exec("put item "+it.ServerID, "item", k, it.ServerID, it.FolderID, it.Class, it.Subject,
		timeText(it.Received), int64(it.ModSeq), b2i(it.Deleted), data(it.Data))
}

func (t *sqlTx) DeleteItem(mailbox, serverID string) error {
	return t.exec("delete item "+serverID, "delItem", fold(mailbox), serverID)
}

func (t *sqlTx) PutDevice(d Device) error {
	if err := checkDevice(d); err != nil {
		return err
	}
	k, err := t.child("device "+d.DeviceID, d.Mailbox)
	if err != nil {
		return err
	}
	return t.exec("put device "+d.DeviceID, "device", k, d.DeviceID, d.DeviceType, d.UserAgent, d.AccessState, int64(d.PolicyKey), data(d.Data))
}

func (t *sqlTx) DeleteDevice(mailbox, deviceID string) error {
	if err := t.exec("delete device "+deviceID, "delDevice", fold(mailbox), deviceID); err != nil {
		return err
	}
	return t.exec("delete device "+deviceID, "delDevSyncs", fold(mailbox), deviceID)
}

func (t *sqlTx) PutSyncState(st SyncState) error {
	if err := checkSyncState(st); err != nil {
		return err
	}
	k, err := t.child("sync state of device "+st.DeviceID, st.Mailbox)
	if err != nil {
		return err
	}
	return t.exec("put sync state of device "+st.DeviceID, "sync", k, st.DeviceID, st.Collection, st.Key, data(st.Data))
}

func (t *sqlTx) DeleteSyncState(mailbox, deviceID, collection string) error {
	return t.exec("delete sync state of device "+deviceID, "delSync", fold(mailbox), deviceID, collection)
}

func (t *sqlTx) AppendEvent(e Event) error {
	if t.done {
		return errTxDone
	}
	if err := checkEvent(e); err != nil {
		return err
	}
	var last int64
	if err := t.s.stmts["lastEvent"].QueryRowContext(t.ctx).Scan(&last); err != nil {
		return fmt.Errorf("store: append event %d: %w", e.ID, err)
	}
	if e.ID <= uint64(last) {
		return fmt.Errorf("%w: event %d is not above %d", ErrEventOrder, e.ID, last)
	}
	return t.exec(fmt.Sprintf("append event %d", e.ID), "event", int64(e.ID), timeText(e.Time), e.Type, e.Mailbox, e.DeviceID, data(e.Data))
}

func (t *sqlTx) TrimEvents(id uint64) error {
	if id > math.MaxInt64 {
		id = math.MaxInt64
	}
	return t.exec(fmt.Sprintf("trim events to %d", id), "trimEvents", int64(id))
}

// Load reads everything in one read transaction, so it returns one
// consistent snapshot. Times come back in UTC.
func (s *SQLite) Load() (*State, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	ctx := context.Background()
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err == nil {
		defer tx.Rollback()
		var st *State
		if st, err = load(ctx, tx, true, true, ""); err == nil {
			return st, nil
		}
	}
	if s.closed.Load() { // closed while loading
		return nil, ErrClosed
	}
	return nil, fmt.Errorf("store: load: %w", err)
}

// LoadDirectory returns the organization, the mailboxes and the events.
func (s *SQLite) LoadDirectory() (*State, error) { return s.loadScope(true, false, "") }

// LoadMailbox returns one mailbox's folders, items, devices and sync
// states.
func (s *SQLite) LoadMailbox(address string) (*State, error) {
	return s.loadScope(false, true, address)
}

func (s *SQLite) loadScope(directory, children bool, only string) (*State, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	ctx := context.Background()
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err == nil {
		defer tx.Rollback()
		var st *State
		if st, err = load(ctx, tx, directory, children, only); err == nil {
			return st, nil
		}
	}
	if s.closed.Load() {
		return nil, ErrClosed
	}
	if only != "" {
		return nil, fmt.Errorf("store: load mailbox %s: %w", only, err)
	}
	return nil, fmt.Errorf("store: load: %w", err)
}

func count(ctx context.Context, tx *sql.Tx, table, where string, args ...any) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+table+where, args...).Scan(&n)
	return n, err
}

// loadRows counts table's rows (with where), then scans query's rows into
// a slice of that capacity.
func loadRows[T any](ctx context.Context, tx *sql.Tx, table, where string, args []any, query string, scan func(*sql.Rows) (T, error)) ([]T, error) {
	n, err := count(ctx, tx, table, where, args...)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, n)
	err = scanTable(ctx, tx, query, func(r *sql.Rows) error {
		v, err := scan(r)
		if err != nil {
			return err
		}
		out = append(out, v)
		return nil
	}, args...)
	return out, err
}

// scanTable runs q and calls scan for each row.
func scanTable(ctx context.Context, tx *sql.Tx, q string, scan func(*sql.Rows) error, args ...any) error {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func parseTime(s sql.NullString) (time.Time, error) {
	if !s.Valid {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, s.String)
}

// load reads the directory (org, mailboxes, events) when directory is
// set, and the children (folders, items, devices, sync states) of every
// mailbox, or of only the one named, when children is set.
func load(ctx context.Context, tx *sql.Tx, directory, children bool, only string) (*State, error) {
	st := &State{}
	if directory {
		var odata []byte
		err := tx.QueryRowContext(ctx, `SELECT data FROM org WHERE id = 1`).Scan(&odata)
		switch {
		case err == nil:
			st.Org = &Org{Data: odata}
		case !errors.Is(err, sql.ErrNoRows):
			return nil, err
		}
	}
	mwhere, where := "", ""
	var args []any
	if only != "" {
		mwhere, where, args = " WHERE address = ?", " WHERE mailbox = ?", []any{fold(only)}
	}
	n, err := count(ctx, tx, "mailboxes", mwhere, args...)
	if err != nil {
		return nil, err
	}
	mailboxes := make([]Mailbox, 0, n)
	addr := make(map[string]string, n) // folded → as put
	err = scanTable(ctx, tx, `SELECT address, alias, display_name, modseq, data FROM mailboxes`+mwhere+` ORDER BY address`, func(r *sql.Rows) error {
		var m Mailbox
		var seq int64
		if err := r.Scan(&m.Address, &m.Alias, &m.DisplayName, &seq, &m.Data); err != nil {
			return err
		}
		m.ModSeq = uint64(seq)
		addr[fold(m.Address)] = m.Address
		mailboxes = append(mailboxes, m)
		return nil
	}, args...)
	if err != nil {
		return nil, err
	}
	if directory {
		st.Mailboxes = mailboxes
	}
	if children {
		// name maps a child's mailbox column to its mailbox's address,
		// remembering the last one since rows come grouped by mailbox.
		var lastK, lastA string
		name := func(k string) string {
			if k != lastK {
				lastK, lastA = k, addr[k]
			}
			return lastA
		}

		st.Folders, err = loadRows(ctx, tx, "folders", where, args, `SELECT mailbox, server_id, parent_id, display_name, type, modseq, deleted FROM folders`+where+` ORDER BY mailbox, modseq, server_id`, func(r *sql.Rows) (Folder, error) {
			var f Folder
			var seq int64
			err := r.Scan(&f.Mailbox, &f.ServerID, &f.ParentID, &f.DisplayName, &f.Type, &seq, &f.Deleted)
			f.Mailbox, f.ModSeq = name(f.Mailbox), uint64(seq)
			return f, err
		})
		if err != nil {
			return nil, err
		}

		// In the table's own order (sequential reads), then sorted here: an
		// ORDER BY through the index reads the table at random (the profile
		// of BenchmarkStartup showed those lookups on top).
		var itemKeys []string
		st.Items, err = loadRows(ctx, tx, "items", where, args, `SELECT mailbox, server_id, folder_id, class, subject, received, modseq, deleted, data FROM items`+where, func(r *sql.Rows) (Item, error) {
			var it Item
			var seq int64
			var recv sql.NullString
			if err := r.Scan(&it.Mailbox, &it.ServerID, &it.FolderID, &it.Class, &it.Subject, &recv, &seq, &it.Deleted, &it.Data); err != nil {
				return it, err
			}
			var err error
			if it.Received, err = parseTime(recv); err != nil {
				return it, fmt.Errorf("item %s/%s: %w", it.Mailbox, it.ServerID, err)
			}
			itemKeys = append(itemKeys, it.Mailbox)
			it.Mailbox, it.ModSeq = name(it.Mailbox), uint64(seq)
			return it, nil
		})
		if err != nil {
			return nil, err
		}
		order := make([]int, len(st.Items))
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(x, y int) int {
			a, b := &st.Items[x], &st.Items[y]
			return cmp.Or(strings.Compare(itemKeys[x], itemKeys[y]), cmp.Compare(a.ModSeq, b.ModSeq), strings.Compare(a.ServerID, b.ServerID))
		})
		sorted := make([]Item, len(st.Items))
		for i, j := range order {
			sorted[i] = st.Items[j]
		}
		st.Items = sorted

		st.Devices, err = loadRows(ctx, tx, "devices", where, args, `SELECT mailbox, device_id, device_type, user_agent, access_state, policy_key, data FROM devices`+where+` ORDER BY mailbox, device_id`, func(r *sql.Rows) (Device, error) {
			var d Device
			var pk int64
			err := r.Scan(&d.Mailbox, &d.DeviceID, &d.DeviceType, &d.UserAgent, &d.AccessState, &pk, &d.Data)
			d.Mailbox, d.PolicyKey = name(d.Mailbox), uint32(pk)
			return d, err
		})
		if err != nil {
			return nil, err
		}

		st.SyncStates, err = loadRows(ctx, tx, "sync_states", where, args, `SELECT mailbox, device_id, collection, sync_key, data FROM sync_states`+where+` ORDER BY mailbox, device_id, collection`, func(r *sql.Rows) (SyncState, error) {
			var s SyncState
			err := r.Scan(&s.Mailbox, &s.DeviceID, &s.Collection, &s.Key, &s.Data)
			s.Mailbox = name(s.Mailbox)
			return s, err
		})
		if err != nil {
			return nil, err
		}
	}

	if directory {
		st.Events, err = loadRows(ctx, tx, "events", "", nil, `SELECT id, time, type, mailbox, device_id, data FROM events ORDER BY id`, func(r *sql.Rows) (Event, error) {
			var e Event
			var id int64
			var tm sql.NullString
			if err := r.Scan(&id, &tm, &e.Type, &e.Mailbox, &e.DeviceID, &e.Data); err != nil {
				return e, err
			}
			e.ID = uint64(id)
			var err error
			if e.Time, err = parseTime(tm); err != nil {
				return e, fmt.Errorf("event %d: %w", e.ID, err)
			}
			return e, nil
		})
		if err != nil {
			return nil, err
		}
	}
	return st, nil
}

var _ Store = (*SQLite)(nil)

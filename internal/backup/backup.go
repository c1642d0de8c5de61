// Package backup writes a whole firstkey database to one portable file and
// reads it back, on either backend: a backup of SQLite restores into
// PostgreSQL and the other way round.
//
// The file is gzip'd JSON lines. The first line is the Header (format version,
// the firstkey that wrote it, the schema's migration level, the id of the
// master key its sealed values need — never the key — and every table with its
// columns and row count); then one line per row, {"t":table,"r":[cells]}; then
// a trailer {"end":true,"rows":N}. A file that lacks the trailer or whose
// counts disagree was cut short and is refused. Sealed secrets (signing keys,
// passes waiting for delivery) are copied sealed.
package backup

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/firstkey/firstkey/internal/store"
)

// Format identifies the file; FormatVersion is the layout this package writes
// and the newest it reads.
const (
	Format        = "firstkey-backup"
	FormatVersion = 1
)

// Header is the first line of a backup.
type Header struct {
	Format          string    `json:"format"`
	FormatVersion   int       `json:"formatVersion"`
	FirstkeyVersion string    `json:"firstkeyVersion"`
	CreatedDateTime time.Time `json:"createdDateTime"`
	Backend         string    `json:"backend"`
	MigrationLevel  int       `json:"migrationLevel"`
	// MasterKeyID names the master key the sealed values in the backup open
	// with (seal.KeyID); restoring needs that key.
	MasterKeyID string  `json:"masterKeyId"`
	Tables      []Table `json:"tables"`
}

// Table is one table of a backup.
type Table struct {
	Name    string   `json:"name"`
	Columns []string `json:"columns"`
	Types   []string `json:"types"` // the source backend's, for the reader's information
	Rows    int64    `json:"rows"`
}

// Rows is the total of the tables' row counts.
func (h Header) Rows() int64 {
	var n int64
	for _, t := range h.Tables {
		n += t.Rows
	}
	return n
}

type rowLine struct {
	Table string            `json:"t"`
	Row   []json.RawMessage `json:"r"`
}

type trailer struct {
	End  bool  `json:"end"`
	Rows int64 `json:"rows"`
}

// Meta is what the caller knows about the backup beyond the database.
type Meta struct {
	FirstkeyVersion string
	MasterKeyID     string
	Now             time.Time
}

// Write takes one consistent snapshot of d and writes it to w.
func Write(ctx context.Context, w io.Writer, d store.Dumper, m Meta) (Header, error) {
	var h Header
	err := d.Dump(ctx, func(s store.Snapshot) error {
		h = Header{Format: Format, FormatVersion: FormatVersion, FirstkeyVersion: m.FirstkeyVersion,
			CreatedDateTime: m.Now.UTC(), Backend: d.Backend(), MigrationLevel: s.MigrationLevel(), MasterKeyID: m.MasterKeyID}
		for _, t := range s.Tables() {
			bt := Table{Name: t.Name, Rows: t.Rows}
			for _, c := range t.Columns {
				bt.Columns = append(bt.Columns, c.Name)
				bt.Types = append(bt.Types, c.Type)
			}
			h.Tables = append(h.Tables, bt)
		}
		zw := gzip.NewWriter(w)
		bw := bufio.NewWriterSize(zw, 64<<10)
		enc := json.NewEncoder(bw)
		if err := enc.Encode(h); err != nil {
			return fmt.Errorf("write backup header: %w", err)
		}
		var total int64
		for _, t := range h.Tables {
			var n int64
			err := s.Rows(ctx, t.Name, func(row []any) error {
				line := rowLine{Table: t.Name, Row: make([]json.RawMessage, len(row))}
				for i, v := range row {
					b, err := encodeCell(v)
					if err != nil {
						return fmt.Errorf("%s.%s: %w", t.Name, t.Columns[i], err)
					}
					line.Row[i] = b
				}
				n++
				return enc.Encode(line)
			})
			if err != nil {
				return fmt.Errorf("write backup of %s: %w", t.Name, err)
			}
			if n != t.Rows {
				return fmt.Errorf("write backup of %s: counted %d rows but read %d", t.Name, t.Rows, n)
			}
			total += n
		}
		if err := enc.Encode(trailer{End: true, Rows: total}); err != nil {
			return fmt.Errorf("write backup trailer: %w", err)
		}
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("write backup: %w", err)
		}
		if err := zw.Close(); err != nil {
			return fmt.Errorf("write backup: %w", err)
		}
		return nil
	})
	return h, err
}

// cell forms: null, string, number (int64), bool, {"b": base64} for bytes.
type bytesCell struct {
	B string `json:"b"`
}

func encodeCell(v any) (json.RawMessage, error) {
	switch x := v.(type) {
	case nil, string, int64, bool:
		return json.Marshal(x)
	case []byte:
		return json.Marshal(bytesCell{B: base64.StdEncoding.EncodeToString(x)})
	}
	return nil, fmt.Errorf("value of type %T cannot be backed up", v)
}

func decodeCell(raw json.RawMessage) (any, error) {
	if len(raw) == 0 {
		return nil, errors.New("empty cell")
	}
	switch raw[0] {
	case 'n':
		return nil, nil
	case '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case 't', 'f':
		var b bool
		err := json.Unmarshal(raw, &b)
		return b, err
	case '{':
		var c bytesCell
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, err
		}
		return base64.StdEncoding.DecodeString(c.B)
	default:
		var n int64
		err := json.Unmarshal(raw, &n)
		return n, err
	}
}

// Errors of Restore that callers tell apart.
var (
	// ErrCorrupt means the file is not a whole backup: damaged, cut short, or
	// not a backup at all.
	ErrCorrupt = errors.New("the backup file is damaged or incomplete")
	// ErrNewer means a newer firstkey wrote the backup.
	ErrNewer = errors.New("the backup was written by a newer firstkey")
	// ErrWrongKey means the restoring firstkey lacks the master key the backup needs.
	ErrWrongKey = errors.New("the master key is not the one the backup needs")
)

// RestoreOptions say where a backup may go.
type RestoreOptions struct {
	// Replace empties a database that holds data; without it such a database
	// is refused with store.ErrNotEmpty.
	Replace bool
	// KeyIDs are the ids of the master keys the restoring firstkey holds; the
	// backup's MasterKeyID must be one of them.
	KeyIDs []string
}

// ReadHeader reads only the header of a backup.
func ReadHeader(r io.Reader) (Header, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return Header{}, fmt.Errorf("%w: not gzip: %v", ErrCorrupt, err)
	}
	dec := json.NewDecoder(zr)
	return readHeader(dec)
}

func readHeader(dec *json.Decoder) (Header, error) {
	var h Header
	if err := dec.Decode(&h); err != nil {
		return Header{}, fmt.Errorf("%w: header: %v", ErrCorrupt, err)
	}
	if h.Format != Format {
		return Header{}, fmt.Errorf("%w: not a firstkey backup", ErrCorrupt)
	}
	if h.FormatVersion > FormatVersion {
		return Header{}, fmt.Errorf("%w: its format is version %d, this firstkey reads up to %d; restore it with a firstkey at least as new as %s",
			ErrNewer, h.FormatVersion, FormatVersion, h.FirstkeyVersion)
	}
	if h.FormatVersion < 1 {
		return Header{}, fmt.Errorf("%w: format version %d", ErrCorrupt, h.FormatVersion)
	}
	return h, nil
}

// Restore reads a backup from r into d, in one transaction: a refused or
// damaged backup leaves d as it was.
func Restore(ctx context.Context, r io.Reader, d store.Dumper, o RestoreOptions) (Header, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return Header{}, fmt.Errorf("%w: not gzip: %v", ErrCorrupt, err)
	}
	dec := json.NewDecoder(bufio.NewReaderSize(zr, 64<<10))
	h, err := readHeader(dec)
	if err != nil {
		return h, err
	}
	if !hasKey(o.KeyIDs, h.MasterKeyID) {
		return h, fmt.Errorf("%w: it needs master key %s, and this firstkey has %v (give that key with --master-key-file or FIRSTKEY_MASTER_KEY)",
			ErrWrongKey, h.MasterKeyID, o.KeyIDs)
	}
	err = d.Load(ctx, o.Replace, func(l store.Loader) error {
		if h.MigrationLevel > l.MigrationLevel() {
			return fmt.Errorf("%w: its schema is at migration %d, this firstkey's at %d", ErrNewer, h.MigrationLevel, l.MigrationLevel())
		}
		target := map[string]bool{}
		for _, t := range l.Tables() {
			target[t.Name] = true
		}
		want := map[string]*Table{}
		for i := range h.Tables {
			t := &h.Tables[i]
			if !target[t.Name] {
				return fmt.Errorf("%w: table %s is in the backup but not in this database", ErrCorrupt, t.Name)
			}
			want[t.Name] = t
		}
		if h.MigrationLevel == l.MigrationLevel() {
			for name := range target {
				if want[name] == nil {
					return fmt.Errorf("%w: table %s is missing from the backup", ErrCorrupt, name)
				}
			}
		}
		got := map[string]int64{}
		var total int64
		for {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				if errors.Is(err, io.EOF) {
					return fmt.Errorf("%w: it ends after %d rows, before its end mark", ErrCorrupt, total)
				}
				return fmt.Errorf("%w: after %d rows: %v", ErrCorrupt, total, err)
			}
			var end trailer
			if json.Unmarshal(raw, &end) == nil && end.End {
				if end.Rows != total || total != h.Rows() {
					return fmt.Errorf("%w: it holds %d rows, its header says %d", ErrCorrupt, total, h.Rows())
				}
				break
			}
			var line rowLine
			if err := json.Unmarshal(raw, &line); err != nil {
				return fmt.Errorf("%w: row %d: %v", ErrCorrupt, total+1, err)
			}
			t := want[line.Table]
			if t == nil || len(line.Row) != len(t.Columns) {
				return fmt.Errorf("%w: row %d does not fit table %q", ErrCorrupt, total+1, line.Table)
			}
			row := make([]any, len(line.Row))
			for i, c := range line.Row {
				if row[i], err = decodeCell(c); err != nil {
					return fmt.Errorf("%w: row %d of %s: %v", ErrCorrupt, got[t.Name]+1, t.Name, err)
				}
			}
			if err := l.Insert(ctx, t.Name, t.Columns, row); err != nil {
				return fmt.Errorf("restore: %w", err)
			}
			got[t.Name]++
			total++
		}
		for _, t := range h.Tables {
			if got[t.Name] != t.Rows {
				return fmt.Errorf("%w: table %s has %d rows, its header says %d", ErrCorrupt, t.Name, got[t.Name], t.Rows)
			}
		}
		// The gzip checksum is checked only at the stream's end.
		if _, err := io.Copy(io.Discard, zr); err != nil {
			return fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		return nil
	})
	return h, err
}

func hasKey(ids []string, id string) bool {
	for _, k := range ids {
		if k == id {
			return true
		}
	}
	return false
}

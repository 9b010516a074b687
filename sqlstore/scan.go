package sqlstore

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Times are stored at microsecond precision in UTC: SQLite as INTEGER unix
// microseconds, PostgreSQL as timestamptz. arg and argPtr turn a time into
// the engine's query argument; timeCol and nullTimeCol scan either form.

// t returns t as a query argument for the engine's time columns.
func (d dialect) t(t time.Time) any {
	t = t.UTC().Truncate(time.Microsecond)
	if d.engine == EngineSQLite {
		return t.UnixMicro()
	}
	return t
}

// tp is t for an optional time: nil stays NULL.
func (d dialect) tp(t *time.Time) any {
	if t == nil {
		return nil
	}
	return d.t(*t)
}

// timeCol scans a NOT NULL time column of either engine into *dst.
type timeCol struct{ dst *time.Time }

func (c timeCol) Scan(src any) error {
	t, ok, err := scanTime(src)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("sqlstore: NULL in a NOT NULL time column")
	}
	*c.dst = t
	return nil
}

// nullTimeCol scans a nullable time column into *dst, nil for NULL.
type nullTimeCol struct{ dst **time.Time }

func (c nullTimeCol) Scan(src any) error {
	t, ok, err := scanTime(src)
	if err != nil {
		return err
	}
	if !ok {
		*c.dst = nil
		return nil
	}
	*c.dst = &t
	return nil
}

func scanTime(src any) (time.Time, bool, error) {
	switch v := src.(type) {
	case nil:
		return time.Time{}, false, nil
	case int64:
		return time.UnixMicro(v).UTC(), true, nil
	case time.Time:
		return v.UTC(), true, nil
	}
	return time.Time{}, false, fmt.Errorf("sqlstore: cannot scan %T into a time", src)
}

// jsonCol scans a JSON column (TEXT on SQLite, JSONB on PostgreSQL) into
// dst, a pointer. NULL leaves dst as it is.
type jsonCol struct{ dst any }

func (c jsonCol) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		return nil
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		return fmt.Errorf("sqlstore: cannot scan %T as JSON", src)
	}
	if err := json.Unmarshal(b, c.dst); err != nil {
		return fmt.Errorf("sqlstore: decode JSON column: %w", err)
	}
	return nil
}

// jsonArg encodes v for a JSON column. The domain types always encode, so
// an error here is a bug and is returned as one.
func jsonArg(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("sqlstore: encode JSON column: %w", err)
	}
	return string(b), nil
}

// where builds a WHERE clause with numbered placeholders. Conditions are
// written with '?' for each argument; they become $n in order.
type where struct {
	conds []string
	args  []any
	// planned asks PostgreSQL to plan the statement for its arguments
	// each time (DB.planArgs): a condition was added whose best plan
	// depends on its values.
	planned bool
}

func (w *where) add(cond string, args ...any) {
	var b strings.Builder
	for _, r := range cond {
		if r == '?' && len(args) > 0 {
			w.args = append(w.args, args[0])
			args = args[1:]
			fmt.Fprintf(&b, "$%d", len(w.args))
			continue
		}
		b.WriteRune(r)
	}
	w.conds = append(w.conds, b.String())
}

// whereIn adds "col IN ($a, $b, ...)" for values; nothing when values is
// empty. Values are passed as plain strings so no driver has to know the
// domain's named string types.
func whereIn[T ~string](w *where, col string, values []T) {
	if len(values) == 0 {
		return
	}
	marks := make([]string, len(values))
	args := make([]any, len(values))
	for i, v := range values {
		marks[i] = "?"
		args[i] = string(v)
	}
	w.add(col+" IN ("+strings.Join(marks, ", ")+")", args...)
}

// sql returns " WHERE a AND b" or "".
func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// next returns the placeholder for one more argument and records it.
func (w *where) next(arg any) string {
	w.args = append(w.args, arg)
	return fmt.Sprintf("$%d", len(w.args))
}

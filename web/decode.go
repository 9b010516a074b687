package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/debriefhq/debrief/debrief"
)

// readBody reads the whole request body, at most max bytes, and reports
// whether there was one. A body over the limit is ETooLarge.
func readBody(r *http.Request, max int64) ([]byte, error) {
	if r.ContentLength > max {
		return nil, tooLarge(max)
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	// Read one byte past the limit to tell "exactly max" from "too long".
	b, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil {
		return nil, debrief.Errorf(debrief.EInvalid, "", "The request body could not be read.")
	}
	if int64(len(b)) > max {
		return nil, tooLarge(max)
	}
	return b, nil
}

func tooLarge(max int64) error {
	return debrief.Errorf(debrief.ETooLarge, "", "The request body is larger than the limit of %d bytes.", max)
}

// decoder reads request bodies; handlers get one so they share the limit.
type decoder struct {
	maxBody int64
}

// decode reads a JSON object from r into v, strictly: the media type must
// be JSON, the body must fit the limit and hold exactly one value, and every
// field must be one v knows. Errors name the offending field.
func (d decoder) decode(r *http.Request, v any) error {
	b, err := readBody(r, d.maxBody)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return debrief.Errorf(debrief.EInvalid, "", "The request body is empty; send a JSON object.")
	}
	if err := requireJSON(r); err != nil {
		return err
	}
	return unmarshalStrict(b, v)
}

// decodeOptional is decode for requests whose body may be absent (DELETE
// with the version in If-Match). It reports whether a body was read.
func (d decoder) decodeOptional(r *http.Request, v any) (bool, error) {
	b, err := readBody(r, d.maxBody)
	if err != nil {
		return false, err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return false, nil
	}
	if err := requireJSON(r); err != nil {
		return false, err
	}
	return true, unmarshalStrict(b, v)
}

// requireJSON accepts application/json with any parameters (charset).
func requireJSON(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || mt != "application/json" {
		shown := ct
		if shown == "" {
			shown = "none"
		}
		return debrief.Errorf(debrief.EUnsupported, "", "Send the body as JSON with Content-Type: application/json (got %s).", truncate(shown, 60))
	}
	return nil
}

// unmarshalStrict decodes exactly one JSON value from b into v, rejecting
// unknown fields and trailing data.
func unmarshalStrict(b []byte, v any) error {
	if err := checkUTF8(b); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(b, v, err)
	}
	if rest := bytes.TrimSpace(b[dec.InputOffset():]); len(rest) > 0 {
		return debrief.Errorf(debrief.EInvalid, "", "The body holds more than one JSON value; send exactly one object.")
	}
	return nil
}

// checkUTF8 refuses a body that is not UTF-8. encoding/json would
// replace each bad byte with U+FFFD and store text the sender never wrote;
// the answer names the field whose value (or name) holds the first bad byte.
func checkUTF8(b []byte) error {
	if utf8.Valid(b) {
		return nil
	}
	off := 0
	for off < len(b) {
		r, size := utf8.DecodeRune(b[off:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		off += size
	}
	field := jsonPathAt(b, int64(off))
	where := "the body"
	if field != "" {
		where = "the field " + field
	}
	return debrief.Errorf(debrief.EInvalid, field, "The request body is not valid UTF-8 (byte %d, in %s); send the text encoded as UTF-8.", off, where)
}

// utf8Reader passes r through and fails with EInvalid at the first byte
// that is not UTF-8, for bodies decoded as a stream (checkUTF8 needs the
// whole body).
type utf8Reader struct {
	r       io.Reader
	pending []byte // an incomplete rune, completed by the next read
	ready   []byte // checked bytes not yet handed on
	err     error  // the error to return once ready is empty
	offset  int64
}

func (u *utf8Reader) Read(p []byte) (int, error) {
	for len(u.ready) == 0 && u.err == nil {
		buf := make([]byte, max(len(p), 512))
		n, err := u.r.Read(buf)
		data := append(u.pending, buf[:n]...)
		i := 0
		for i < len(data) {
			if data[i] < utf8.RuneSelf {
				i++
				continue
			}
			if !utf8.FullRune(data[i:]) && err == nil {
				break // the rest of the rune comes with the next read
			}
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size <= 1 {
				err = debrief.Errorf(debrief.EInvalid, "", "The request body is not valid UTF-8 (byte %d); send the text encoded as UTF-8.", u.offset+int64(i))
				break
			}
			i += size
		}
		u.pending = append([]byte(nil), data[i:]...)
		u.ready, u.offset, u.err = data[:i], u.offset+int64(i), err
	}
	n := copy(p, u.ready)
	u.ready = u.ready[n:]
	if n == 0 {
		return 0, u.err
	}
	return n, nil
}

// jsonPathAt returns the path (title, sections[2].body) of the JSON value
// or member name that holds byte off of b, or "" when there is none.
func jsonPathAt(b []byte, off int64) string {
	type frame struct {
		object  bool
		key     string
		index   int
		wantKey bool
	}
	var stack []*frame
	path := func() string {
		var sb strings.Builder
		for _, f := range stack {
			if f.object {
				if sb.Len() > 0 {
					sb.WriteByte('.')
				}
				sb.WriteString(f.key)
			} else {
				sb.WriteString("[" + strconv.Itoa(f.index) + "]")
			}
		}
		return sb.String()
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.Token()
		if err != nil {
			return path()
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if top != nil && !top.object {
					top.index++
				}
				stack = append(stack, &frame{object: d == '{', wantKey: d == '{', index: -1})
			default:
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && stack[len(stack)-1].object {
					stack[len(stack)-1].wantKey = true
				}
			}
			continue
		}
		if top != nil && top.object && top.wantKey {
			top.key, _ = tok.(string)
			top.wantKey = false
			if dec.InputOffset() > off {
				return path()
			}
			continue
		}
		if top != nil && !top.object {
			top.index++
		}
		if dec.InputOffset() > off {
			return path()
		}
		if top != nil && top.object {
			top.wantKey = true
		}
	}
}

// jsonError turns a decoding error into an EInvalid that names the field
// and says what was expected there.
func jsonError(b []byte, v any, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return debrief.Errorf(debrief.EInvalid, "", "The body is not valid JSON (at byte %d: %s).", syn.Offset, strings.TrimPrefix(syn.Error(), "json: "))
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return debrief.Errorf(debrief.EInvalid, "", "The body is not valid JSON: it ends early.")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return debrief.Errorf(debrief.EInvalid, "", "The body must be a JSON object, not %s.", article(typ.Value))
		}
		field := typ.Field
		if p, ok := locateTypeError(b, reflect.TypeOf(v), strings.Split(field, "."), ""); ok && p != "" {
			field = p // with list positions: events[2].at rather than events.at
		}
		return debrief.Errorf(debrief.EInvalid, field, "The field %s must be %s, not %s.", field, describeType(typ.Type), article(typ.Value))
	case isTimeError(err):
		// time.Time decodes itself and its errors carry no path; find the
		// value that failed, so the answer names the field like any other.
		field, _ := locateBadTime(b, reflect.TypeOf(v), "")
		if field == "" {
			return debrief.Errorf(debrief.EInvalid, "", "A time in the body is not %s.", describeType(timeType))
		}
		return debrief.Errorf(debrief.EInvalid, field, "The field %s must be %s.", field, describeType(timeType))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		path := unknownFieldPath(b, reflect.TypeOf(v))
		if path == "" {
			path = name
		}
		return debrief.Errorf(debrief.EInvalid, path, "Unknown field %q; see /api/v1/openapi.json for the fields this request takes.", path)
	}
	return debrief.Errorf(debrief.EInvalid, "", "The body could not be read as JSON: %s.", strings.TrimPrefix(err.Error(), "json: "))
}

// article names a JSON value kind the way a sentence needs it.
func article(kind string) string {
	if i := strings.IndexByte(kind, ' '); i > 0 {
		kind = kind[:i] // "string \"x\"" → "string"
	}
	switch kind {
	case "object", "array":
		return "an " + kind
	case "null":
		return "null"
	}
	return "a " + kind
}

var (
	timeType          = reflect.TypeFor[time.Time]()
	dateType          = reflect.TypeFor[apiDate]()
	incidentRefType   = reflect.TypeFor[incidentRef]()
	postmortemRefType = reflect.TypeFor[postmortemRef]()
)

// describeType says in words what JSON a Go type takes.
func describeType(t reflect.Type) string {
	if t == nil {
		return "a different type"
	}
	switch t {
	case timeType:
		return "a time in RFC 3339 format, e.g. \"2024-03-05T14:02:00Z\""
	case dateType:
		return "a date like \"2024-03-05\" or a time in RFC 3339 format"
	case incidentRefType:
		return "an incident ID or key, e.g. 42 or \"INC-42\""
	case postmortemRefType:
		return "a postmortem ID or key, e.g. 7 or \"PM-7\""
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a different type"
}

// unknownFieldPath finds the dotted path of the first field in b that t does
// not know, such as "roles.pager" or "events[2].colour". encoding/json names
// only the last part, which is ambiguous in nested bodies; this walk runs
// only on that error path, so its reflection costs nothing on success.
func unknownFieldPath(b []byte, t reflect.Type) string {
	dec := json.NewDecoder(bytes.NewReader(b))
	path, _ := walkUnknown(dec, t, "")
	return path
}

func walkUnknown(dec *json.Decoder, t reflect.Type, path string) (string, bool) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	tok, err := dec.Token()
	if err != nil {
		return "", false
	}
	delim, isDelim := tok.(json.Delim)
	if !isDelim {
		return "", false
	}
	switch delim {
	case '{':
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return "", false
			}
			key, _ := kt.(string)
			sub := joinPath(path, key)
			var ft reflect.Type
			switch {
			case t == nil:
			case t.Kind() == reflect.Map:
				ft = t.Elem()
			case t.Kind() == reflect.Struct:
				f, ok := jsonField(t, key)
				if !ok {
					return sub, true
				}
				ft = f
			}
			if p, found := walkUnknown(dec, ft, sub); found {
				return p, true
			}
		}
		_, _ = dec.Token()
	case '[':
		var et reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			et = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if p, found := walkUnknown(dec, et, path+"["+strconv.Itoa(i)+"]"); found {
				return p, true
			}
		}
		_, _ = dec.Token()
	}
	return "", false
}

// jsonField finds the field of struct t that JSON key names, the way
// encoding/json matches them (exact name first, then case-insensitively),
// following embedded structs.
func jsonField(t reflect.Type, key string) (reflect.Type, bool) {
	var fold reflect.Type
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				if ft, ok := jsonField(et, key); ok {
					return ft, true
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if name == key {
			return f.Type, true
		}
		if fold == nil && strings.EqualFold(name, key) {
			fold = f.Type
		}
	}
	return fold, fold != nil
}

// locateTypeError finds the full path, list positions included, of the
// first value that fails to decode at the dotted path encoding/json named
// (it leaves positions out). It runs only on the error path.
func locateTypeError(raw []byte, t reflect.Type, parts []string, prefix string) (string, bool) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "", false
	}
	if len(parts) == 0 {
		if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			var items []json.RawMessage
			if json.Unmarshal(raw, &items) == nil {
				for i, item := range items {
					if p, ok := locateTypeError(item, t.Elem(), nil, prefix+"["+strconv.Itoa(i)+"]"); ok {
						return p, true
					}
				}
			}
		}
		if json.Unmarshal(raw, reflect.New(t).Interface()) != nil {
			return prefix, true
		}
		return "", false
	}
	switch t.Kind() {
	case reflect.Struct:
		m, keys, ok := sortedObject(raw)
		if !ok {
			return "", false
		}
		for _, k := range keys {
			if k != parts[0] && !strings.EqualFold(k, parts[0]) {
				continue
			}
			ft, ok := jsonField(t, k)
			if !ok {
				continue
			}
			if p, ok := locateTypeError(m[k], ft, parts[1:], joinPath(prefix, k)); ok {
				return p, true
			}
		}
	case reflect.Slice, reflect.Array:
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return "", false
		}
		for i, item := range items {
			if p, ok := locateTypeError(item, t.Elem(), parts, prefix+"["+strconv.Itoa(i)+"]"); ok {
				return p, true
			}
		}
	}
	return "", false
}

// sortedObject decodes raw as a JSON object and returns its keys sorted,
// so that the first bad field reported is the same on every run.
func sortedObject(raw []byte) (map[string]json.RawMessage, []string, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil, nil, false
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return m, keys, true
}

// joinPath names field k inside the value at prefix ("" is the top).
func joinPath(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

// isTimeError reports whether err is time.Time refusing the JSON it was
// given: a string that is not RFC 3339, or a value that is not a string.
func isTimeError(err error) bool {
	var pe *time.ParseError
	return errors.As(err, &pe) || strings.HasPrefix(err.Error(), "Time.UnmarshalJSON: ")
}

// locateBadTime finds the path, list positions included, of the first
// time.Time in raw (decoded as t) that does not decode. It runs only on
// the error path.
func locateBadTime(raw []byte, t reflect.Type, prefix string) (string, bool) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "", false
	}
	if t == timeType {
		var v time.Time
		return prefix, json.Unmarshal(raw, &v) != nil
	}
	switch t.Kind() {
	case reflect.Struct:
		m, keys, ok := sortedObject(raw)
		if !ok {
			return "", false
		}
		for _, k := range keys {
			ft, ok := jsonField(t, k)
			if !ok {
				continue
			}
			if p, ok := locateBadTime(m[k], ft, joinPath(prefix, k)); ok {
				return p, true
			}
		}
	case reflect.Map:
		m, keys, ok := sortedObject(raw)
		if !ok {
			return "", false
		}
		for _, k := range keys {
			if p, ok := locateBadTime(m[k], t.Elem(), joinPath(prefix, k)); ok {
				return p, true
			}
		}
	case reflect.Slice, reflect.Array:
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return "", false
		}
		for i, item := range items {
			if p, ok := locateBadTime(item, t.Elem(), prefix+"["+strconv.Itoa(i)+"]"); ok {
				return p, true
			}
		}
	}
	return "", false
}

// versionFrom returns the version a change started from: the If-Match
// header (the ETag a GET returned) or "version" in the body. Without one a
// change could silently overwrite someone else's, so it is required.
func versionFrom(r *http.Request, body *int) (int, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		if body == nil {
			return 0, debrief.Errorf(debrief.EInvalid, "version", "Say which version you are changing: send the ETag from GET in an If-Match header, or \"version\" in the body.")
		}
		return *body, nil
	}
	v, ok := parseETag(h)
	if !ok {
		return 0, debrief.Errorf(debrief.EInvalid, "If-Match", "If-Match must be the ETag a GET returned, like \"3\" (with the quotes); got %s.", truncate(h, 40))
	}
	if body != nil && *body != v {
		return 0, debrief.Errorf(debrief.EInvalid, "version", "If-Match says version %d but the body says %d; send one.", v, *body)
	}
	return v, nil
}

// parseETag reads "3", W/"3" or a bare 3. The wildcard * is refused: it
// would let a change overwrite whatever is stored.
func parseETag(h string) (int, bool) {
	h = strings.TrimPrefix(h, "W/")
	if len(h) >= 2 && h[0] == '"' && h[len(h)-1] == '"' {
		h = h[1 : len(h)-1]
	}
	v, err := strconv.Atoi(h)
	if err != nil || v < 0 {
		return 0, false
	}
	return v, true
}

func setETag(w http.ResponseWriter, version int) {
	w.Header().Set("ETag", etagOf(version))
}

// etagOf is the ETag of a record at version.
func etagOf(version int) string { return `"` + strconv.Itoa(version) + `"` }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

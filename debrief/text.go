package debrief

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// What text Debrief accepts is one rule, decided here and applied by the
// Service to every record whichever door it came through (API, CLI,
// webhook, import), so both databases get the same answer: PostgreSQL
// refuses NUL and invalid UTF-8 in text and JSONB, SQLite would store them.
//
//   - Every string is valid UTF-8 and holds no NUL character.
//   - Titles and names (see lineFields) hold no bidirectional embedding,
//     override or isolate characters (U+202A–U+202E, U+2066–U+2069): they
//     make a title display as something other than what it says, and
//     nothing a person types into a title needs them.
//   - Lengths are limited per field by each record's Validate; any other
//     title or name holds at most MaxTitleLen bytes, any other text
//     MaxTextLen.

// lineFields are the JSON field names that hold titles and names.
var lineFields = map[string]bool{
	"title": true, "name": true, "heading": true, "owner": true, "key": true,
	"services": true, "customers": true, "labels": true, "members": true,
	"contributing_factors": true, "service": true, "severity": true,
	"commander": true, "scribe": true, "communications": true, "actor": true,
	"alert": true,
}

// CheckText returns EInvalid naming field when s is not acceptable text.
// line marks a title or name, where bidirectional controls are refused too.
func CheckText(field, s string, line bool) error {
	if !utf8.ValidString(s) {
		return Errorf(EInvalid, field, "The %s is not valid UTF-8 text; send it encoded as UTF-8.", fieldLabel(field))
	}
	if strings.IndexByte(s, 0) >= 0 {
		return Errorf(EInvalid, field, "The %s holds a NUL character (\\u0000); remove it.", fieldLabel(field))
	}
	if line {
		if i := strings.IndexFunc(s, isBidiControl); i >= 0 {
			r, _ := utf8.DecodeRuneInString(s[i:])
			return Errorf(EInvalid, field, "The %s holds the invisible direction control U+%04X, which would make it display as something it does not say; remove it.", fieldLabel(field), r)
		}
	}
	return nil
}

func isBidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

func fieldLabel(field string) string {
	if field == "" {
		return "text"
	}
	return "field " + field
}

// CheckStrings applies CheckText to every string reachable from v
// (struct fields, slices, maps keys and values, pointers, raw JSON), naming
// each by its JSON path, e.g. sections[2].body. Fields in lineFields, and
// everything inside them, are checked as titles and names.
func CheckStrings(v any) error {
	return checkValue(reflect.ValueOf(v), "", false)
}

var rawMessageType = reflect.TypeOf(json.RawMessage(nil))

func checkValue(v reflect.Value, path string, line bool) error {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return checkValue(v.Elem(), path, line)
	case reflect.String:
		if err := CheckText(path, v.String(), line); err != nil {
			return err
		}
		// The records' Validate methods hold the tighter limits of their
		// fields; these bound every field they do not name.
		if n := len(v.String()); line && n > MaxTitleLen {
			return Errorf(EInvalid, path, "The %s is %d bytes long; a title or name holds at most %d.", fieldLabel(path), n, MaxTitleLen)
		} else if n > MaxTextLen {
			return Errorf(EInvalid, path, "The %s is %d bytes long; at most %d.", fieldLabel(path), n, MaxTextLen)
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			p := path
			if !f.Anonymous {
				if name == "" {
					name = strings.ToLower(f.Name)
				}
				p = joinPath(path, name)
			}
			if err := checkValue(v.Field(i), p, line || lineFields[name]); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type() == rawMessageType || (v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8) {
			return checkRawJSON(path, v.Bytes())
		}
		for i := 0; i < v.Len(); i++ {
			if err := checkValue(v.Index(i), path+"["+strconv.Itoa(i)+"]", line); err != nil {
				return err
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			k := it.Key()
			if k.Kind() == reflect.String {
				if err := CheckText(path, k.String(), line); err != nil {
					return err
				}
			}
			kp := path
			if k.Kind() == reflect.String && utf8.ValidString(k.String()) {
				kp = joinPath(path, k.String())
			}
			if err := checkValue(it.Value(), kp, line); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkRawJSON refuses raw JSON that is not UTF-8 or that escapes NUL:
// PostgreSQL's JSONB cannot hold \u0000.
func checkRawJSON(path string, b []byte) error {
	if !utf8.Valid(b) {
		return CheckText(path, string(b), false)
	}
	s := string(b)
	for i := strings.Index(s, `\u`); i >= 0; {
		if strings.EqualFold(s[i:min(i+6, len(s))], `\u0000`) && !escaped(s, i) {
			return CheckText(path, "\x00", false)
		}
		j := strings.Index(s[i+2:], `\u`)
		if j < 0 {
			break
		}
		i += 2 + j
	}
	return nil
}

// escaped reports whether the backslash at i is itself escaped.
func escaped(s string, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// CleanLogText makes text that Debrief records about a request (a user
// agent, a rejected delivery's reason) storable, rather than refusing it:
// invalid bytes become U+FFFD and NUL characters are dropped. The record
// says what happened; it must not fail for the sender's bad bytes.
func CleanLogText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "")
}

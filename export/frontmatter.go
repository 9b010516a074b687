package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// The front matter is written from the records' JSON encoding, so every
// field with a JSON name is carried without a second list of names to keep
// in step with package debrief: value → JSON → YAML node on the way out,
// YAML node → JSON → value on the way in.

// jsonNode returns v as a YAML node in block style, keys in struct order.
func jsonNode(v any) (*yaml.Node, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(yamlPrintable(b), &doc); err != nil {
		return nil, fmt.Errorf("export: JSON as YAML: %w", err)
	}
	n := doc.Content[0]
	blockStyle(n)
	return n, nil
}

// yamlPrintable escapes the characters YAML does not accept in its input
// (DEL, C1 controls, U+FFFE, U+FFFF), the line break U+0085 (NEL) and
// the byte order mark U+FEFF,
// which encoding/json leaves as they are;
// they only occur inside JSON strings, where \uXXXX means the same.
func yamlPrintable(b []byte) []byte {
	ok := true
	for _, r := range string(b) {
		if !yamlPrintableRune(r) {
			ok = false
			break
		}
	}
	if ok {
		return b
	}
	var out bytes.Buffer
	for _, r := range string(b) {
		if yamlPrintableRune(r) {
			out.WriteRune(r)
		} else {
			fmt.Fprintf(&out, "\\u%04x", r)
		}
	}
	return out.Bytes()
}

func yamlPrintableRune(r rune) bool {
	switch {
	case r == 0x09 || r == 0x0a || r == 0x0d || r >= 0x20 && r <= 0x7e:
		return true
	case r == 0xfeff:
		return false // a byte order mark inside the text stops the YAML reader
	case r >= 0xa0 && r <= 0xd7ff || r >= 0xe000 && r <= 0xfffd || r >= 0x10000 && r <= 0x10ffff:
		return true
	}
	return false
}

// blockStyle clears the flow and quoting styles JSON input leaves, so the
// encoder picks the plainest form that reads back as the same value.
func blockStyle(n *yaml.Node) {
	n.Style = 0
	n.Line, n.Column = 0, 0
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" && strings.ContainsAny(n.Value, "\u0085\u2028\u2029") {
		// YAML reads these as line breaks unless they are escaped.
		n.Style = yaml.DoubleQuotedStyle
	} else if n.Kind == yaml.ScalarNode && n.Tag == "!!str" && strings.Contains(n.Value, "\n") {
		// Left to itself the emitter writes some multi-line strings (only
		// newlines, say) in a block form it then reads back differently.
		n.Style = yaml.DoubleQuotedStyle
		if literalSafe(n.Value) {
			n.Style = yaml.LiteralStyle
		}
	}
	for _, c := range n.Content {
		blockStyle(c)
	}
}

// literalSafe reports whether s can be written as a YAML literal block
// (|) and read back unchanged: the emitter would otherwise quote it anyway,
// so only the common readable case is chosen explicitly.
func literalSafe(s string) bool {
	for _, line := range strings.Split(s, "\n") {
		if strings.HasSuffix(line, " ") || strings.HasSuffix(line, "\t") {
			return false
		}
	}
	for _, r := range s {
		if r == '\r' || r == '\t' || r < 0x20 && r != '\n' || r == 0x7f || r == 0xfeff || r == 0x85 || r == 0x2028 || r == 0x2029 {
			return false
		}
	}
	return !strings.HasPrefix(s, " ") && !strings.HasPrefix(s, "\n")
}

func mapping(pairs ...any) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i := 0; i < len(pairs); i += 2 {
		m.Content = append(m.Content, strNode(pairs[i].(string)), pairs[i+1].(*yaml.Node))
	}
	return m
}

func strNode(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

func intNode(n int64) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(n, 10)}
}

// removeKey deletes key from a mapping node and returns its value, or nil.
func removeKey(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			v := m.Content[i+1]
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return v
		}
	}
	return nil
}

// lookup returns the key and value nodes for key in a mapping, or nils.
func lookup(m *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

func encodeYAML(n *yaml.Node) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return nil, fmt.Errorf("export: encode front matter: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decodeNode fills v (a pointer) from n, going through JSON so that field
// names are the JSON ones. Keys that name no field, and values of the wrong
// kind, are reported at their line (offset by lineOffset, the number of
// lines before the YAML text).
func decodeNode(n *yaml.Node, v any, lineOffset int, path string) error {
	var buf bytes.Buffer
	if err := nodeJSON(&buf, n, reflect.TypeOf(v).Elem(), lineOffset, path); err != nil {
		return err
	}
	if err := json.Unmarshal(buf.Bytes(), v); err != nil {
		return lineErr(n.Line+lineOffset, "%s: %s", path, strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

var timeType = reflect.TypeOf(time.Time{})

// nodeJSON writes n as the JSON encoding of a value of type t. A key that
// names no field and a value of the wrong kind are reported at their line.
// Text fields take any scalar as text, so "title: 2024" stays a title.
func nodeJSON(buf *bytes.Buffer, n *yaml.Node, t reflect.Type, off int, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	line := n.Line + off
	if n.Kind == yaml.AliasNode {
		return lineErr(line, "%s: YAML aliases are not allowed in front matter", path)
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		buf.WriteString("null")
		return nil
	}
	switch {
	case t == timeType:
		if n.Kind != yaml.ScalarNode {
			return lineErr(line, "%s should be a time like 2024-03-05T14:02:00Z", path)
		}
		if _, err := time.Parse(time.RFC3339Nano, n.Value); err != nil {
			return lineErr(line, "%s: %q is not a time like 2024-03-05T14:02:00Z", path, n.Value)
		}
		writeJSONString(buf, n.Value)
	case t.Kind() == reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return lineErr(line, "%s should be a mapping of names to values", path)
		}
		fields := jsonFields(t)
		buf.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			ft, ok := fields[k.Value]
			if !ok {
				return lineErr(k.Line+off, "%s has no field %q", path, k.Value)
			}
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSONString(buf, k.Value)
			buf.WriteByte(':')
			if err := nodeJSON(buf, n.Content[i+1], ft, off, path+"."+k.Value); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case t.Kind() == reflect.Map:
		if n.Kind != yaml.MappingNode {
			return lineErr(line, "%s should be a mapping", path)
		}
		buf.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSONString(buf, n.Content[i].Value)
			buf.WriteByte(':')
			if err := nodeJSON(buf, n.Content[i+1], t.Elem(), off, path+"."+n.Content[i].Value); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case t.Kind() == reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return lineErr(line, "%s should be a list", path)
		}
		buf.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := nodeJSON(buf, c, t.Elem(), off, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case t.Kind() == reflect.String:
		if n.Kind != yaml.ScalarNode {
			return lineErr(line, "%s should be text", path)
		}
		writeJSONString(buf, n.Value)
	case t.Kind() == reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || n.Decode(&b) != nil {
			return lineErr(line, "%s should be true or false", path)
		}
		buf.WriteString(strconv.FormatBool(b))
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		var i int64
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&i) != nil {
			return lineErr(line, "%s should be a whole number", path)
		}
		if _, err := strconv.ParseInt(strconv.FormatInt(i, 10), 10, t.Bits()); err != nil {
			return lineErr(line, "%s: %s is out of range", path, n.Value)
		}
		buf.WriteString(strconv.FormatInt(i, 10))
	case t.Kind() == reflect.Float64 || t.Kind() == reflect.Float32:
		// A project's metrics are numbers like 2.1 or 200.
		var f float64
		if n.Kind != yaml.ScalarNode || (n.Tag != "!!float" && n.Tag != "!!int") || n.Decode(&f) != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return lineErr(line, "%s should be a number", path)
		}
		b, _ := json.Marshal(f)
		buf.Write(b)
	default:
		return lineErr(line, "%s cannot be read from front matter", path)
	}
	return nil
}

func writeJSONString(buf *bytes.Buffer, s string) {
	b, _ := json.Marshal(s)
	buf.Write(b)
}

// jsonFields maps the JSON names of t's fields to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := make(map[string]reflect.Type, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

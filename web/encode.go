package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
)

// bufPool recycles response buffers: encoding into a buffer first lets the
// response carry Content-Length and turns an encoding failure into a clean
// 500 instead of half a body.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuf keeps one huge response from pinning its buffer forever.
const maxPooledBuf = 256 << 10

// writeJSON sends v as the JSON body of a response with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledBuf {
			bufPool.Put(buf)
		}
	}()
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		// Only a bug (an unencodable value) gets here; the body is not sent.
		buf.Reset()
		buf.WriteString(`{"error":{"code":"internal","message":"internal error","field":""}}` + "\n")
		status = http.StatusInternalServerError
	}
	writeJSONBytes(w, status, buf.Bytes())
}

// encodeJSON returns v encoded as writeJSON sends it, for an answer that is
// kept (answerCache).
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeJSONBytes sends body, JSON already encoded, with status.
func writeJSONBytes(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h["Content-Type"] = jsonTypeValue
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// listBody is the shape of every list response.
type listBody[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

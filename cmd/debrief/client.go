package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ClientFlags are the flags of every command that talks to a server. Other
// areas' client commands embed them too, so they all read the same
// --server/DEBRIEF_URL and --token/DEBRIEF_TOKEN.
type ClientFlags struct {
	Server string `help:"URL of the Debrief server." default:"http://127.0.0.1:8080" env:"DEBRIEF_URL" placeholder:"URL"`
	Token  string `help:"API token, sent as 'Authorization: Bearer'." env:"DEBRIEF_TOKEN" placeholder:"TOKEN"`
	JSON   bool   `name:"json" help:"Print the server's JSON instead of a table, for scripts."`
}

// get fetches path into out for a command to print. With --json it writes
// the server's answer as it came instead; done reports that the command
// has nothing more to do (that, or an error), so a command returns err
// when done.
func (f *ClientFlags) get(env *Env, path string, query url.Values, out any) (done bool, err error) {
	cl, err := f.client()
	if err != nil {
		return true, err
	}
	resp, err := cl.getJSON(env.Ctx, path, query, out)
	return f.answered(env, resp, err)
}

// send is get for a change: it sends body with method, naming ifVersion
// in If-Match when it is not 0, and decodes the answer into out.
func (f *ClientFlags) send(env *Env, method, path string, body any, ifVersion int, out any) (done bool, err error) {
	cl, err := f.client()
	if err != nil {
		return true, err
	}
	resp, err := cl.sendJSON(env.Ctx, method, path, body, ifVersion, out)
	return f.answered(env, resp, err)
}

// answered finishes a command's request as get and send do: done on an
// error, or with --json once the server's answer is written.
func (f *ClientFlags) answered(env *Env, resp *response, err error) (done bool, _ error) {
	if err != nil {
		return true, err
	}
	if f.JSON {
		return true, writeJSON(env.Stdout, resp.Body)
	}
	return false, nil
}

// client calls the Debrief REST API.
type client struct {
	base  *url.URL
	token string
	http  *http.Client
}

// client checks the server URL and returns a client for it.
func (f *ClientFlags) client() (*client, error) {
	u, err := url.Parse(strings.TrimRight(f.Server, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("the server address %q is not an http:// or https:// URL (set --server or DEBRIEF_URL)", f.Server)
	}
	return &client{base: u, token: f.Token, http: &http.Client{Timeout: 30 * time.Second}}, nil
}

// apiError is an error the server answered with.
type apiError struct {
	Status  int
	Code    string
	Message string
	Field   string
	// Version is the current version of the record on a conflict, from the
	// ETag the server sent with the 409, or 0.
	Version int
}

func (e *apiError) Error() string {
	msg := strings.TrimSpace(e.Message)
	if msg == "" {
		msg = fmt.Sprintf("The server answered %d %s", e.Status, http.StatusText(e.Status))
	}
	if e.Field != "" {
		msg = strings.TrimRight(msg, ".") + fmt.Sprintf(" (field %q)", e.Field)
	}
	return sentence(msg)
}

// response is a successful answer: its body and the record version in its ETag.
type response struct {
	Status  int
	Body    []byte
	Version int
	Header  http.Header
}

// do sends a request with an optional JSON body and returns the response, or
// an *apiError for a non-2xx answer, or a plain sentence when the server
// cannot be reached.
func (c *client) do(ctx context.Context, method, path string, query url.Values, body any, ifVersion int) (*response, error) {
	if body == nil {
		return c.send(ctx, method, path, query, "", nil, ifVersion)
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("encode the request: %w", err)
	}
	return c.send(ctx, method, path, query, "application/json", bytes.NewReader(b), ifVersion)
}

// send is do for a body of any media type (contentType "" for none).
func (c *client) send(ctx context.Context, method, path string, query url.Values, contentType string, body io.Reader, ifVersion int) (*response, error) {
	u := *c.base
	u.Path = c.base.Path + path
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("build the request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if ifVersion > 0 {
		req.Header.Set("If-Match", strconv.Quote(strconv.Itoa(ifVersion)))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.unreachable(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("read the answer from %s: %w", c.base, err)
	}
	version := etagVersion(resp.Header.Get("ETag"))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := errorAnswer(resp.StatusCode, data)
		e.Version = version
		if e.Message == "" && resp.StatusCode == http.StatusNotFound && e.Code == "" {
			e.Message = fmt.Sprintf("The server at %s has no %s; is it a Debrief server of a matching version?", c.base, path)
		}
		return nil, e
	}
	return &response{Status: resp.StatusCode, Body: data, Version: version, Header: resp.Header}, nil
}

// errorAnswer is the error a non-2xx answer carries in its body as
// {"error":{"code","message","field"}}; other bodies give only the status.
func errorAnswer(status int, body []byte) *apiError {
	e := &apiError{Status: status}
	var env struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Field   string `json:"field"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &env) == nil {
		e.Code, e.Message, e.Field = env.Error.Code, env.Error.Message, env.Error.Field
	}
	return e
}

// unreachable explains a transport failure in terms of what to check.
func (c *client) unreachable(err error) error {
	if errors.Is(err, context.Canceled) {
		return errors.New("cancelled")
	}
	var opErr *net.OpError
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr):
		return fmt.Errorf("cannot find the server %s: the host name %q does not resolve; check --server or DEBRIEF_URL", c.base, dnsErr.Name)
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return fmt.Errorf("cannot reach the Debrief server at %s (%v); start it with 'debrief serve' or point --server / DEBRIEF_URL at a running one", c.base, opErr.Err)
	}
	var ue *url.Error
	if errors.As(err, &ue) && ue.Timeout() {
		return fmt.Errorf("the Debrief server at %s did not answer in time; try again or check that it is healthy", c.base)
	}
	return fmt.Errorf("cannot talk to the Debrief server at %s: %v", c.base, err)
}

// etagVersion reads the record version from an ETag like "7" or W/"7".
func etagVersion(etag string) int {
	etag = strings.TrimPrefix(strings.TrimSpace(etag), "W/")
	n, err := strconv.Atoi(strings.Trim(etag, `"`))
	if err != nil {
		return 0
	}
	return n
}

// getJSON fetches path into out and returns the record version from the ETag.
func (c *client) getJSON(ctx context.Context, path string, query url.Values, out any) (*response, error) {
	resp, err := c.do(ctx, http.MethodGet, path, query, nil, 0)
	if err != nil {
		return nil, err
	}
	return resp, decode(resp, out)
}

// sendJSON sends body with method and decodes the answer into out (if not nil).
func (c *client) sendJSON(ctx context.Context, method, path string, body any, ifVersion int, out any) (*response, error) {
	resp, err := c.do(ctx, method, path, nil, body, ifVersion)
	if err != nil {
		return nil, err
	}
	if out == nil {
		return resp, nil
	}
	return resp, decode(resp, out)
}

func decode(resp *response, out any) error {
	if out == nil || len(resp.Body) == 0 {
		return nil
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		return fmt.Errorf("the server's answer is not the JSON this client expects (%v); is it a Debrief server of a matching version?", err)
	}
	return nil
}

// ref escapes a record reference (42, INC-42) for use in a path.
func ref(s string) string { return url.PathEscape(strings.TrimSpace(s)) }

// list is one page of a list answer.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// writeJSON prints the server's JSON answer, indented, for --json.
func writeJSON(w io.Writer, body []byte) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, body, "", "  "); err != nil {
		_, err = w.Write(body)
		return err
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}

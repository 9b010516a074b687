package debrief

import (
	"errors"
	"fmt"
)

// Error codes are transport-neutral: the web package maps each to one HTTP
// status in a single table, the CLI to a plain sentence.
const (
	EInvalid         = "invalid"           // bad input: a field is missing or malformed (400)
	EUnprocessable   = "unprocessable"     // well-formed input that breaks a rule (422)
	ENotFound        = "not_found"         // no such record, or one the caller may not see (404)
	EConflict        = "conflict"          // stale version or duplicate (409)
	EUnauthorized    = "unauthorized"      // no or bad credentials (401)
	EForbidden       = "forbidden"         // credentials fine, permission missing (403)
	ETooLarge        = "too_large"         // request body over the limit (413)
	EUnsupported     = "unsupported"       // wrong media type (415)
	ETooManyRequests = "too_many_requests" // rate limited (429)
	EUnavailable     = "unavailable"       // storage failed; the caller should retry (503)
	EInternal        = "internal"          // a bug or an unexpected failure (500)
)

// Error is the error every layer returns for conditions a user can act on.
// Message is safe to show to users; Field names the offending input field.
type Error struct {
	Code    string
	Field   string
	Message string
	// Current holds the current state of a record when Code is EConflict,
	// so the caller can merge instead of losing either side's work.
	Current any
	// Err is the underlying cause, for logs only; it is never shown to users.
	Err error
}

func (e *Error) Error() string {
	s := e.Code + ": " + e.Message
	if e.Field != "" {
		s = e.Code + ": " + e.Field + ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code, field and formatted message.
func Errorf(code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the user-safe message of err; errors without a code
// read "internal error" so that no detail of a bug leaks to users.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorField returns the field named by err, if any.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// IsCode reports whether err carries code.
func IsCode(err error, code string) bool { return ErrorCode(err) == code }

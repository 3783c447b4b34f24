package sdk

import (
	"fmt"
	"strings"
)

// ValidationError names one field of a request and what is wrong with it.
type ValidationError struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// Error implements error.
func (v ValidationError) Error() string { return v.Field + ": " + v.Detail }

// Response is the body of every error the API returns.
type Response struct {
	Message     string            `json:"message"`
	Detail      string            `json:"detail,omitempty"`
	Validations []ValidationError `json:"validations,omitempty"`
}

// Error is an error answer from the API, as the client sees it.
type Error struct {
	Response
	StatusCode int    `json:"-"`
	Method     string `json:"-"`
	URL        string `json:"-"`
}

// Error implements error: the message, the detail, and each validation.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	for _, v := range e.Validations {
		fmt.Fprintf(&b, "\n  %s: %s", v.Field, v.Detail)
	}
	return b.String()
}

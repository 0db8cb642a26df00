package sinks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"meterflow/processors/jsonv"
)

// gnocchiAPI speaks Gnocchi's REST API v1.
type gnocchiAPI struct {
	base    string // endpoint without /v1 and without a trailing /
	client  *http.Client
	timeout time.Duration
	// auth sets the authentication headers of a request.
	auth func(*http.Request)
}

// GnocchiAPIError is a non-2xx answer from Gnocchi.
type GnocchiAPIError struct {
	Method string
	Path   string
	Status int
	// Description is Gnocchi's error description: a string or, for
	// structured errors, an object with "cause", "detail" and "reason".
	Description any
}

func (e *GnocchiAPIError) Error() string {
	return fmt.Sprintf("gnocchi: %s %s: %d %s: %s", e.Method, e.Path, e.Status, http.StatusText(e.Status), e.describe())
}

func (e *GnocchiAPIError) describe() string {
	o, ok := e.Description.(*jsonv.Object)
	if !ok {
		return jsonv.PyStr(e.Description)
	}
	cause, _ := o.Get("cause")
	parts := []string{jsonv.PyStr(cause)}
	if reason, ok := o.Get("reason"); ok {
		parts = append(parts, jsonv.PyStr(reason))
	} else if detail, ok := o.Get("detail"); ok {
		parts = append(parts, string(jsonv.Marshal(detail)))
	}
	return strings.Join(parts, ": ")
}

// cause is the "cause" of a structured error ("Unknown resources",
// "Invalid input"), else "".
func (e *GnocchiAPIError) cause() string {
	if o, ok := e.Description.(*jsonv.Object); ok {
		c, _ := o.Get("cause")
		s, _ := c.(string)
		return s
	}
	return ""
}

// clientError reports a 4xx other than 401, 403, 407, 408 and 429: the
// request itself is wrong and sending it again cannot help. Authentication,
// authorization and throttling are the deployment's problem and may be
// fixed while meterflow retries.
func (e *GnocchiAPIError) clientError() bool {
	switch e.Status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusProxyAuthRequired,
		http.StatusRequestTimeout, http.StatusTooManyRequests:
		return false
	}
	return e.Status >= 400 && e.Status < 500
}

// isStatus reports whether err is a Gnocchi answer with that status.
func isStatus(err error, status int) bool {
	var ae *GnocchiAPIError
	return errors.As(err, &ae) && ae.Status == status
}

// isClientError reports whether err is a Gnocchi answer that retrying the
// same request cannot change; see clientError.
func isClientError(err error) bool {
	var ae *GnocchiAPIError
	return errors.As(err, &ae) && ae.clientError()
}

// do sends a request to /v1/<path> with body (a jsonv value, nil for none)
// and decodes a 2xx answer into out when out is not nil. Errors are
// *GnocchiAPIError for an answer, else transport errors.
func (a *gnocchiAPI) do(ctx context.Context, method, path string, query url.Values, contentType string, body any, out any) error {
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	u := a.base + "/v1/" + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(jsonv.Marshal(body))
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return fmt.Errorf("gnocchi: %s /v1/%s: %w", method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		if contentType == "" {
			contentType = "application/json"
		}
		req.Header.Set("Content-Type", contentType)
	}
	if a.auth != nil {
		a.auth(req)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return fmt.Errorf("gnocchi: %s /v1/%s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("gnocchi: %s /v1/%s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &GnocchiAPIError{Method: method, Path: "/v1/" + path, Status: resp.StatusCode, Description: errorDescription(data)}
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("gnocchi: %s /v1/%s: decoding the answer: %w", method, path, err)
		}
	}
	return nil
}

// errorDescription extracts "description" from Gnocchi's JSON error body
// ({"code": 400, "title": ..., "description": ...}), else returns the body
// as text.
func errorDescription(body []byte) any {
	v, err := jsonv.Parse(body)
	if err == nil {
		if o, ok := v.(*jsonv.Object); ok {
			if d, ok := o.Get("description"); ok {
				return d
			}
		}
	}
	s := strings.TrimSpace(string(body))
	if len(s) > 512 {
		s = s[:512] + "..."
	}
	return s
}

// pathID escapes a resource or resource type id for a URL path.
func pathID(id any) string { return url.PathEscape(jsonv.PyStr(id)) }

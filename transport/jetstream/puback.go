package jetstream

import (
	"encoding/json"
	"strconv"

	"github.com/nats-io/nats.go/jetstream"
)

// pubAckResponse is a JetStream publish reply: a PubAck or an API error.
type pubAckResponse struct {
	*jetstream.PubAck
	Error *jetstream.APIError `json:"error,omitempty"`
}

// parsePubAck decodes a publish reply. Replies are tiny, flat objects
// ({"stream":"S","seq":7,"duplicate":true}) decoded here without
// encoding/json, which cost more than the rest of a publish's client side;
// anything else (an error, an unknown field, escapes) goes to
// encoding/json. withStream asks for the stream name, which costs an
// allocation; the batch paths do not need it.
func parsePubAck(data []byte, withStream bool) (*jetstream.PubAck, error) {
	if ack, ok := parsePubAckFast(data, withStream); ok {
		return ack, nil
	}
	var r pubAckResponse
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, jetstream.ErrInvalidJSAck
	}
	if r.Error != nil {
		return nil, r.Error
	}
	if r.PubAck == nil || r.PubAck.Stream == "" {
		return nil, jetstream.ErrInvalidJSAck
	}
	return r.PubAck, nil
}

// parsePubAckFast handles the objects whose members are all "stream",
// "seq", "duplicate", "domain" or "val" with plain values; ok is false for
// anything else.
func parsePubAckFast(b []byte, withStream bool) (ack *jetstream.PubAck, ok bool) {
	var a jetstream.PubAck
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, false
	}
	i++
	sawStream := false
	for {
		i = skipSpace(b, i)
		if i < len(b) && b[i] == '}' {
			break
		}
		key, j, ok := plainString(b, i)
		if !ok {
			return nil, false
		}
		i = skipSpace(b, j)
		if i >= len(b) || b[i] != ':' {
			return nil, false
		}
		i = skipSpace(b, i+1)
		switch string(key) {
		case "stream", "domain", "val":
			v, j, ok := plainString(b, i)
			if !ok {
				return nil, false
			}
			switch string(key) {
			case "stream":
				sawStream = len(v) > 0
				if withStream {
					a.Stream = string(v)
				}
			case "domain":
				a.Domain = string(v)
			case "val":
				a.Value = string(v)
			}
			i = j
		case "seq":
			j := i
			for j < len(b) && b[j] >= '0' && b[j] <= '9' {
				j++
			}
			n, err := strconv.ParseUint(string(b[i:j]), 10, 64)
			if err != nil {
				return nil, false
			}
			a.Sequence, i = n, j
		case "duplicate":
			switch {
			case len(b)-i >= 4 && string(b[i:i+4]) == "true":
				a.Duplicate, i = true, i+4
			case len(b)-i >= 5 && string(b[i:i+5]) == "false":
				i += 5
			default:
				return nil, false
			}
		default:
			return nil, false
		}
		i = skipSpace(b, i)
		if i < len(b) && b[i] == ',' {
			i++
			continue
		}
		if i < len(b) && b[i] == '}' {
			break
		}
		return nil, false
	}
	if !sawStream {
		return nil, false
	}
	return &a, true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// plainString reads a JSON string without escapes at b[i]; it returns its
// contents and the index after the closing quote.
func plainString(b []byte, i int) ([]byte, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, i, false
	}
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '"':
			return b[i+1 : j], j + 1, true
		case '\\':
			return nil, i, false
		}
	}
	return nil, i, false
}

package meter

import (
	"strings"

	"meterflow/processors"
	"meterflow/processors/jsonv"
)

// httpEndpoint is Ceilometer's HTTPRequest or HTTPResponse endpoint
// (ceilometer.middleware), for the http.request and http.response
// notifications of ceilometermiddleware: one delta sample of volume 1 named
// after the event type, its unit the event type's second dotted word, its
// ids from the WSGI environment in payload.request.
type httpEndpoint struct {
	source string
}

// appendSamples is HTTPRequest.build_sample: a payload without a "request"
// object fails the endpoint for the notification (KeyError: 'request').
func (e *httpEndpoint) appendSamples(dst []processors.Sample, n *processors.Notification) ([]processors.Sample, error) {
	eventType := n.EventType
	parts := strings.SplitN(eventType, ".", 3)
	if len(parts) < 2 {
		return dst, pyErrorf("IndexError", "list index out of range")
	}
	payload, _ := n.Doc.Get("payload")
	request, err := getKey(payload, "request")
	if err != nil {
		return dst, err
	}
	env, ok := request.(*jsonv.Object)
	if !ok {
		return dst, pyErrorf("AttributeError", "%s object has no attribute 'get'", pyTypeName(request))
	}
	userID, _ := env.Get("HTTP_X_USER_ID")
	projectID, _ := env.Get("HTTP_X_PROJECT_ID")
	resourceID, _ := env.Get("HTTP_X_SERVICE_NAME")
	md := payloadMetadata(n.Doc)
	ts, _ := n.Doc.Get("metadata")
	meta, _ := ts.(*jsonv.Object)
	raw, _ := meta.Get("timestamp")
	timestamp, err := isoformat(raw)
	if err != nil {
		return dst, err
	}
	return append(dst, processors.Sample{
		Name:             eventType,
		Type:             "delta",
		Unit:             parts[1],
		Volume:           int64(1),
		UserID:           userID,
		ProjectID:        projectID,
		ResourceID:       resourceID,
		Timestamp:        timestamp,
		ResourceMetadata: md,
		Source:           e.source,
	}), nil
}

package processors

import (
	"meterflow/processors/jsonv"
)

// AppendJSON appends the sample as Ceilometer's Sample.as_dict() renders it
// (the shape of `meterflow convert` and of the golden corpus): name, type,
// unit, volume, user_id, project_id, resource_id, timestamp,
// resource_metadata, source, id.
func (s *Sample) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"name":`...)
	dst = jsonv.Append(dst, s.Name)
	dst = append(dst, `,"type":`...)
	dst = jsonv.Append(dst, s.Type)
	dst = append(dst, `,"unit":`...)
	dst = jsonv.Append(dst, s.Unit)
	dst = append(dst, `,"volume":`...)
	dst = jsonv.Append(dst, s.Volume)
	dst = append(dst, `,"user_id":`...)
	dst = jsonv.Append(dst, s.UserID)
	dst = append(dst, `,"project_id":`...)
	dst = jsonv.Append(dst, s.ProjectID)
	dst = append(dst, `,"resource_id":`...)
	dst = jsonv.Append(dst, s.ResourceID)
	dst = append(dst, `,"timestamp":`...)
	dst = jsonv.Append(dst, s.Timestamp)
	dst = append(dst, `,"resource_metadata":`...)
	dst = jsonv.Append(dst, s.ResourceMetadata)
	dst = append(dst, `,"source":`...)
	dst = jsonv.Append(dst, s.Source)
	dst = append(dst, `,"id":`...)
	dst = jsonv.Append(dst, s.ID)
	return append(dst, '}')
}

// AppendJSON appends the event as Ceilometer's Event.as_dict() renders it:
// event_type, message_id, generated, traits as {name, dtype, value}, raw.
func (e *Event) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"event_type":`...)
	dst = jsonv.Append(dst, e.EventType)
	dst = append(dst, `,"message_id":`...)
	dst = jsonv.Append(dst, e.MessageID)
	dst = append(dst, `,"generated":`...)
	dst = jsonv.Append(dst, e.Generated)
	dst = append(dst, `,"traits":[`...)
	for i, t := range e.Traits {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"name":`...)
		dst = jsonv.Append(dst, t.Name)
		dst = append(dst, `,"dtype":`...)
		dst = jsonv.Append(dst, int64(t.Type))
		dst = append(dst, `,"value":`...)
		dst = jsonv.Append(dst, t.Value)
		dst = append(dst, '}')
	}
	dst = append(dst, `],"raw":`...)
	if e.Raw == nil {
		dst = append(dst, "{}"...)
	} else {
		dst = jsonv.Append(dst, e.Raw)
	}
	return append(dst, '}')
}

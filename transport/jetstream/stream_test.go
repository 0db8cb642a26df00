package jetstream

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

func TestEnsureStream_CreatesWithDocumentedDefaults(t *testing.T) {
	js := newJS(t, connectTCP(t, startTestServer(t)))
	name := uniqueName("NOTIFICATIONS")

	s, err := EnsureStream(context.Background(), js, StreamConfig{Name: name, Subjects: []string{"notif.>"}})
	if err != nil {
		t.Fatal(err)
	}
	got := s.CachedInfo().Config
	if got.MaxAge != 7*24*time.Hour || got.MaxBytes != 10<<30 || got.Duplicates != time.Hour ||
		got.MaxMsgs != -1 || got.Replicas != 1 || got.Storage != jetstream.FileStorage ||
		got.Discard != jetstream.DiscardNew || got.Retention != jetstream.LimitsPolicy {
		t.Fatalf("created config = %+v", got)
	}
}

func TestEnsureStream_UnchangedConfigIsANoOp(t *testing.T) {
	js := newJS(t, connectTCP(t, startTestServer(t)))
	cfg := StreamConfig{Name: uniqueName("S"), Subjects: []string{"a.>"}, MaxBytes: 1 << 20}
	first, err := EnsureStream(context.Background(), js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	second, err := EnsureStream(context.Background(), js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !first.CachedInfo().Created.Equal(second.CachedInfo().Created) {
		t.Fatal("stream was recreated")
	}
}

func TestEnsureStream_UpdatesLimitsAndKeepsData(t *testing.T) {
	js := newJS(t, connectTCP(t, startTestServer(t)))
	cfg := StreamConfig{Name: uniqueName("S"), Subjects: []string{"u.>"}, MaxBytes: 1 << 20}
	if _, err := EnsureStream(context.Background(), js, cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctxTimeout(t, 5*time.Second), "u.x", []byte("keep")); err != nil {
		t.Fatal(err)
	}

	cfg.Subjects = []string{"u.>", "v.>"}
	cfg.MaxAge = time.Hour
	cfg.MaxBytes = 2 << 20
	cfg.Duplicates = 5 * time.Minute
	cfg.DiscardOld = true
	cfg.Compression = true
	s, err := EnsureStream(context.Background(), js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	got := s.CachedInfo()
	if got.Config.MaxAge != time.Hour || got.Config.MaxBytes != 2<<20 || got.Config.Duplicates != 5*time.Minute ||
		got.Config.Discard != jetstream.DiscardOld || got.Config.Compression != jetstream.S2Compression ||
		len(got.Config.Subjects) != 2 {
		t.Fatalf("updated config = %+v", got.Config)
	}
	if got.State.Msgs != 1 {
		t.Fatalf("update lost data: %d messages", got.State.Msgs)
	}
}

func TestEnsureStream_KeepsSettingsItDoesNotManage(t *testing.T) {
	js := newJS(t, connectTCP(t, startTestServer(t)))
	name := uniqueName("S")
	if _, err := js.CreateStream(context.Background(), jetstream.StreamConfig{
		Name: name, Subjects: []string{"k.>"}, Metadata: map[string]string{"owner": "ops"}, AllowDirect: true,
	}); err != nil {
		t.Fatal(err)
	}
	s, err := EnsureStream(context.Background(), js, StreamConfig{Name: name, Subjects: []string{"k.>"}, MaxBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	got := s.CachedInfo().Config
	if got.Metadata["owner"] != "ops" || !got.AllowDirect || got.MaxBytes != 1<<20 {
		t.Fatalf("config = %+v", got)
	}
}

func TestEnsureStream_IncompatibleChangesFailClearly(t *testing.T) {
	js := newJS(t, connectTCP(t, startTestServer(t)))
	base := StreamConfig{Name: uniqueName("S"), Subjects: []string{"i.>"}, MaxBytes: 1 << 20}
	if _, err := EnsureStream(context.Background(), js, base); err != nil {
		t.Fatal(err)
	}

	t.Run("storage type", func(t *testing.T) {
		cfg := base
		cfg.Storage = jetstream.MemoryStorage
		_, err := EnsureStream(context.Background(), js, cfg)
		if !errors.Is(err, ErrStreamIncompatible) {
			t.Fatalf("err = %v, want ErrStreamIncompatible", err)
		}
		t.Log(err)
	})
	t.Run("subjects overlapping another stream", func(t *testing.T) {
		_, err := EnsureStream(context.Background(), js, StreamConfig{Name: uniqueName("O"), Subjects: []string{"i.x"}, MaxBytes: 1 << 20})
		if !errors.Is(err, ErrStreamIncompatible) {
			t.Fatalf("err = %v, want ErrStreamIncompatible", err)
		}
		t.Log(err)
	})
	t.Run("more bytes than the server stores", func(t *testing.T) {
		cfg := base
		cfg.MaxBytes = 2 * testMaxStore
		_, err := EnsureStream(context.Background(), js, cfg)
		if !errors.Is(err, ErrStreamIncompatible) {
			t.Fatalf("err = %v, want ErrStreamIncompatible", err)
		}
		t.Log(err)
	})
}

func TestStreamConfig_Validate(t *testing.T) {
	tests := []struct {
		name string
		cfg  StreamConfig
	}{
		{"no name", StreamConfig{Subjects: []string{"a"}}},
		{"dot in name", StreamConfig{Name: "a.b", Subjects: []string{"a"}}},
		{"no subjects", StreamConfig{Name: "A"}},
		{"bad subject", StreamConfig{Name: "A", Subjects: []string{"a..b"}}},
		{"> not last", StreamConfig{Name: "A", Subjects: []string{">.a"}}},
		{"duplicates beyond max age", StreamConfig{Name: "A", Subjects: []string{"a"}, MaxAge: time.Minute, Duplicates: time.Hour}},
		{"replicas", StreamConfig{Name: "A", Subjects: []string{"a"}, Replicas: 7}},
		{"max bytes", StreamConfig{Name: "A", Subjects: []string{"a"}, MaxBytes: -5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.setDefaults()
			if err := cfg.Validate(); !errors.Is(err, ErrInvalidOption) {
				t.Fatalf("err = %v, want ErrInvalidOption", err)
			}
		})
	}
}

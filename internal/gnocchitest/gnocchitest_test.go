package gnocchitest

import (
	"net/http"
	"testing"
	"time"
)

func TestStart_ServesTheAPIAndCleansUp(t *testing.T) {
	var endpoint string
	t.Run("start", func(t *testing.T) {
		began := time.Now()
		endpoint = Start(t)
		t.Logf("Gnocchi ready at %s in %s", endpoint, time.Since(began).Round(time.Millisecond))
		policies := MustGet(t, endpoint, "archive_policy").([]any)
		if len(policies) == 0 {
			t.Fatal("gnocchi-upgrade created no archive policy")
		}
		if status, _ := Get(t, endpoint, "resource/generic/nope"); status != http.StatusNotFound {
			t.Fatalf("GET an unknown resource: %d", status)
		}
	})
	if _, err := http.Get(endpoint + "/v1/archive_policy"); err == nil {
		t.Fatal("Gnocchi still answers after its test ended")
	}
}

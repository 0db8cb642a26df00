package main

import (
	"strings"
	"testing"
)

func TestCheckEmbeddedAuthRefusesAnExposedServerWithoutCredentials(t *testing.T) {
	for _, c := range []struct {
		listen, user, token string
		refused             bool
	}{
		{"127.0.0.1:4233", "", "", false},
		{"localhost:4233", "", "", false},
		{"[::1]:4233", "", "", false},
		{"0.0.0.0:4233", "", "", true},
		{":4233", "", "", true},
		{"10.0.0.5:4233", "", "", true},
		{"0.0.0.0:4233", "mf", "", false},
		{"0.0.0.0:4233", "", "t0ken", false},
	} {
		err := checkEmbeddedAuth(c.listen, c.user, c.token)
		if (err != nil) != c.refused {
			t.Errorf("%s user %q token %q: %v, refused want %v", c.listen, c.user, c.token, err, c.refused)
		}
		if err != nil && !strings.Contains(err.Error(), "--nats-user") {
			t.Errorf("%s: the error does not say what to set: %v", c.listen, err)
		}
	}
}

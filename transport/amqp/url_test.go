package amqp

import (
	"errors"
	"strings"
	"testing"
)

func TestParseTransportURL(t *testing.T) {
	cases := []struct {
		name, in string
		hosts    []string
		tls      bool
		display  string
	}{
		{"single host, root vhost", "rabbit://guest:guest@localhost:5672/", []string{"amqp://guest:guest@localhost:5672/"}, false, "rabbit://localhost:5672/"},
		{"default port", "rabbit://u:p@mq/", []string{"amqp://u:p@mq:5672/"}, false, "rabbit://mq:5672/"},
		{"named vhost", "rabbit://u:p@mq:5672/openstack", []string{"amqp://u:p@mq:5672/openstack"}, false, "rabbit://mq:5672/openstack"},
		{"failover hosts inherit credentials", "rabbit://u:p@a:5672,b:5673/", []string{"amqp://u:p@a:5672/", "amqp://u:p@b:5673/"}, false, "rabbit://a:5672,b:5673/"},
		{"per-host credentials", "rabbit://u1:p1@a,u2:p2@b/", []string{"amqp://u1:p1@a:5672/", "amqp://u2:p2@b:5672/"}, false, "rabbit://a:5672,b:5672/"},
		{"ssl query", "rabbit://u:p@mq/?ssl=1", []string{"amqps://u:p@mq:5671/"}, true, "rabbit://mq:5671/"},
		{"amqps scheme", "amqps://u:p@mq:5671/", []string{"amqps://u:p@mq:5671/"}, true, "amqps://mq:5671/"},
		{"escaped password", "rabbit://u:p%40ss@mq/", []string{"amqp://u:p%40ss@mq:5672/"}, false, "rabbit://mq:5672/"},
		{"no credentials: guest", "rabbit://mq/", []string{"amqp://guest:guest@mq:5672/"}, false, "rabbit://mq:5672/"},
		{"ipv6 host", "rabbit://u:p@[::1]:5672/", []string{"amqp://u:p@[::1]:5672/"}, false, "rabbit://[::1]:5672/"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := ParseTransportURL(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Hosts) != len(c.hosts) {
				t.Fatalf("hosts %v, want %v", b.Hosts, c.hosts)
			}
			for i := range c.hosts {
				if b.Hosts[i] != c.hosts[i] {
					t.Errorf("host %d: %s, want %s", i, b.Hosts[i], c.hosts[i])
				}
			}
			if b.TLS != c.tls || b.Name != c.display {
				t.Errorf("tls %v name %q, want %v %q", b.TLS, b.Name, c.tls, c.display)
			}
		})
	}
}

func TestParseTransportURLRejectsAndRedacts(t *testing.T) {
	for _, in := range []string{"localhost:5672", "kafka://u:secret@h/", "rabbit://u:secret@/", "rabbit:///",
		"u:secret@host/", "rabbit://u:secret@h/?ssl_ca_file=/ca.pem"} {
		_, err := ParseTransportURL(in)
		if !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%q: error %v, want ErrInvalidConfig", in, err)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("%q: error leaks the password: %v", in, err)
		}
	}
}

func TestRedactHidesEveryPassword(t *testing.T) {
	got := Redact("rabbit://u1:s3cr3t@a:5672,u2:hunter2@b/vhost?ssl=1")
	want := "rabbit://u1:***@a:5672,u2:***@b/vhost?ssl=1"
	if got != want {
		t.Fatalf("Redact = %q, want %q", got, want)
	}
}

func TestRedactErrsOnTheSideOfHiding(t *testing.T) {
	for in, want := range map[string]string{
		"u:s3cr3t@host:5672/":                 "u:***@host:5672/",
		"rabbit://u:pa/ss@h:5672/v":           "rabbit://u:***@h:5672/v",
		"rabbit://u:pa?ss@h/":                 "rabbit://u:***@h/",
		"amqps://u:s3cr3t@h/?ssl_ca_file=/ca": "amqps://u:***@h/?ssl_ca_file=/ca",
		"rabbit://h:5672/":                    "rabbit://h:5672/",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseTransportURLTakesTLSFilesFromTheQuery(t *testing.T) {
	b, err := ParseTransportURL("rabbit://u:p@mq/?ssl=1&ssl_ca_file=/ca.pem&ssl_cert_file=/c.pem&ssl_key_file=/k.pem")
	if err != nil {
		t.Fatal(err)
	}
	if want := (TLSFiles{CA: "/ca.pem", Cert: "/c.pem", Key: "/k.pem"}); b.Files != want || !b.TLS {
		t.Errorf("files %+v tls %v, want %+v true", b.Files, b.TLS, want)
	}
	b, err = ParseTransportURL("amqps://u:p@mq/?cacertfile=/ca.pem&certfile=/c.pem&keyfile=/k.pem")
	if err != nil {
		t.Fatal(err)
	}
	if want := (TLSFiles{CA: "/ca.pem", Cert: "/c.pem", Key: "/k.pem"}); b.Files != want {
		t.Errorf("RabbitMQ URI spec names: files %+v, want %+v", b.Files, want)
	}
	if _, err := ParseTransportURL("rabbit://u:p@mq/?ssl_ca_file=/ca.pem"); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("TLS files without TLS: %v, want ErrInvalidConfig", err)
	}
}

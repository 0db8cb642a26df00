package amqp

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Broker is one RabbitMQ deployment, given as an oslo.messaging transport_url
// (rabbit://user:pass@host:port[,user:pass@host2:port2]/vhost?ssl=1). Its
// hosts are tried in order for failover, as oslo's rabbit driver does.
type Broker struct {
	// Hosts are amqp:// or amqps:// URIs, one per host, credentials included.
	Hosts []string
	// Name is the broker's URL with passwords redacted, for logs and labels.
	Name string
	// TLS is set by amqps:// or ?ssl=1.
	TLS bool
	// Files are TLS files named in the URL's query: oslo's option names
	// ssl_ca_file, ssl_cert_file, ssl_key_file, or the RabbitMQ URI
	// spec's cacertfile, certfile, keyfile. They override Config.TLS's
	// roots and certificate for this broker.
	Files TLSFiles
}

// ParseTransportURL parses an oslo.messaging transport_url. Schemes rabbit://,
// amqp:// and amqps:// are accepted. A host without credentials takes those
// of the first host that has them, else guest:guest (RabbitMQ's default).
// An empty virtual host means "/". TLS files in the query (see
// Broker.Files) need TLS on: amqps:// or ssl=1.
func ParseTransportURL(raw string) (Broker, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok || scheme == "" {
		return Broker{}, fmt.Errorf("%w: transport URL %q: no scheme", ErrInvalidConfig, Redact(raw))
	}
	b := Broker{}
	switch scheme {
	case "rabbit", "amqp", "kombu":
	case "amqps":
		b.TLS = true
	default:
		return Broker{}, fmt.Errorf("%w: transport URL %q: scheme %q is not rabbit, amqp or amqps", ErrInvalidConfig, Redact(raw), scheme)
	}
	netloc, pathQuery, _ := strings.Cut(rest, "/")
	path, rawQuery, _ := strings.Cut(pathQuery, "?")
	if q, err := url.ParseQuery(rawQuery); err == nil {
		switch strings.ToLower(q.Get("ssl")) {
		case "1", "true", "yes", "on":
			b.TLS = true
		}
		first := func(keys ...string) string {
			for _, k := range keys {
				if v := q.Get(k); v != "" {
					return v
				}
			}
			return ""
		}
		b.Files = TLSFiles{
			CA:   first("ssl_ca_file", "cacertfile"),
			Cert: first("ssl_cert_file", "certfile"),
			Key:  first("ssl_key_file", "keyfile"),
		}
		if !b.Files.IsZero() && !b.TLS {
			return Broker{}, fmt.Errorf("%w: transport URL %q: TLS files given but TLS is off (use amqps:// or ssl=1)", ErrInvalidConfig, Redact(raw))
		}
	}
	vhost, err := url.PathUnescape(path)
	if err != nil {
		return Broker{}, fmt.Errorf("%w: transport URL %q: virtual host: %v", ErrInvalidConfig, Redact(raw), err)
	}
	if vhost == "" {
		vhost = "/"
	}
	uriScheme := "amqp"
	if b.TLS {
		uriScheme = "amqps"
	}
	var defUser *url.Userinfo
	type host struct {
		user *url.Userinfo
		addr string
	}
	var hosts []host
	for _, h := range strings.Split(netloc, ",") {
		if h == "" {
			continue
		}
		var user *url.Userinfo
		if i := strings.LastIndex(h, "@"); i >= 0 {
			creds := h[:i]
			h = h[i+1:]
			name, pass, hasPass := strings.Cut(creds, ":")
			name, err1 := url.PathUnescape(name)
			pass, err2 := url.PathUnescape(pass)
			if err1 != nil || err2 != nil {
				return Broker{}, fmt.Errorf("%w: transport URL %q: bad escape in credentials", ErrInvalidConfig, Redact(raw))
			}
			if hasPass {
				user = url.UserPassword(name, pass)
			} else {
				user = url.User(name)
			}
			if defUser == nil {
				defUser = user
			}
		}
		if h == "" {
			return Broker{}, fmt.Errorf("%w: transport URL %q: empty host", ErrInvalidConfig, Redact(raw))
		}
		if _, _, err := net.SplitHostPort(h); err != nil {
			port := "5672"
			if b.TLS {
				port = "5671"
			}
			h = net.JoinHostPort(strings.Trim(h, "[]"), port)
		}
		hosts = append(hosts, host{user, h})
	}
	if len(hosts) == 0 {
		return Broker{}, fmt.Errorf("%w: transport URL %q: no host", ErrInvalidConfig, Redact(raw))
	}
	if defUser == nil {
		defUser = url.UserPassword("guest", "guest")
	}
	names := make([]string, 0, len(hosts))
	for _, h := range hosts {
		u := h.user
		if u == nil {
			u = defUser
		}
		uri := url.URL{Scheme: uriScheme, User: u, Host: h.addr, Path: "/" + vhost}
		if vhost == "/" {
			uri.Path = "/"
		}
		b.Hosts = append(b.Hosts, uri.String())
		names = append(names, h.addr)
	}
	b.Name = scheme + "://" + strings.Join(names, ",") + "/" + path
	return b, nil
}

// Redact returns raw with every password in it replaced by "***", for logs,
// errors and metric labels. It works on oslo's multi-host form too, on a
// URL without a scheme, and errs on the side of hiding: the credentials
// part runs to the last "@" even when a password holds an unescaped "/"
// or "?".
func Redact(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		scheme, rest = "", raw
	}
	end := len(rest)
	from := 0
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		from = at
	}
	if i := strings.IndexAny(rest[from:], "/?"); i >= 0 {
		end = from + i
	}
	netloc, tail := rest[:end], rest[end:]
	parts := strings.Split(netloc, ",")
	for i, p := range parts {
		at := strings.LastIndex(p, "@")
		if at < 0 {
			continue
		}
		name, _, hasPass := strings.Cut(p[:at], ":")
		if hasPass {
			parts[i] = name + ":***" + p[at:]
		}
	}
	if !ok {
		return strings.Join(parts, ",") + tail
	}
	return scheme + "://" + strings.Join(parts, ",") + tail
}

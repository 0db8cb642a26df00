package sinks

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Gnocchi is the gnocchi:// sink, Ceilometer 19's Gnocchi publisher: it maps
// samples to Gnocchi resources and metrics with gnocchi_resources.yaml,
// pushes their measures in one batch per call, creates the resources
// Gnocchi does not know, keeps their attributes up to date, and ends
// resources on delete events.
//
// Measures are idempotent in Gnocchi (a second measure at the same
// timestamp replaces the first), resource creation tolerates "already
// exists", and ended_at comes from the event, so redelivered batches change
// nothing.
type Gnocchi struct {
	api             *gnocchiAPI
	resources       *gnocchiResources
	filterProjectID string
	log             *slog.Logger
	ownClient       *http.Client // built for verify_ssl; closed by Close

	setupMu   sync.Mutex
	setupDone bool

	// attrs remembers, by resource id, the attributes last written, as
	// Ceilometer's oslo.cache does, so unchanged attributes are not PATCHed
	// again.
	attrs *attrCache
	// logged holds the metric names and event types already reported as
	// not handled.
	logged sync.Map

	// now is the clock, for ended_at when an event's own time is refused.
	now func() time.Time
}

var (
	_ SampleSink = (*Gnocchi)(nil)
	_ EventSink  = (*Gnocchi)(nil)
)

// DefaultGnocchiTimeout is Ceilometer's default Gnocchi request timeout.
const DefaultGnocchiTimeout = 6050 * time.Millisecond

// defaultGnocchiPort is Gnocchi's registered API port, used when the URL
// names none.
const defaultGnocchiPort = "8041"

// attrCacheSize bounds the attribute cache (entries, one per resource).
const attrCacheSize = 1 << 16

// NewGnocchi builds the gnocchi:// sink from its URL:
//
//	gnocchi://[user[:password]@]host[:port][/path][?options]
//	gnocchi+https://...
//
// Ceilometer finds Gnocchi in the keystone catalog; meterflow has no
// keystone client, so the URL names the API endpoint: gnocchi:// speaks
// HTTP, gnocchi+https:// HTTPS (gnocchi+http:// is gnocchi://). The port
// defaults to 8041; a path is the API's prefix (gnocchi+https://cloud/metric
// → https://cloud:8041/metric/v1/...).
//
// Options, each given once (the last wins, as in Ceilometer):
//
//   - archive_policy: the archive policy of every metric, overriding the
//     resources file. Default: the file's (ceilometer-low, or the metric's
//     archive_policy_name).
//   - filter_project_id: drop samples of this project, and swift_account
//     samples of this account: Gnocchi's own activity, which would
//     otherwise feed itself. Ceilometer takes a project name
//     (filter_project, default "service") and looks its id up in keystone;
//     meterflow cannot, so filter_project and filter_domain are accepted
//     and ignored with a warning, as Ceilometer ignores a project keystone
//     does not know. Default: no filtering.
//   - resources_definition_file: a gnocchi_resources.yaml to use instead of
//     Ceilometer 19's shipped one. Default: the shipped file.
//   - timeout: seconds per request. Default: 6.05, Ceilometer's.
//   - auth: how to authenticate. "basic": HTTP basic auth with the URL's
//     user and password (Gnocchi's auth_mode = basic; the user "admin" is
//     Gnocchi's administrator). "token": the URL's password is sent as
//     X-Auth-Token (a keystone-backed Gnocchi and a long-lived token).
//     "noauth": X-User-Id, X-Project-Id and X-Roles headers from the
//     user_id, project_id and roles options (Gnocchi's auth_mode = noauth
//     trusts them; roles defaults to "admin"). Default: basic when the URL
//     has a user, else no authentication.
//   - verify_ssl: "false" to accept any certificate, or a CA bundle file.
//     Default: true (Options.HTTPClient is used unchanged).
//
// The sink needs an administrator only to create missing archive policies
// and resource types, once, before its first publish.
func NewGnocchi(u *url.URL, opts Options) (Sink, error) {
	opts.setDefaults()
	raw := Redact(u.String())
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %q: %s", ErrInvalidURL, raw, fmt.Sprintf(format, args...))
	}
	scheme := "http"
	switch u.Scheme {
	case "gnocchi", "gnocchi+http":
	case "gnocchi+https":
		scheme = "https"
	default:
		return nil, bad("scheme %q is not gnocchi, gnocchi+http or gnocchi+https", u.Scheme)
	}
	if u.Opaque == "" && u.Host == "" && opts.GnocchiURL != "" {
		// a bare gnocchi:// (as in the shipped pipeline.yaml) is the
		// default endpoint, where Ceilometer would ask keystone's catalog;
		// the URL's own options still apply
		def, err := url.Parse(opts.GnocchiURL)
		if err != nil || def.Host == "" {
			return nil, bad("default Gnocchi endpoint %q is not gnocchi[+https]://host[:port][/path]", Redact(opts.GnocchiURL))
		}
		merged := *def
		if u.RawQuery != "" {
			merged.RawQuery = u.RawQuery
		}
		opts.GnocchiURL = ""
		return NewGnocchi(&merged, opts)
	}
	if u.Opaque != "" || u.Host == "" {
		return nil, bad("no Gnocchi endpoint: meterflow has no keystone catalog, so name the API as host[:port], e.g. gnocchi://gnocchi.example.org:8041, or set the default endpoint (--gnocchi-url)")
	}
	if u.Fragment != "" {
		return nil, bad("unexpected fragment #%s", u.Fragment)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(strings.Trim(u.Hostname(), "[]"), defaultGnocchiPort)
	}
	endpoint := (&url.URL{Scheme: scheme, Host: host, Path: u.Path, RawPath: u.RawPath}).String()

	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, bad("%v", err)
	}
	known := map[string]bool{
		"archive_policy": true, "filter_project_id": true, "filter_project": true,
		"filter_domain": true, "resources_definition_file": true, "timeout": true,
		"auth": true, "user_id": true, "project_id": true, "roles": true, "verify_ssl": true,
	}
	for k := range q {
		if !known[k] {
			return nil, bad("unknown option %q", k)
		}
	}
	last := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[len(v)-1]
		}
		return ""
	}

	timeout := DefaultGnocchiTimeout
	if s := last("timeout"); s != "" {
		sec, err := strconv.ParseFloat(s, 64)
		if err != nil || sec <= 0 || sec > 1e6 {
			return nil, bad("timeout=%s: want a positive number of seconds", s)
		}
		timeout = time.Duration(sec * float64(time.Second))
	}

	auth, err := gnocchiAuth(u, last)
	if err != nil {
		return nil, bad("%v", err)
	}

	client := opts.HTTPClient
	var own *http.Client
	if v := last("verify_ssl"); v != "" {
		tlsConf, err := gnocchiTLS(v)
		if err != nil {
			return nil, bad("verify_ssl=%s: %v", v, err)
		}
		if tlsConf != nil {
			tr := http.DefaultTransport.(*http.Transport).Clone()
			tr.TLSClientConfig = tlsConf
			own = &http.Client{Transport: tr, Timeout: client.Timeout}
			client = own
		}
	}

	resources, err := loadGnocchiResources(last("resources_definition_file"), last("archive_policy"))
	if err != nil {
		return nil, err
	}

	logger := opts.Logger.With("sink", "gnocchi")
	if opts.Name != "" {
		logger = logger.With("name", opts.Name)
	}
	filterID := last("filter_project_id")
	if name := last("filter_project"); name != "" && filterID == "" {
		logger.Warn("gnocchi: filter_project names a keystone project, which meterflow cannot look up: ignored; give its id as filter_project_id",
			"filter_project", name)
	}
	return &Gnocchi{
		api:             &gnocchiAPI{base: strings.TrimSuffix(endpoint, "/"), client: client, timeout: timeout, auth: auth},
		resources:       resources,
		filterProjectID: filterID,
		log:             logger,
		ownClient:       own,
		attrs:           newAttrCache(attrCacheSize),
		now:             time.Now,
	}, nil
}

// gnocchiAuth builds the authentication of the auth option.
func gnocchiAuth(u *url.URL, opt func(string) string) (func(*http.Request), error) {
	user, password := "", ""
	hasPassword := false
	if u.User != nil {
		user = u.User.Username()
		password, hasPassword = u.User.Password()
	}
	mode := opt("auth")
	if mode == "" && u.User != nil {
		mode = "basic"
	}
	for _, k := range []string{"user_id", "project_id", "roles"} {
		if opt(k) != "" && mode != "noauth" {
			return nil, fmt.Errorf("%s is an option of auth=noauth", k)
		}
	}
	switch mode {
	case "":
		return nil, nil
	case "basic":
		if user == "" {
			return nil, fmt.Errorf("auth=basic needs a user: gnocchi://user[:password]@host")
		}
		return func(r *http.Request) { r.SetBasicAuth(user, password) }, nil
	case "token":
		if !hasPassword || password == "" {
			return nil, fmt.Errorf("auth=token needs the token as the URL's password: gnocchi://:token@host")
		}
		return func(r *http.Request) { r.Header.Set("X-Auth-Token", password) }, nil
	case "noauth":
		if u.User != nil {
			return nil, fmt.Errorf("auth=noauth takes user_id and project_id options, not a URL user")
		}
		userID, projectID, roles := opt("user_id"), opt("project_id"), opt("roles")
		if roles == "" {
			roles = "admin"
		}
		return func(r *http.Request) {
			if userID != "" {
				r.Header.Set("X-User-Id", userID)
			}
			if projectID != "" {
				r.Header.Set("X-Project-Id", projectID)
			}
			r.Header.Set("X-Roles", roles)
		}, nil
	}
	return nil, fmt.Errorf("auth=%s: want basic, token or noauth", mode)
}

// gnocchiTLS reads verify_ssl: nil for the default verification.
func gnocchiTLS(v string) (*tls.Config, error) {
	switch strings.ToLower(v) {
	case "true", "1", "yes", "on":
		return nil, nil
	case "false", "0", "no", "off":
		return &tls.Config{InsecureSkipVerify: true}, nil //nolint:gosec // asked for by the operator
	}
	pem, err := os.ReadFile(v)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("no PEM certificate in %s", v)
	}
	return &tls.Config{RootCAs: pool}, nil
}

// Close releases idle connections of the sink's own HTTP client. Nothing is
// buffered.
func (g *Gnocchi) Close(context.Context) error {
	if g.ownClient != nil {
		g.ownClient.CloseIdleConnections()
	}
	return nil
}

// logOnce logs msg the first time key is seen.
func (g *Gnocchi) logOnce(key, msg string, args ...any) {
	if _, seen := g.logged.LoadOrStore(key, true); !seen {
		g.log.Warn(msg, args...)
	}
}

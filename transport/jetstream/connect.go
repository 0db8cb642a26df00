package jetstream

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

// ConnState is a connection state change reported to a StateHandler.
type ConnState int

const (
	// ConnConnected: the first connection is established.
	ConnConnected ConnState = iota + 1
	// ConnDisconnected: the connection dropped; nats.go reconnects in the
	// background and buffers publishes meanwhile. Not ready.
	ConnDisconnected
	// ConnReconnected: the connection is back. Ready again.
	ConnReconnected
	// ConnClosed: the connection is closed for good (Close or Drain).
	ConnClosed
)

func (s ConnState) String() string {
	switch s {
	case ConnConnected:
		return "connected"
	case ConnDisconnected:
		return "disconnected"
	case ConnReconnected:
		return "reconnected"
	case ConnClosed:
		return "closed"
	default:
		return fmt.Sprintf("ConnState(%d)", int(s))
	}
}

// StateHandler observes connection state changes, e.g. to drive a readiness
// probe or a gauge. err is the cause of a disconnect, if known. It runs on
// nats.go's callback goroutine and must not block.
type StateHandler func(state ConnState, err error)

// ConnectOption configures Connect. Options validate their arguments and
// return errors wrapping ErrInvalidOption.
type ConnectOption func(*connectOptions) error

type connectOptions struct {
	name         string
	user, pass   string
	token        string
	creds        string
	nkeySeed     string
	rootCAs      []string
	certFile     string
	keyFile      string
	inProcess    nats.InProcessConnProvider
	backoffMin   time.Duration
	backoffMax   time.Duration
	retryInitial bool
	timeout      time.Duration
	state        StateHandler
	extra        []nats.Option
}

// Connection defaults.
const (
	// DefaultClientName is the connection name shown by the server.
	DefaultClientName = "meterflow"
	// DefaultReconnectMin is the first reconnect delay.
	DefaultReconnectMin = 250 * time.Millisecond
	// DefaultReconnectMax caps the reconnect delay.
	DefaultReconnectMax = 30 * time.Second
	// DefaultConnectTimeout bounds one dial.
	DefaultConnectTimeout = 5 * time.Second
)

// WithName sets the connection name. Default: DefaultClientName.
func WithName(name string) ConnectOption {
	return func(o *connectOptions) error {
		if name == "" {
			return fmt.Errorf("%w: connection name is empty", ErrInvalidOption)
		}
		o.name = name
		return nil
	}
}

// WithUserPassword authenticates with a user and password. Credentials in
// the URL (nats://user:pass@host) work too. Default: none.
func WithUserPassword(user, password string) ConnectOption {
	return func(o *connectOptions) error {
		if user == "" {
			return fmt.Errorf("%w: user is empty", ErrInvalidOption)
		}
		o.user, o.pass = user, password
		return nil
	}
}

// WithToken authenticates with a token. Default: none.
func WithToken(token string) ConnectOption {
	return func(o *connectOptions) error {
		if token == "" {
			return fmt.Errorf("%w: token is empty", ErrInvalidOption)
		}
		o.token = token
		return nil
	}
}

// WithCredsFile authenticates with a decentralized-auth .creds file (JWT and
// nkey seed). The file must exist. Default: none.
func WithCredsFile(path string) ConnectOption {
	return func(o *connectOptions) error {
		if err := fileReadable(path); err != nil {
			return fmt.Errorf("%w: creds file: %v", ErrInvalidOption, err)
		}
		o.creds = path
		return nil
	}
}

// WithNKeySeedFile authenticates with an nkey seed file. The file must
// exist. Default: none.
func WithNKeySeedFile(path string) ConnectOption {
	return func(o *connectOptions) error {
		if err := fileReadable(path); err != nil {
			return fmt.Errorf("%w: nkey seed file: %v", ErrInvalidOption, err)
		}
		o.nkeySeed = path
		return nil
	}
}

// WithRootCAs verifies the server with these PEM CA files and requires TLS.
// Default: the system roots, and TLS only for tls:// URLs.
func WithRootCAs(files ...string) ConnectOption {
	return func(o *connectOptions) error {
		if len(files) == 0 {
			return fmt.Errorf("%w: no CA file given", ErrInvalidOption)
		}
		for _, f := range files {
			if err := fileReadable(f); err != nil {
				return fmt.Errorf("%w: CA file: %v", ErrInvalidOption, err)
			}
		}
		o.rootCAs = append(o.rootCAs, files...)
		return nil
	}
}

// WithClientCert presents a client certificate (mutual TLS). Default: none.
func WithClientCert(certFile, keyFile string) ConnectOption {
	return func(o *connectOptions) error {
		for _, f := range []string{certFile, keyFile} {
			if err := fileReadable(f); err != nil {
				return fmt.Errorf("%w: client certificate: %v", ErrInvalidOption, err)
			}
		}
		o.certFile, o.keyFile = certFile, keyFile
		return nil
	}
}

// WithInProcessServer connects to an embedded server without TCP; the URL
// is ignored. Server.Connect uses it. Default: TCP.
func WithInProcessServer(p nats.InProcessConnProvider) ConnectOption {
	return func(o *connectOptions) error {
		if p == nil {
			return fmt.Errorf("%w: in-process server is nil", ErrInvalidOption)
		}
		o.inProcess = p
		return nil
	}
}

// WithReconnectBackoff sets the reconnect delay: min, doubling per failed
// attempt up to max, with ±20% jitter. Reconnection never gives up.
// Default: DefaultReconnectMin (250ms) to DefaultReconnectMax (30s).
func WithReconnectBackoff(min, max time.Duration) ConnectOption {
	return func(o *connectOptions) error {
		if min <= 0 || max < min {
			return fmt.Errorf("%w: reconnect backoff needs 0 < min <= max, got %s, %s", ErrInvalidOption, min, max)
		}
		o.backoffMin, o.backoffMax = min, max
		return nil
	}
}

// WithRetryOnFailedConnect makes Connect return at once even when no server
// answers yet, and keep connecting in the background (watch StateHandler).
// Default: false: Connect fails if the first connection cannot be made, so
// a wrong URL shows up at startup.
func WithRetryOnFailedConnect() ConnectOption {
	return func(o *connectOptions) error {
		o.retryInitial = true
		return nil
	}
}

// WithConnectTimeout bounds one dial. Default: DefaultConnectTimeout (5s).
func WithConnectTimeout(d time.Duration) ConnectOption {
	return func(o *connectOptions) error {
		if d <= 0 {
			return fmt.Errorf("%w: connect timeout must be positive", ErrInvalidOption)
		}
		o.timeout = d
		return nil
	}
}

// WithStateHandler reports connection state changes. Default: none.
func WithStateHandler(h StateHandler) ConnectOption {
	return func(o *connectOptions) error {
		if h == nil {
			return fmt.Errorf("%w: state handler is nil", ErrInvalidOption)
		}
		o.state = h
		return nil
	}
}

// WithNATSOptions appends raw nats.go options, applied last. Default: none.
func WithNATSOptions(opts ...nats.Option) ConnectOption {
	return func(o *connectOptions) error {
		o.extra = append(o.extra, opts...)
		return nil
	}
}

// Connect connects to an external NATS server or cluster. url may list
// several servers separated by commas and may carry user:password.
//
// The connection reconnects forever with capped exponential backoff and
// buffers publishes while disconnected; JetStream publishes made then fail
// or time out unless the server comes back in time (see Publisher).
func Connect(url string, opts ...ConnectOption) (*nats.Conn, error) {
	o := connectOptions{
		name:       DefaultClientName,
		backoffMin: DefaultReconnectMin,
		backoffMax: DefaultReconnectMax,
		timeout:    DefaultConnectTimeout,
	}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if o.inProcess == nil && strings.TrimSpace(url) == "" {
		return nil, fmt.Errorf("%w: NATS URL is empty", ErrInvalidOption)
	}
	if o.token != "" && o.user != "" {
		return nil, fmt.Errorf("%w: token and user/password are exclusive", ErrInvalidOption)
	}
	if o.creds != "" && o.nkeySeed != "" {
		return nil, fmt.Errorf("%w: creds file and nkey seed are exclusive", ErrInvalidOption)
	}

	nopts := []nats.Option{
		nats.Name(o.name),
		nats.MaxReconnects(-1),
		nats.CustomReconnectDelay(backoff(o.backoffMin, o.backoffMax)),
		nats.Timeout(o.timeout),
		nats.PingInterval(20 * time.Second),
		nats.MaxPingsOutstanding(3),
	}
	if o.inProcess != nil {
		nopts = append(nopts, nats.InProcessServer(o.inProcess))
	}
	if o.user != "" {
		nopts = append(nopts, nats.UserInfo(o.user, o.pass))
	}
	if o.token != "" {
		nopts = append(nopts, nats.Token(o.token))
	}
	if o.creds != "" {
		nopts = append(nopts, nats.UserCredentials(o.creds))
	}
	if o.nkeySeed != "" {
		opt, err := nats.NkeyOptionFromSeed(o.nkeySeed)
		if err != nil {
			return nil, fmt.Errorf("%w: nkey seed: %v", ErrInvalidOption, err)
		}
		nopts = append(nopts, opt)
	}
	if len(o.rootCAs) > 0 {
		nopts = append(nopts, nats.RootCAs(o.rootCAs...))
	}
	if o.certFile != "" {
		nopts = append(nopts, nats.ClientCert(o.certFile, o.keyFile))
	}
	if o.retryInitial {
		nopts = append(nopts, nats.RetryOnFailedConnect(true))
	}
	if h := o.state; h != nil {
		nopts = append(nopts,
			nats.ConnectHandler(func(*nats.Conn) { h(ConnConnected, nil) }),
			nats.DisconnectErrHandler(func(_ *nats.Conn, err error) { h(ConnDisconnected, err) }),
			nats.ReconnectHandler(func(*nats.Conn) { h(ConnReconnected, nil) }),
			nats.ClosedHandler(func(*nats.Conn) { h(ConnClosed, nil) }),
		)
	}
	nopts = append(nopts, o.extra...)

	nc, err := nats.Connect(url, nopts...)
	if err != nil {
		return nil, fmt.Errorf("jetstream: connect to %s: %w", redactURLs(url), err)
	}
	// nats.go calls ConnectHandler only for connections that were retried;
	// report the synchronous first connect the same way.
	if o.state != nil && !o.retryInitial && nc.IsConnected() {
		o.state(ConnConnected, nil)
	}
	return nc, nil
}

// backoff doubles from min to max with ±20% jitter.
func backoff(lo, hi time.Duration) nats.ReconnectDelayHandler {
	return func(attempts int) time.Duration {
		d := lo
		for i := 1; i < attempts && d < hi; i++ {
			d *= 2
		}
		d = min(d, hi)
		jitter := time.Duration(float64(d) * 0.2 * (2*rand.Float64() - 1))
		return d + jitter
	}
}

func fileReadable(path string) error {
	if path == "" {
		return fmt.Errorf("path is empty")
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	return f.Close()
}

// redactURLs hides passwords in a comma-separated server list.
func redactURLs(urls string) string {
	if urls == "" {
		return "in-process server"
	}
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if u, err := url.Parse(p); err == nil && u.User != nil {
			if _, has := u.User.Password(); has {
				p = u.Redacted()
			} else {
				u.User = url.User("xxxxx") // a bare user part may be a token
				p = u.String()
			}
		}
		parts[i] = p
	}
	return strings.Join(parts, ",")
}

package jetstream

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Server is an in-process nats-server with JetStream on a file store.
//
// It exists so a single meterflow binary can run without an external NATS.
// For a shared cluster use Connect instead.
type Server struct {
	cfg ServerConfig
	ns  *server.Server
	log *serverLogger

	mu    sync.Mutex
	conns []*nats.Conn
}

// StartServer starts an embedded nats-server with JetStream storing under
// cfg.DataDir and waits until it accepts connections.
//
// When the listen address is taken StartServer fails fast with an error that
// wraps ErrAddrInUse, names the address and suggests --nats-listen. Any other
// startup failure wraps ErrServerNotReady and carries the server's own error.
func StartServer(cfg ServerConfig) (*Server, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}

	opts := &server.Options{
		ServerName:         cfg.Name,
		JetStream:          true,
		StoreDir:           cfg.DataDir,
		JetStreamMaxStore:  cfg.MaxStore,
		JetStreamMaxMemory: cfg.MaxMemory,
		NoSigs:             true,
		DontListen:         cfg.InProcessOnly,
		Username:           cfg.User,
		Password:           cfg.Password,
		Authorization:      cfg.Token,
	}
	if !cfg.InProcessOnly {
		host, port, err := splitHostPort(cfg.ListenAddr)
		if err != nil {
			return nil, fmt.Errorf("%w: server ListenAddr %q: %v", ErrInvalidOption, cfg.ListenAddr, err)
		}
		// Probe first: nats-server only logs a failed listen, and its default
		// logger would exit the process. A probe gives a clear, typed error.
		if err := probeListen(cfg.ListenAddr); err != nil {
			return nil, err
		}
		opts.Host = host
		opts.Port = port
		if port == 0 {
			opts.Port = server.RANDOM_PORT // 0 means 4222 to nats-server
		}
		if !isLoopback(host) && cfg.User == "" && cfg.Token == "" {
			cfg.Logger.Info("embedded NATS listens beyond loopback without authentication; set a user/password or token",
				watermill.LogFields{"addr": cfg.ListenAddr})
		}
	}

	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrServerNotReady, err)
	}
	log := &serverLogger{l: cfg.Logger}
	ns.SetLoggerV2(log, false, false, false)
	ns.Start()

	fail := func(reason string) (*Server, error) {
		ns.Shutdown()
		ns.WaitForShutdown()
		if fatal := log.fatal(); fatal != "" {
			reason = fatal
		}
		if !cfg.InProcessOnly && isAddrInUseText(reason) {
			return nil, addrInUseError(cfg.ListenAddr, errors.New(reason))
		}
		return nil, fmt.Errorf("%w: %s", ErrServerNotReady, reason)
	}
	if fatal := log.fatal(); fatal != "" {
		return fail(fatal)
	}
	if !ns.ReadyForConnections(cfg.ReadyTimeout) {
		return fail(fmt.Sprintf("not ready for connections after %s", cfg.ReadyTimeout))
	}
	if !ns.JetStreamEnabled() {
		return fail("JetStream did not start")
	}
	return &Server{cfg: cfg, ns: ns, log: log}, nil
}

// ClientURL is the nats:// URL clients use to reach the server, with the
// resolved port when ListenAddr asked for port 0. It is empty for an
// InProcessOnly server.
func (s *Server) ClientURL() string {
	if s.cfg.InProcessOnly {
		return ""
	}
	return s.ns.ClientURL()
}

// NATSServer exposes the underlying nats-server, e.g. for monitoring.
func (s *Server) NATSServer() *server.Server { return s.ns }

// Connect opens an in-process connection to the server: no TCP, no port, and
// the server's own credentials are applied. It spares a listener and a port,
// not time: BenchmarkPublishAsync measures it on par with loopback TCP. The
// connection is drained by Shutdown. opts are applied after the defaults, as
// with the package-level Connect.
func (s *Server) Connect(opts ...ConnectOption) (*nats.Conn, error) {
	all := []ConnectOption{WithInProcessServer(s.ns)}
	switch {
	case s.cfg.User != "":
		all = append(all, WithUserPassword(s.cfg.User, s.cfg.Password))
	case s.cfg.Token != "":
		all = append(all, WithToken(s.cfg.Token))
	}
	nc, err := Connect("", append(all, opts...)...)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.conns = slices.DeleteFunc(s.conns, (*nats.Conn).IsClosed)
	s.conns = append(s.conns, nc)
	s.mu.Unlock()
	return nc, nil
}

// Shutdown drains the connections made with Server.Connect, stops the
// server and waits until its store is closed. If ctx ends first Shutdown
// returns ctx's error; the server keeps shutting down in the background.
// Shutdown is idempotent.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	conns := s.conns
	s.conns = nil
	s.mu.Unlock()

	for _, nc := range conns {
		drainConn(ctx, nc)
	}

	done := make(chan struct{})
	go func() {
		s.ns.Shutdown()
		s.ns.WaitForShutdown()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("jetstream: server shutdown: %w", ctx.Err())
	}
}

func probeListen(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return addrInUseError(addr, err)
		}
		return fmt.Errorf("%w: cannot listen on %s: %w; choose another address with --nats-listen", ErrServerNotReady, addr, err)
	}
	return l.Close()
}

func addrInUseError(addr string, cause error) error {
	return fmt.Errorf("%w: embedded NATS cannot listen on %s (%w); another process, often a system nats-server, holds it: choose another address with --nats-listen (default %s)",
		ErrAddrInUse, addr, cause, DefaultListenAddr)
}

func isAddrInUseText(s string) bool {
	return strings.Contains(strings.ToLower(s), "address already in use")
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// serverLogger adapts nats-server logging to watermill and turns Fatalf into
// a recorded error instead of os.Exit.
type serverLogger struct {
	l watermill.LoggerAdapter

	mu        sync.Mutex
	lastFatal string
}

func (s *serverLogger) fatal() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastFatal
}

func (s *serverLogger) Noticef(format string, v ...any) {
	s.l.Info(fmt.Sprintf(format, v...), watermill.LogFields{"component": "nats-server"})
}

func (s *serverLogger) Warnf(format string, v ...any) {
	s.l.Info(fmt.Sprintf(format, v...), watermill.LogFields{"component": "nats-server", "level": "warn"})
}

func (s *serverLogger) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	s.mu.Lock()
	s.lastFatal = msg
	s.mu.Unlock()
	s.l.Error("nats-server fatal", errors.New(msg), watermill.LogFields{"component": "nats-server"})
}

func (s *serverLogger) Errorf(format string, v ...any) {
	s.l.Error("nats-server", fmt.Errorf(format, v...), watermill.LogFields{"component": "nats-server"})
}

func (s *serverLogger) Debugf(format string, v ...any) {
	s.l.Debug(fmt.Sprintf(format, v...), watermill.LogFields{"component": "nats-server"})
}

func (s *serverLogger) Tracef(format string, v ...any) {
	s.l.Trace(fmt.Sprintf(format, v...), watermill.LogFields{"component": "nats-server"})
}

// drainConn drains nc and waits until it is closed or ctx ends. It polls
// rather than setting a ClosedHandler, which would replace the caller's.
func drainConn(ctx context.Context, nc *nats.Conn) {
	if nc.IsClosed() {
		return
	}
	if err := nc.Drain(); err != nil {
		nc.Close()
		return
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !nc.IsClosed() {
		select {
		case <-tick.C:
		case <-ctx.Done():
			nc.Close()
			return
		}
	}
}

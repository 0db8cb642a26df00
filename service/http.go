package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"time"
)

// DefaultHTTPListen is the --http-listen default: metrics and probes on
// localhost only.
const DefaultHTTPListen = "127.0.0.1:9470"

// listenHTTP binds the HTTP server's address, so that a busy port fails
// New rather than the first scrape.
func (s *Service) listenHTTP() error {
	if s.cfg.HTTPListen == "" {
		return nil
	}
	l, err := net.Listen("tcp", s.cfg.HTTPListen)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("HTTP server (metrics, health) cannot listen on %s: another process holds it (%w): choose another address with --http-listen, or --http-listen \"\" to disable it",
				s.cfg.HTTPListen, err)
		}
		return fmt.Errorf("HTTP server (metrics, health) cannot listen on %s (--http-listen): %w", s.cfg.HTTPListen, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", s.serveReadyz)
	s.httpListener = l
	s.httpServer = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return nil
}

// HTTPAddr is the address the HTTP server listens on, "" when disabled.
func (s *Service) HTTPAddr() string {
	if s.httpListener == nil {
		return ""
	}
	return s.httpListener.Addr().String()
}

// Ready reports the state of every connection the service depends on.
func (s *Service) Ready() Readiness { return s.health.readiness() }

// serveReadyz answers 200 when every AMQP broker and NATS are connected and
// the router runs, else 503; the body tells each connection's state.
func (s *Service) serveReadyz(w http.ResponseWriter, _ *http.Request) {
	r := s.health.readiness()
	w.Header().Set("Content-Type", "application/json")
	if !r.Ready {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(r)
}

// serveHTTP serves until shutdownHTTP.
func (s *Service) serveHTTP() {
	if s.httpServer == nil {
		return
	}
	s.log.Info("HTTP server listening", "addr", s.HTTPAddr(), "paths", "/metrics /healthz /readyz")
	if err := s.httpServer.Serve(s.httpListener); err != nil && !errors.Is(err, http.ErrServerClosed) {
		s.log.Error("HTTP server failed", "error", err)
	}
}

// shutdownHTTP stops the HTTP server gracefully: in-flight scrapes finish
// within the shutdown timeout.
func (s *Service) shutdownHTTP() {
	if s.httpServer == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	_ = s.httpServer.Shutdown(ctx)
	_ = s.httpListener.Close() // when never served, Shutdown does not know it
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"github.com/edgegate/edgegate/admin/tcapi"
	"github.com/edgegate/edgegate/edge"
	"github.com/edgegate/edgegate/metrics"
)

// metricsFlags is --metrics-listen, shared by run, edge and admin: a
// listener of its own for GET /metrics (the admin listener serves it too;
// in split mode the edge has no other).
type metricsFlags struct{ listen string }

func (m *metricsFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&m.listen, "metrics-listen", "", "also serve GET /metrics (Prometheus) on this address, e.g. 127.0.0.1:9100; empty: only on the admin listener (edge: nowhere)")
}

// metricsSource is the prefilter for the exporter (nil: none).
func (fw *firewall) metricsSource() metrics.Firewall {
	if fw == nil {
		return nil
	}
	return fw.f
}

// serve builds the exporter of src (with the edge's own sources and the
// process metrics added) and starts --metrics-listen; when that fails it
// shuts srv down, which is already listening.
func (m *metricsFlags) serve(srv *edge.Server, src metrics.Sources, log *slog.Logger) (*metrics.Exporter, func(), error) {
	src.Edge, src.AccessLog, src.Process = srv, srv.Config().AccessLog, true
	if c, ok := srv.Config().Cluster.(metrics.Cluster); ok { // the --redis lessor
		src.Cluster = c
	}
	exp := metrics.New(src)
	stop, err := m.start(exp, log)
	if err != nil {
		_ = srv.Shutdown(context.Background())
		return nil, nil, err
	}
	return exp, stop, nil
}

// start serves h at GET /metrics on --metrics-listen when it is set; the
// returned stop closes the listener (a no-op when there is none).
func (m *metricsFlags) start(h http.Handler, log *slog.Logger) (stop func(), err error) {
	if m.listen == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", m.listen)
	if err != nil {
		return nil, fmt.Errorf("metrics listen %s: %w", m.listen, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	hs := tcapi.Bounds{}.HTTPServer(mux)
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener stopped", "err", err)
		}
	}()
	log.Info("metrics serving", "listen", ln.Addr().String())
	return func() { _ = hs.Close() }, nil
}

package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/edgegate/edgegate/edge"
	"github.com/edgegate/edgegate/model"
	"github.com/edgegate/edgegate/snapshot"
)

//go:embed demo.yaml
var demoConfig []byte

type runFlags struct {
	data, listen, adminListen, config, baseDomain string
	underscores                                   string
	pprof                                         bool
	cfg                                           edge.Config
}

func parseRunFlags(args []string) (*runFlags, error) {
	f := &runFlags{}
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.StringVar(&f.data, "data", "./data", "data directory")
	fs.StringVar(&f.listen, "listen", edge.DefaultListen, "address callers reach the APIs on")
	fs.StringVar(&f.adminListen, "admin-listen", "127.0.0.1:9000", "admin address (health; the Action API later); empty disables it")
	fs.StringVar(&f.config, "config", "", "YAML or JSON file of services, APIs and backends (default: the built-in demo); SIGHUP reloads it")
	fs.StringVar(&f.baseDomain, "base-domain", "", "base of each service's default domain <ServiceId>.<base> (overrides the file; default "+model.DefaultBaseDomain+")")
	fs.IntVar(&f.cfg.Loops, "loops", 0, "event loops (0 = one per CPU)")
	fs.IntVar(&f.cfg.Limits.MaxRequestLine, "max-request-line", 0, "request line limit in bytes (default 8 KiB, 414 past it)")
	fs.IntVar(&f.cfg.Limits.MaxHeaderBytes, "max-header-bytes", 0, "request head limit in bytes (default 32 KiB, 431 past it)")
	fs.IntVar(&f.cfg.Limits.MaxHeaders, "max-headers", 0, "header field count limit (default 100, 431 past it)")
	fs.Int64Var(&f.cfg.MaxBodyBytes, "max-body-bytes", 0, "request body limit in bytes (default 16 MiB, 413 past it)")
	fs.DurationVar(&f.cfg.HeaderTimeout, "header-timeout", 0, "time to receive a request head (default 10s, 408)")
	fs.DurationVar(&f.cfg.IdleTimeout, "idle-timeout", 0, "keep-alive idle time (default 60s)")
	fs.DurationVar(&f.cfg.BodyTimeout, "body-timeout", 0, "longest pause inside a request body (default 60s, 408)")
	fs.DurationVar(&f.cfg.SendTimeout, "send-timeout", 0, "longest time a client may read nothing we send (default 60s)")
	fs.DurationVar(&f.cfg.ConnectTimeout, "connect-timeout", 0, "backend connect timeout (default 5s, 504)")
	fs.DurationVar(&f.cfg.DrainTimeout, "drain-timeout", 0, "graceful shutdown bound on SIGTERM (default 30s)")
	fs.IntVar(&f.cfg.UpstreamMaxIdle, "upstream-max-idle", 0, "idle keep-alive connections per backend target per loop (default 128)")
	fs.DurationVar(&f.cfg.UpstreamIdleTimeout, "upstream-idle-timeout", 0, "close idle backend connections after (default 30s)")
	fs.IntVar(&f.cfg.MaxConns, "max-conns", 0, "client connection cap (503 past it)")
	fs.BoolVar(&f.cfg.XFFReplace, "xff-replace", false, "send X-Forwarded-For as the client address only (default: append)")
	fs.BoolVar(&f.pprof, "pprof", false, "serve /debug/pprof/ on the admin listener")
	fs.StringVar(&f.underscores, "underscore-headers", "drop", "request header names with '_': drop, reject (400) or allow")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("run: unexpected argument %q", fs.Arg(0))
	}
	switch f.underscores {
	case "drop":
		f.cfg.Underscores = edge.UnderscoreDrop
	case "reject":
		f.cfg.Underscores = edge.UnderscoreReject
	case "allow":
		f.cfg.Underscores = edge.UnderscoreAllow
	default:
		return nil, fmt.Errorf("run: --underscore-headers must be drop, reject or allow")
	}
	f.cfg.Listen = f.listen
	return f, nil
}

// load reads and compiles the configuration: the --config file, or the
// embedded demo.
func (f *runFlags) load(revision uint64) (*snapshot.Snapshot, error) {
	var p *model.Published
	var err error
	if f.config == "" {
		p, err = model.ParseFile(demoConfig)
	} else {
		p, err = model.LoadFile(f.config)
	}
	if err != nil {
		return nil, err
	}
	if f.baseDomain != "" {
		p.BaseDomain = strings.ToLower(strings.TrimSuffix(f.baseDomain, "."))
	}
	p.Revision = revision
	return snapshot.Compile(p)
}

func runCmd(args []string) error {
	f, err := parseRunFlags(args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := os.MkdirAll(f.data, 0o750); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	revision := uint64(1)
	snap, err := f.load(revision)
	if err != nil {
		return err
	}
	srv, err := edge.New(f.cfg, snap, log)
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		return fmt.Errorf("listen %s: %w", f.listen, err)
	}
	cfg := srv.Config()
	log.Info("edgegate serving", "version", version, "listen", srv.Addr(), "loops", cfg.Loops, "revision", snap.Revision)
	if f.config == "" {
		_, port, _ := net.SplitHostPort(srv.Addr())
		fmt.Fprintf(os.Stderr, "\nDemo service is up. Try:\n\n  curl -i http://service-demo.%s:%s/release/hello\n\n",
			snap.Published.BaseDomain, port)
	}

	var admin *http.Server
	if f.adminListen != "" {
		admin, err = startAdmin(f.adminListen, srv, f.pprof, log)
		if err != nil {
			_ = srv.Shutdown(context.Background())
			return err
		}
	}

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT)
	for {
		select {
		case <-srv.Done():
			return errors.New("engine stopped unexpectedly")
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				revision++
				next, err := f.load(revision)
				if err != nil {
					log.Error("reload failed; still serving the previous configuration", "err", err)
					continue
				}
				if err := srv.Swap(next); err != nil {
					log.Error("reload failed; still serving the previous configuration", "err", err)
					continue
				}
				log.Info("reloaded", "revision", next.Revision)
				continue
			}
			log.Info("draining", "signal", sig.String(), "inflight", srv.Inflight())
			if admin != nil {
				_ = admin.Close()
			}
			ctx, cancel := context.WithTimeout(context.Background(), cfg.DrainTimeout)
			err := srv.Shutdown(ctx)
			cancel()
			if err != nil {
				log.Warn("drain incomplete", "err", err)
			}
			log.Info("stopped")
			return nil
		}
	}
}

// startAdmin serves the admin listener: health and counters for now.
func startAdmin(addr string, srv *edge.Server, withPprof bool, log *slog.Logger) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("admin listen %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"status":"ok","revision":%d}`+"\n", srv.Revision())
	})
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		st := &srv.Stats
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"revision":%d,"conns":%d,"inflight":%d,"requests":%d,"gateway_errors":%d,"upstream_dials":%d,"upstream_reused":%d,"retries":%d,"swaps":%d}`+"\n",
			srv.Revision(), srv.Conns(), srv.Inflight(), st.Requests.Load(), st.GatewayErrors.Load(),
			st.UpstreamDials.Load(), st.UpstreamReused.Load(), st.Retries.Load(), st.Swaps.Load())
	})
	if withPprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("admin listener stopped", "err", err)
		}
	}()
	return hs, nil
}

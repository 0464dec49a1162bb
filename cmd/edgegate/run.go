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
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/edgegate/edgegate/admin"
	"github.com/edgegate/edgegate/admin/tcapi"
	"github.com/edgegate/edgegate/console"
	"github.com/edgegate/edgegate/edge"
	"github.com/edgegate/edgegate/internal/flock"
	"github.com/edgegate/edgegate/metrics"
	"github.com/edgegate/edgegate/model"
	"github.com/edgegate/edgegate/snapshot"
)

//go:embed demo.yaml
var demoConfig []byte

type runFlags struct {
	data, adminListen, config, baseDomain string
	underscores                           string
	secretKeyFile                         string
	pprof, demo, static                   bool
	limits                                admin.Limits
	certExpiryWarning                     time.Duration
	cfg                                   edge.Config
	fw                                    firewallFlags
	adminTLS                              adminTLS
	metrics                               metricsFlags
	accessLog                             accessLogFlags
	redis                                 redisFlags
}

func parseRunFlags(args []string) (*runFlags, error) {
	f := &runFlags{}
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.StringVar(&f.data, "data", "./data", "data directory (the store, the admin credentials)")
	fs.StringVar(&f.adminListen, "admin-listen", "127.0.0.1:9000", "address of the Action API and /healthz, /stats, /metrics; empty disables it")
	fs.StringVar(&f.config, "config", "", "serve the services in this YAML or JSON file instead of the Action API's store; SIGHUP reloads it")
	fs.BoolVar(&f.static, "demo-file", false, "serve the built-in demo file (implies the --config mode)")
	fs.BoolVar(&f.demo, "demo", false, "on an empty store, create and release a demo service; serve it over HTTPS too (--tls-listen, default :8443 with --demo) with a self-signed certificate (its CA in DATA/demo-ca.pem)")
	fs.StringVar(&f.baseDomain, "base-domain", "", "base of each service's default domain <ServiceId>.<base> (default "+model.DefaultBaseDomain+")")
	fs.BoolVar(&f.pprof, "pprof", false, "serve /debug/pprof/ on the admin listener")
	fs.IntVar(&f.limits.Services, "max-services", 0, "tenant limit on services (default 50, seed 使用限制)")
	fs.IntVar(&f.limits.ApisPerService, "max-apis-per-service", 0, "tenant limit on APIs per service (default 200)")
	accessFlags(fs, &f.limits, &f.secretKeyFile)
	domainFlags(fs, &f.limits, &f.certExpiryWarning)
	f.adminTLS.register(fs)
	edgeFlags(fs, &f.cfg, &f.underscores)
	addFirewallFlags(fs, &f.fw)
	f.metrics.register(fs)
	f.accessLog.register(fs)
	addRedisFlags(fs, &f.redis)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	f.accessLog.parsed(fs)
	if f.demo {
		f.accessLog.demoDefault(f.data)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("run: unexpected argument %q", fs.Arg(0))
	}
	if err := parseUnderscores(f.underscores, &f.cfg); err != nil {
		return nil, err
	}
	if f.baseDomain != "" {
		f.baseDomain = strings.ToLower(strings.TrimSuffix(f.baseDomain, "."))
	}
	// The demo shows HTTPS too, unless --tls-listen says otherwise ("" turns it off).
	tlsSet := false
	fs.Visit(func(fl *flag.Flag) { tlsSet = tlsSet || fl.Name == "tls-listen" })
	if f.demo && !tlsSet {
		f.cfg.TLSListen = demoTLSListen
	}
	return f, nil
}

// note describes this process in its lock files.
func (f *runFlags) note() string {
	n := "edgegate run --listen " + f.cfg.Listen + " --data " + f.data
	switch {
	case f.config != "":
		n += " --config " + f.config
	case f.static:
		n += " --demo-file"
	}
	return n
}

// loadFile reads and compiles the configuration file (or the demo file).
func (f *runFlags) loadFile(revision uint64) (*snapshot.Snapshot, error) {
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
		p.BaseDomain = f.baseDomain
	}
	p.Revision = revision
	return snapshot.Compile(p)
}

func newLogger() *slog.Logger { return slog.New(slog.NewTextHandler(os.Stderr, nil)) }

func listenPort(addr string) int {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(p)
	return n
}

func runCmd(args []string) error {
	f, err := parseRunFlags(args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	log := newLogger()
	fw, err := startFirewall(&f.fw, &f.cfg, log)
	if err != nil {
		return err
	}
	defer fw.close()
	if err := f.accessLog.open(&f.cfg, log, f.note()); err != nil {
		return err
	}
	defer f.accessLog.close(log) // after serve: the loops have stopped
	if f.config != "" || f.static {
		return runStatic(f, log, fw)
	}
	logSearch, err := f.accessLog.searcher()
	if err != nil {
		return err
	}

	// The edge's state in --data (quota.json) is this process's alone.
	dataLock, err := lockDataDir(f.data, f.note())
	if err != nil {
		return err
	}
	defer dataLock.Release()
	lessor, err := f.redis.setup(&f.cfg, log)
	if err != nil {
		return err
	}
	defer lessor.Close() // after the loops stop: returns unspent leases
	var srv *edge.Server
	a, err := admin.New(admin.Options{
		DataDir: f.data, BaseDomain: f.baseDomain, Port: listenPort(f.cfg.Listen), Limits: f.limits, CertExpiryWarning: f.certExpiryWarning, Log: log,
		SecretKeyFile: f.secretKeyFile, LogSearcher: logSearch,
		LocalQuota: func() (map[string]int64, bool) {
			if srv == nil {
				return nil, false
			}
			return srv.PlanQuotaUsed(), srv.QuotasShared()
		},
		Publish: func(s *snapshot.Snapshot) error {
			if srv == nil {
				return nil // the edge starts from a.Snapshot()
			}
			return srv.Swap(s)
		},
	})
	if err != nil {
		return err
	}
	defer a.Close()
	srv, err = edge.New(f.cfg, a.Snapshot(), log)
	if err != nil {
		return err
	}
	stopQuotas, err := startQuotas(srv, f.data, log)
	if err != nil {
		return err
	}
	defer stopQuotas()
	sigs := trapSignals()
	listenLock, err := startListening(srv, &f.cfg, f.note(), log)
	if err != nil {
		return err
	}
	defer listenLock.Remove() // at the latest; serve drops it when draining
	fw.listening(srv.Addr(), srv.TLSAddr())
	log.Info("edgegate serving", "version", version, "listen", srv.Addr(), "tls_listen", srv.TLSAddr(), "loops", srv.Config().Loops,
		"admin", f.adminListen, "revision", a.Revision(), "data", f.data)
	exp, stopMetrics, err := f.metrics.serve(srv, metrics.Sources{Admin: a, StorePath: admin.DBPath(f.data), Firewall: fw.metricsSource()}, log)
	if err != nil {
		return err
	}
	defer stopMetrics()
	var hs *http.Server
	if f.adminListen != "" {
		if hs, err = startAdmin(f.adminListen, &f.adminTLS, srv, a.Handler(), exp, f.pprof, log); err != nil {
			_ = srv.Shutdown(context.Background())
			return err
		}
		if f.demo {
			if err := demo(f, srv, a); err != nil {
				log.Error("demo service", "err", err)
			}
		}
	}
	return serve(srv, sigs, listenLock, hs, log, fw.onHUP(nil))
}

// runStatic serves a configuration file; SIGHUP reloads it.
func runStatic(f *runFlags, log *slog.Logger, fw *firewall) error {
	revision := uint64(1)
	snap, err := f.loadFile(revision)
	if err != nil {
		return err
	}
	lessor, err := f.redis.setup(&f.cfg, log)
	if err != nil {
		return err
	}
	defer lessor.Close() // after the loops stop: returns unspent leases
	srv, err := edge.New(f.cfg, snap, log)
	if err != nil {
		return err
	}
	sigs := trapSignals()
	listenLock, err := startListening(srv, &f.cfg, f.note(), log)
	if err != nil {
		return err
	}
	defer listenLock.Remove() // at the latest; serve drops it when draining
	fw.listening(srv.Addr(), srv.TLSAddr())
	log.Info("edgegate serving", "version", version, "listen", srv.Addr(), "tls_listen", srv.TLSAddr(), "loops", srv.Config().Loops, "config", f.config, "revision", revision)
	if f.config == "" {
		fmt.Fprintf(os.Stderr, "\nDemo service is up. Try:\n\n  curl -i http://service-demo.%s:%d/release/hello\n\n",
			snap.Published.BaseDomain, listenPort(srv.Addr()))
	}
	exp, stopMetrics, err := f.metrics.serve(srv, metrics.Sources{Firewall: fw.metricsSource()}, log)
	if err != nil {
		return err
	}
	defer stopMetrics()
	var hs *http.Server
	if f.adminListen != "" {
		if hs, err = startAdmin(f.adminListen, &f.adminTLS, srv, nil, exp, f.pprof, log); err != nil {
			_ = srv.Shutdown(context.Background())
			return err
		}
	}
	reload := func() {
		revision++
		next, err := f.loadFile(revision)
		if err == nil {
			err = srv.Swap(next)
		}
		if err != nil {
			log.Error("reload failed; still serving the previous configuration", "err", err)
			return
		}
		log.Info("reloaded", "revision", next.Revision)
	}
	return serve(srv, sigs, listenLock, hs, log, fw.onHUP(reload))
}

// trapSignals catches SIGHUP, SIGTERM and SIGINT from now on. Callers
// trap before they listen: once the port answers, a supervisor may send
// SIGHUP, and Go's default action for an untrapped SIGHUP is to exit.
func trapSignals() <-chan os.Signal {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT)
	return sigs
}

// serve waits for signals: SIGHUP calls reload (when set), SIGTERM and
// SIGINT drain and return. Draining drops the listen lock: the listeners
// stop at once, and the next gateway may start while this one finishes
// its requests (its probe still refuses while they listen).
func serve(srv *edge.Server, sigs <-chan os.Signal, listenLock *flock.Lock, hs *http.Server, log *slog.Logger, reload func()) error {
	for {
		select {
		case <-srv.Done():
			return errors.New("engine stopped unexpectedly")
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				if reload != nil {
					reload()
				} else {
					log.Info("SIGHUP: nothing to reload (configuration comes from the Action API)")
				}
				continue
			}
			log.Info("draining", "signal", sig.String(), "inflight", srv.Inflight())
			_ = listenLock.Remove()
			if hs != nil {
				_ = hs.Close()
			}
			ctx, cancel := context.WithTimeout(context.Background(), srv.Config().DrainTimeout)
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

// startAdmin serves the admin listener: the Action API at / (when api is
// set), /healthz, /stats, /metrics, and /debug/pprof/ with --pprof.
func startAdmin(addr string, at *adminTLS, srv *edge.Server, api, metricsH http.Handler, withPprof bool, log *slog.Logger) (*http.Server, error) {
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
		st := srv.Stats()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"revision":%d,"conns":%d,"inflight":%d,"requests":%d,"gateway_errors":%d,"frontend_errors":%d,"conns_refused":%d,"upstream_dials":%d,"upstream_reused":%d,"retries":%d,"swaps":%d}`+"\n",
			srv.Revision(), st.Conns, st.Inflight, st.Requests, st.GatewayErrors,
			st.FrontendErrors, st.ConnsRefused, st.UpstreamDials, st.UpstreamReused, st.Retries, st.Swaps)
	})
	mux.Handle("GET /metrics", metricsH)
	if withPprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	if firewallStats != nil {
		mux.Handle("GET /stats/firewall", firewallStats)
	}
	accessLogStats(mux, srv.Config().AccessLog)
	if api != nil {
		mux.Handle("/", api)
		mux.Handle("/console/", console.New(console.Options{API: api, Metrics: metricsH, Edge: srv.Addr, Log: log}))
	}
	// Long-polls (EdgeSync) hold a request up to ~25 s.
	hs := tcapi.Bounds{}.HTTPServer(mux) // head, idle and head-size bounds; the Action API bounds its bodies
	serve, err := at.serve(hs, ln, log)
	if err != nil {
		ln.Close()
		return nil, err
	}
	go func() {
		if err := serve(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("admin listener stopped", "err", err)
		}
	}()
	return hs, nil
}

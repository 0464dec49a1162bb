package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/edgegate/edgegate/admin"
	"github.com/edgegate/edgegate/admin/tcapi"
	"github.com/edgegate/edgegate/console"
	"github.com/edgegate/edgegate/metrics"
)

// adminCmd runs the control plane alone (split mode): the Action API and
// the EdgeSync long-poll that remote edges follow.
func adminCmd(args []string) error {
	if len(args) > 0 && (args[0] == "backup" || args[0] == "restore") {
		return adminBackupCmd(args[0], args[1:]) // backupcmd.go
	}
	if len(args) > 0 && args[0] == "rekey" {
		return adminRekeyCmd(args[1:]) // backupcmd.go
	}
	fs := flag.NewFlagSet("admin", flag.ContinueOnError)
	data := fs.String("data", "./data", "data directory (the store, the admin credentials)")
	listen := fs.String("admin-listen", "127.0.0.1:9000", "address of the Action API, /healthz and /metrics")
	base := fs.String("base-domain", "", "base of each service's default domain (default localhost)")
	edgePort := fs.Int("edge-port", 80, "the port edges listen on, for the URLs Describe* return")
	repair := fs.Bool("repair", false, "repair a damaged store (keeps its intact prefix, saves the damaged file beside it) and exit")
	var limits admin.Limits
	fs.IntVar(&limits.Services, "max-services", 0, "tenant limit on services (default 50)")
	fs.IntVar(&limits.ApisPerService, "max-apis-per-service", 0, "tenant limit on APIs per service (default 200)")
	var secretKeyFile string
	accessFlags(fs, &limits, &secretKeyFile)
	var certExpiryWarning time.Duration
	domainFlags(fs, &limits, &certExpiryWarning)
	var at adminTLS
	at.register(fs)
	var mf metricsFlags
	mf.register(fs)
	var alf accessLogFlags
	alf.registerDir(fs, "access-log directory that DescribeLogSearch searches: the edges' --access-log-dir, shared or shipped here (default: DescribeLogSearch is unsupported)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	log := newLogger()
	if *repair {
		res, err := admin.Repair(*data, log)
		if err != nil {
			return err
		}
		fmt.Printf("repaired %s: %+v\n", admin.DBPath(*data), res)
		return nil
	}
	logSearch, err := alf.searcher()
	if err != nil {
		return err
	}
	a, err := admin.New(admin.Options{DataDir: *data, BaseDomain: *base, Port: *edgePort, Limits: limits, CertExpiryWarning: certExpiryWarning, Log: log, SecretKeyFile: secretKeyFile,
		LogSearcher: logSearch})
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("admin listen %s: %w", *listen, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"status":"ok","revision":%d}`+"\n", a.Revision())
	})
	exp := metrics.New(metrics.Sources{Admin: a, StorePath: admin.DBPath(*data), Process: true})
	mux.Handle("GET /metrics", exp)
	stopMetrics, err := mf.start(exp, log)
	if err != nil {
		ln.Close()
		return err
	}
	defer stopMetrics()
	mux.Handle("/", a.Handler())
	mux.Handle("/console/", console.New(console.Options{API: a.Handler(), Metrics: exp, Log: log}))
	hs := tcapi.Bounds{}.HTTPServer(mux) // head, idle and head-size bounds; the Action API bounds its bodies
	serve, err := at.serve(hs, ln, log)
	if err != nil {
		ln.Close()
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- serve() }()
	log.Info("edgegate admin serving", "version", version, "listen", ln.Addr().String(), "revision", a.Revision(), "data", *data)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	select {
	case err := <-errc:
		return err
	case sig := <-sigs:
		log.Info("stopping", "signal", sig.String())
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		a.StopWaiting()
		_ = hs.Shutdown(ctx)
		return nil
	}
}

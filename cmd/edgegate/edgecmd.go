package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/edgegate/edgegate/admin/tcapi"
	"github.com/edgegate/edgegate/edge"
	"github.com/edgegate/edgegate/internal/atomicfile"
	"github.com/edgegate/edgegate/metrics"
	"github.com/edgegate/edgegate/model"
	"github.com/edgegate/edgegate/snapshot"
)

// edgeStateFile keeps the last revision an edge applied, so it can start
// serving when the admin is away.
const edgeStateFile = "edge-revision.json"

type edgeState struct {
	Revision  uint64          `json:"Revision"`
	Published json.RawMessage `json:"Published"`
}

// edgeCmd runs a data plane that follows an admin (split mode).
func edgeCmd(args []string) error {
	fs := flag.NewFlagSet("edge", flag.ContinueOnError)
	control := fs.String("control", "", "the admin's Action API, e.g. https://admin.example:9000; a comma-separated list names standbys to move to when a call fails (required)")
	controlCA := fs.String("control-ca", "", "PEM certificates that verify an https --control (default: the system's roots)")
	controlPin := fs.String("control-pin", "", "accept only an admin certificate whose public key hashes to one of these comma-separated sha256/BASE64 SPKI pins (README \"Securing the split\")")
	credFile := fs.String("credentials", "", "the edge credential file, CreateEdgeCredential's Result (default DATA/edge-credentials.json, else DATA/admin-credentials.json)")
	data := fs.String("data", "./data", "data directory: credentials and the last revision")
	id := fs.String("edge-id", "", "this edge's name as the admin lists it (default: the host name and listen address)")
	var cfg edge.Config
	var underscores string
	edgeFlags(fs, &cfg, &underscores)
	var ff firewallFlags
	addFirewallFlags(fs, &ff)
	var mf metricsFlags
	mf.register(fs)
	var alf accessLogFlags
	alf.register(fs)
	var rf redisFlags
	addRedisFlags(fs, &rf)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *control == "" {
		return errors.New("edge: --control is required")
	}
	if err := parseUnderscores(underscores, &cfg); err != nil {
		return err
	}
	log := newLogger()
	secretID, secretKey, err := edgeCredentials(*data, *credFile, log)
	if err != nil {
		return fmt.Errorf("edge: credentials: %w", err)
	}
	clients, err := controlClients(*control, *controlCA, *controlPin, secretID, secretKey)
	if err != nil {
		return fmt.Errorf("edge: %w", err)
	}
	note := "edgegate edge --listen " + cfg.Listen + " --data " + *data
	dataLock, err := lockDataDir(*data, note)
	if err != nil {
		return fmt.Errorf("edge: %w", err)
	}
	defer dataLock.Release()
	statePath := filepath.Join(*data, edgeStateFile)
	rev, snap, err := loadEdgeState(statePath)
	if err != nil {
		return err
	}
	fw, err := startFirewall(&ff, &cfg, log)
	if err != nil {
		return err
	}
	defer fw.close()
	if err := alf.open(&cfg, log, note); err != nil {
		return err
	}
	defer alf.close(log) // after serve: the loops have stopped
	lessor, err := rf.setup(&cfg, log)
	if err != nil {
		return err
	}
	defer lessor.Close() // after the loops stop: returns unspent leases
	srv, err := edge.New(cfg, snap, log)
	if err != nil {
		return err
	}
	stopQuotas, err := startQuotas(srv, *data, log)
	if err != nil {
		return err
	}
	defer stopQuotas()
	sigs := trapSignals()
	listenLock, err := startListening(srv, &cfg, note, log)
	if err != nil {
		return err
	}
	defer listenLock.Remove() // at the latest; serve drops it when draining
	fw.listening(srv.Addr(), srv.TLSAddr())
	if *id == "" {
		host, _ := os.Hostname()
		*id = host + "/" + srv.Addr()
	}
	log.Info("edgegate edge serving", "version", version, "listen", srv.Addr(), "tls_listen", srv.TLSAddr(), "control", *control, "edge", *id, "revision", rev)
	for _, c := range clients {
		if !strings.HasPrefix(c.Endpoint, "https://") {
			log.Warn("edge: following an admin over plain HTTP: revisions are sealed but the exchange is not private; use https:// with --control-pin", "control", c.Endpoint)
		}
	}
	_, stopMetrics, err := mf.serve(srv, metrics.Sources{Firewall: fw.metricsSource()}, log)
	if err != nil {
		return err
	}
	defer stopMetrics()
	stop := make(chan struct{})
	go follow(clients, *id, srv, statePath, rev, log, stop)
	err = serve(srv, sigs, listenLock, nil, log, fw.onHUP(nil))
	close(stop)
	return err
}

func loadEdgeState(path string) (uint64, *snapshot.Snapshot, error) {
	empty := &model.Published{BaseDomain: model.DefaultBaseDomain}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		s, err := snapshot.Compile(empty)
		return 0, s, err
	}
	if err != nil {
		return 0, nil, err
	}
	var st edgeState
	var p model.Published
	if err := json.Unmarshal(b, &st); err != nil || json.Unmarshal(st.Published, &p) != nil {
		return 0, nil, fmt.Errorf("edge: %s is damaged; remove it to start empty and wait for the admin", path)
	}
	s, err := snapshot.Compile(&p)
	if err != nil {
		return 0, nil, fmt.Errorf("edge: %s: %w", path, err)
	}
	return st.Revision, s, nil
}

// follow long-polls the admin for new revisions, applies each atomically
// and persists it before reporting it back. A failed call moves to the
// next admin of the list; a revision older than the edge's is never
// applied (openSync).
func follow(clients []*tcapi.Client, id string, srv *edge.Server, statePath string, rev uint64, log *slog.Logger, stop <-chan struct{}) {
	backoff := 100 * time.Millisecond
	var lastErr, lastBackwards time.Time
	cur := 0
	for {
		c := clients[cur]
		select {
		case <-stop:
			return
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 35*time.Second)
		raw, err := c.Call(ctx, "EdgeSync", map[string]any{"EdgeId": id, "Address": srv.Addr(), "Revision": rev, "WaitSeconds": 20, "Quotas": srv.PlanQuotaUsed(), "QuotasShared": srv.QuotasShared()})
		cancel()
		var newRev uint64
		var doc json.RawMessage
		if err == nil {
			newRev, doc, err = openSync(raw, rev, c.SecretKey)
		}
		if err == nil && doc != nil {
			err = apply(srv, statePath, newRev, doc)
			if err == nil {
				log.Info("applied revision", "revision", newRev, "control", c.Endpoint)
				rev = newRev
			}
		}
		if err != nil {
			if errors.Is(err, errBackwards) && time.Since(lastBackwards) > 10*time.Second {
				log.Warn("edge: refused a revision", "revision", rev, "control", c.Endpoint, "err", err)
				lastBackwards = time.Now()
			} else if time.Since(lastErr) > 10*time.Second {
				log.Warn("edge: following the admin failed; serving the last revision", "revision", rev, "control", c.Endpoint, "err", err)
				lastErr = time.Now()
			}
			cur = (cur + 1) % len(clients)
			select {
			case <-stop:
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 2*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
	}
}

func apply(srv *edge.Server, statePath string, rev uint64, doc json.RawMessage) error {
	var p model.Published
	if err := json.Unmarshal(doc, &p); err != nil {
		return fmt.Errorf("revision %d: %w", rev, err)
	}
	s, err := snapshot.Compile(&p)
	if err != nil {
		return fmt.Errorf("revision %d does not compile here: %w", rev, err)
	}
	b, _ := json.Marshal(edgeState{Revision: rev, Published: doc})
	if err := atomicfile.WriteFile(statePath, b, 0o600); err != nil {
		return fmt.Errorf("persisting revision %d: %w", rev, err)
	}
	return srv.Swap(s)
}

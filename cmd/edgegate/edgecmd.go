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
	"time"

	"github.com/edgegate/edgegate/admin"
	"github.com/edgegate/edgegate/admin/tcapi"
	"github.com/edgegate/edgegate/edge"
	"github.com/edgegate/edgegate/internal/atomicfile"
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
	control := fs.String("control", "", "the admin's Action API, e.g. http://10.0.0.1:9000 or https://admin.example:9000 (required)")
	controlCA := fs.String("control-ca", "", "PEM certificates that verify an https --control (default: the system's roots)")
	data := fs.String("data", "./data", "data directory: credentials (admin-credentials.json) and the last revision")
	id := fs.String("edge-id", "", "this edge's name as the admin lists it (default: the host name and listen address)")
	var cfg edge.Config
	var underscores string
	edgeFlags(fs, &cfg, &underscores)
	var ff firewallFlags
	addFirewallFlags(fs, &ff)
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
	secretID, secretKey := os.Getenv("EDGEGATE_SECRET_ID"), os.Getenv("EDGEGATE_SECRET_KEY")
	if secretID == "" || secretKey == "" {
		var err error
		if secretID, secretKey, err = admin.ReadCredentials(*data); err != nil {
			return fmt.Errorf("edge: credentials: set EDGEGATE_SECRET_ID/EDGEGATE_SECRET_KEY or copy the admin's %s into --data: %w", admin.CredentialsFile, err)
		}
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
	lessor, err := rf.setup(&cfg, log)
	if err != nil {
		return err
	}
	srv, err := edge.New(cfg, snap, log)
	if err != nil {
		return err
	}
	if lessor != nil {
		defer lessor.Close() // after the loops stop: returns unspent leases
	}
	stopQuotas, err := startQuotas(srv, *data, log)
	if err != nil {
		return err
	}
	defer stopQuotas()
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
	hc, err := controlHTTPClient(*controlCA)
	if err != nil {
		return fmt.Errorf("edge: --control-ca: %w", err)
	}
	c := &tcapi.Client{Endpoint: *control, SecretId: secretID, SecretKey: secretKey, Region: defaultRegion, Version: "2018-08-08", Service: "apigateway", HTTP: hc}
	stop := make(chan struct{})
	go follow(c, *id, srv, statePath, rev, log, stop)
	err = serve(srv, listenLock, nil, log, fw.onHUP(nil))
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
// and persists it before reporting it back.
func follow(c *tcapi.Client, id string, srv *edge.Server, statePath string, rev uint64, log *slog.Logger, stop <-chan struct{}) {
	backoff := 100 * time.Millisecond
	lastErr := time.Time{}
	for {
		select {
		case <-stop:
			return
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 35*time.Second)
		raw, err := c.Call(ctx, "EdgeSync", map[string]any{"EdgeId": id, "Address": srv.Addr(), "Revision": rev, "WaitSeconds": 20, "Quotas": srv.PlanQuotaUsed(), "QuotasShared": srv.QuotasShared()})
		cancel()
		var resp struct {
			Revision  uint64          `json:"Revision"`
			Published json.RawMessage `json:"Published"`
		}
		if err == nil {
			err = json.Unmarshal(raw, &resp)
		}
		if err == nil && len(resp.Published) > 0 && resp.Revision != rev {
			err = apply(srv, statePath, resp.Revision, resp.Published)
			if err == nil {
				log.Info("applied revision", "revision", resp.Revision)
				rev = resp.Revision
			}
		}
		if err != nil {
			if time.Since(lastErr) > 10*time.Second {
				log.Warn("edge: following the admin failed; serving the last revision", "revision", rev, "err", err)
				lastErr = time.Now()
			}
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

package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidwall/buntdb"

	"github.com/edgegate/edgegate/accesslog"
	"github.com/edgegate/edgegate/admin/hwapi"
	"github.com/edgegate/edgegate/admin/store"
	"github.com/edgegate/edgegate/admin/tcapi"
	"github.com/edgegate/edgegate/model"
	"github.com/edgegate/edgegate/snapshot"
)

// Options configure an Admin.
type Options struct {
	// DataDir holds edgegate.db and admin-credentials.json.
	DataDir string
	// BaseDomain makes each service's default domain <ServiceId>.<BaseDomain>.
	BaseDomain string
	// Scheme and Port complete the environment URLs Describe* return
	// (http://<domain>[:port]/<env>); Port 0 or 80 is left out.
	Port int
	// Limits are the tenant limits (seed 使用限制); zero fields take the seed's.
	Limits Limits
	// SecretKeyFile, when set, is the master key file that seals the API
	// key and app secrets in the store (see secrets.go); empty stores them
	// in clear and warns at start.
	SecretKeyFile string
	// Publish, when set, receives every new snapshot (edgegate run swaps it
	// into the in-process edge). It must not block for long.
	Publish func(*snapshot.Snapshot) error
	// CertExpiryWarning: certificates expiring within it are logged at
	// start and daily (certificates.go); zero means 30 days.
	CertExpiryWarning time.Duration
	// LocalQuota, when set, reports the in-process edge's usage-plan
	// quota counts (plan id → requests used) for InUseRequestNum, and
	// whether they are cluster totals (it leases from Redis: counted once
	// with the remote edges' totals, not added).
	LocalQuota func() (used map[string]int64, shared bool)
	Log        *slog.Logger
	Now        func() time.Time

	// LogSearcher answers DescribeLogSearch over the access log's
	// directory; nil answers UnsupportedOperation (no access log).
	LogSearcher *accesslog.Searcher
}

// Limits are per-tenant quotas (seed: 使用限制).
type Limits struct {
	Services       int // 50
	ApisPerService int // 200
	// Keys, usage plans and apps (access.go).
	UsagePlans  int // 200
	ApiKeys     int // 400
	KeysPerPlan int // 50
	PlansPerKey int // 10
	ApisPerPlan int // 10000
	ApiApps     int // 400 (no seed figure; the same as keys)
	// Custom domains and certificates (domains.go, certificates.go).
	DomainsPerService int // 5 (seed 独立域名及证书)
	Certificates      int // 100 (no seed figure)
	// API documents (apidocs.go).
	ApiDocs int // 100 (no seed figure)
	// ActionRate is each Action's requests per second per SecretId
	// (seed 默认接口请求频率限制: 20, DescribeApi 100); negative lifts the
	// rates (bulk loads, benchmarks).
	ActionRate int
}

// Admin is the control plane.
type Admin struct {
	opts  Options
	log   *slog.Logger
	db    *store.DB
	creds credentials
	api   *tcapi.Server
	hw    *hwapi.Server // the Huawei REST interface (hwrest.go)
	seal  *sealer       // nil: secrets stored in clear

	mu sync.Mutex // serialises writing Actions

	pubMu    sync.Mutex
	current  *published
	changed  chan struct{} // closed when current changes
	quit     chan struct{} // closed by StopWaiting
	quitOnce sync.Once

	edgesMu sync.Mutex
	edges   map[string]*edgeInfo
	// edgeKeys are the edge credentials (SecretId → SecretKey; edgecreds.go).
	edgeKeys atomic.Pointer[map[string]string]

	closed    chan struct{} // closed by Close: ends the expiry check
	closeOnce sync.Once

	// envNames are the custom environments this Admin registered in
	// knownEnvs (hwenvs.go), under envMu.
	envMu    sync.Mutex
	envNames []string

	docs apiDocState // API document builds and page sessions (apidocs.go)
	gens genStore    // GenerateApiDocument's files (gendoc.go)
}

// published is one revision as edges receive it.
type published struct {
	revision uint64
	snap     *snapshot.Snapshot
	doc      []byte // JSON of model.Published, what remote edges compile
}

// New opens the store in opts.DataDir, loads or creates the admin
// credentials, and compiles what is released.
func New(opts Options) (*Admin, error) {
	if opts.DataDir == "" {
		return nil, errors.New("admin: DataDir is required")
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.BaseDomain == "" {
		opts.BaseDomain = model.DefaultBaseDomain
	}
	if opts.Limits.Services <= 0 {
		opts.Limits.Services = 50
	}
	if opts.Limits.ApisPerService <= 0 {
		opts.Limits.ApisPerService = 200
	}
	accessLimitDefaults(&opts.Limits)
	if opts.Limits.DomainsPerService <= 0 {
		opts.Limits.DomainsPerService = 5
	}
	if opts.Limits.Certificates <= 0 {
		opts.Limits.Certificates = 100
	}
	if opts.CertExpiryWarning <= 0 {
		opts.CertExpiryWarning = 30 * 24 * time.Hour
	}
	if err := os.MkdirAll(opts.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("admin: data directory: %w", err)
	}
	creds, err := loadCredentials(opts.DataDir)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(DBPath(opts.DataDir), store.Options{Logger: opts.Log})
	if err != nil {
		return nil, err
	}
	a := &Admin{opts: opts, log: opts.Log, db: db, creds: creds, changed: make(chan struct{}), quit: make(chan struct{}), edges: map[string]*edgeInfo{}, closed: make(chan struct{})}
	a.gens.dir = filepath.Join(opts.DataDir, "generated")
	// Secrets are checked against the key file before anything is written.
	if err := a.openSecrets(); err != nil {
		db.Close()
		return nil, err
	}
	if err := a.loadEdgeCredentials(); err != nil {
		db.Close()
		return nil, err
	}
	if err := a.loadCustomEnvs(); err != nil {
		db.Close()
		return nil, err
	}
	// The log only grows between compactions; one per start keeps it small.
	if err := db.Compact(); err != nil {
		db.Close()
		return nil, fmt.Errorf("admin: compacting the store: %w", err)
	}
	var p *published
	err = db.View(func(tx *buntdb.Tx) error {
		var err error
		p, err = a.compile(tx, a.readRevision(tx))
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("admin: compiling the stored configuration: %w", err)
	}
	a.current = p
	if opts.Publish != nil {
		if err := opts.Publish(p.snap); err != nil {
			db.Close()
			return nil, err
		}
	}
	// The seed's per-Action rates (默认接口请求频率限制); edges' long-polls
	// are not user calls and are not limited.
	limits := tcapi.DefaultLimits()
	switch {
	case opts.Limits.ActionRate < 0:
		limits = &tcapi.Limits{PerAction: map[string]int{}}
	case opts.Limits.ActionRate > 0:
		limits.Default = opts.Limits.ActionRate
	}
	limits.PerAction["EdgeSync"] = 0
	a.api = &tcapi.Server{
		Service: "apigateway",
		Version: "2018-08-08",
		Creds:   adminCreds{a},
		Actions: a.actions(),
		Log:     opts.Log,
		Limits:  limits,
	}
	a.hw = a.newHWServer()
	a.warnExpiring()
	go a.expiryLoop()
	return a, nil
}

// DBPath is the store's file in a data directory.
func DBPath(dataDir string) string { return filepath.Join(dataDir, "edgegate.db") }

// Repair keeps the intact prefix of a damaged store (the damaged file is
// kept beside it); see store.Repair.
func Repair(dataDir string, log *slog.Logger) (store.RepairResult, error) {
	return store.Repair(DBPath(dataDir), store.Options{Logger: log})
}

// Close ends the daily expiry check and closes the store.
func (a *Admin) Close() error {
	a.closeOnce.Do(func() { close(a.closed); a.forgetEnvs() })
	a.docs.builds.Wait()
	return a.db.Close()
}

// Handler serves the Action API, the API documents' pages under /apidoc/
// (apidocpage.go), GenerateApiDocument's files under /generated/
// (gendoc.go) and the Huawei REST interface under /v2/ (hwrest.go).
func (a *Admin) Handler() http.Handler { return a.withGenFiles(a.docHandler(a.withHW(a.api))) }

// SecretID is the admin SecretId (never the key).
func (a *Admin) SecretID() string { return a.creds.id }

// Snapshot is the current compiled snapshot.
func (a *Admin) Snapshot() *snapshot.Snapshot {
	a.pubMu.Lock()
	defer a.pubMu.Unlock()
	return a.current.snap
}

// Revision is the current revision.
func (a *Admin) Revision() uint64 {
	a.pubMu.Lock()
	defer a.pubMu.Unlock()
	return a.current.revision
}

func (a *Admin) readRevision(tx *buntdb.Tx) uint64 {
	v, err := tx.Get(revisionKey)
	if err != nil {
		return 0
	}
	n, _ := strconv.ParseUint(v, 10, 64)
	return n
}

// write runs fn in one durable transaction under the writers' lock. When
// fn reports that traffic changes, the new state is compiled into the next
// revision inside the transaction (so a state that doesn't compile is never
// committed) and installed once the commit is on disk.
func (a *Admin) write(fn func(tx *buntdb.Tx) (publish bool, err error)) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	var pub *published
	err := a.db.Update(func(tx *buntdb.Tx) error {
		publish, err := fn(tx)
		if err != nil || !publish {
			return err
		}
		pub, err = a.publish(tx)
		return compileError(err)
	})
	if err != nil {
		return err
	}
	a.install(pub)
	return nil
}

// publish bumps the revision inside tx and compiles what tx will commit.
// The caller installs the result once tx has committed.
func (a *Admin) publish(tx *buntdb.Tx) (*published, error) {
	rev := a.readRevision(tx) + 1
	p, err := a.compile(tx, rev)
	if err != nil {
		return nil, err
	}
	if _, _, err := tx.Set(revisionKey, strconv.FormatUint(rev, 10), nil); err != nil {
		return nil, err
	}
	return p, nil
}

// install makes p current and hands it to the in-process edge and to the
// edges waiting on a long-poll.
func (a *Admin) install(p *published) {
	if p == nil {
		return
	}
	a.pubMu.Lock()
	a.current = p
	close(a.changed)
	a.changed = make(chan struct{})
	a.pubMu.Unlock()
	if a.opts.Publish != nil {
		if err := a.opts.Publish(p.snap); err != nil {
			a.log.Error("admin: the edge refused a snapshot", "revision", p.revision, "err", err)
		}
	}
}

// compile builds the Published of everything released, as tx sees it.
// Every service is in it, released or not: each has its default domain from
// CreateService on (seed 000 line 6089, 每个服务有一个默认域名), so the edge
// answers an unreleased environment of a known host EnvironmentNotFound,
// and HostNotFound only for a host no service has.
func (a *Admin) compile(tx *buntdb.Tx, rev uint64) (*published, error) {
	pub := &model.Published{Revision: rev, BaseDomain: a.opts.BaseDomain}
	bySvc := map[string]*model.PublishedService{}
	var order []string
	// service is a service's entry in pub (every service has one).
	service := func(svcID string) (*model.PublishedService, error) {
		if ps := bySvc[svcID]; ps != nil {
			return ps, nil
		}
		return nil, fmt.Errorf("missing service %s", svcID)
	}
	// Environment variables (hwenvs.go) are filled in as APIs are published.
	vars, err := loadEnvVars(tx)
	if err != nil {
		return nil, err
	}
	var ferr error
	err = tx.AscendKeys("svc:*", func(_, v string) bool {
		var s serviceRecord
		if ferr = json.Unmarshal([]byte(v), &s); ferr != nil {
			return false
		}
		bySvc[s.ServiceId] = &model.PublishedService{Service: model.Service{ServiceId: s.ServiceId, ServiceName: s.ServiceName, ServiceDesc: s.ServiceDesc, Protocol: s.Protocol},
			Environments: []model.PublishedEnvironment{}}
		order = append(order, s.ServiceId)
		return true
	})
	if err == nil {
		err = ferr
	}
	if err != nil {
		return nil, err
	}
	err = tx.AscendKeys("env:*", func(k, v string) bool {
		var e envRecord
		if ferr = json.Unmarshal([]byte(v), &e); ferr != nil {
			return false
		}
		if e.Status != 1 {
			return true
		}
		svcID := strings.SplitN(strings.TrimPrefix(k, "env:"), ":", 2)[0]
		ps, err := service(svcID)
		if err != nil {
			ferr = fmt.Errorf("environment %s: %w", e.EnvironmentName, err)
			return false
		}
		var ver versionRecord
		found, err := store.GetJSON(tx, verKey(svcID, e.VersionName), &ver)
		if err != nil || !found {
			ferr = fmt.Errorf("environment %s of %s runs missing version %s", e.EnvironmentName, svcID, e.VersionName)
			return false
		}
		env := model.PublishedEnvironment{EnvironmentName: e.EnvironmentName, VersionName: e.VersionName}
		for i := range ver.Apis {
			api, err := vars.apply(svcID, e.EnvironmentName, ver.Apis[i].API)
			if err != nil {
				ferr = err
				return false
			}
			env.Apis = append(env.Apis, api)
		}
		ps.Environments = append(ps.Environments, env)
		return true
	})
	if err == nil {
		err = ferr
	}
	if err == nil {
		// Custom domains (domains.go) serve at once, released or not.
		err = publishDomains(tx, service)
	}
	if err != nil {
		return nil, err
	}
	sort.Strings(order)
	for _, id := range order {
		pub.Services = append(pub.Services, *bySvc[id])
	}
	// Keys and plans (access.go), plugins and strategies (traffic.go), IP
	// strategies (ipcontrol.go) and certificates (certificates.go) join
	// what is published.
	for _, add := range []func(*buntdb.Tx, *model.Published) error{a.publishAccess, a.publishTraffic, a.publishIPControl, a.publishCertificates, a.publishSigning} {
		if err := add(tx, pub); err != nil {
			return nil, err
		}
	}
	snap, err := snapshot.Compile(pub)
	if err != nil {
		return nil, err
	}
	doc, err := json.Marshal(pub)
	if err != nil {
		return nil, err
	}
	return &published{revision: rev, snap: snap, doc: doc}, nil
}

// StopWaiting ends every EdgeSync long-poll now (answering the current
// revision), so that a graceful HTTP shutdown does not wait out the polls.
func (a *Admin) StopWaiting() { a.quitOnce.Do(func() { close(a.quit) }) }

// wait returns the current revision once it is newer than have, or the
// current one when ctx-like timeout fires.
func (a *Admin) wait(have uint64, timeout time.Duration) *published {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		a.pubMu.Lock()
		p, ch := a.current, a.changed
		a.pubMu.Unlock()
		if p.revision != have {
			return p
		}
		select {
		case <-ch:
		case <-deadline.C:
			return p
		case <-a.quit:
			return p
		}
	}
}

// domain is a service's default domain.
func (a *Admin) domain(serviceID string) string {
	return serviceID + "." + a.opts.BaseDomain
}

// envURL is the URL of a service environment.
func (a *Admin) envURL(serviceID, env string) string {
	host := a.domain(serviceID)
	if a.opts.Port != 0 && a.opts.Port != 80 {
		host += ":" + strconv.Itoa(a.opts.Port)
	}
	return "http://" + host + "/" + env
}

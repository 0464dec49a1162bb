package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/edgegate/edgegate/cluster"
	"github.com/edgegate/edgegate/edge"
)

// redisFlags configure cluster-wide limits (README "Cluster-wide limits").
type redisFlags struct {
	addr, user, passFile, down, caFile, serverName string
	sentinels, master, sentUser, sentPassFile      string
	db                                             int
	tls                                            bool
	timeout                                        time.Duration
}

func addRedisFlags(fs *flag.FlagSet, f *redisFlags) {
	fs.StringVar(&f.addr, "redis", "", "Redis host:port: make usage-plan QPS and quotas, API and plugin limits and environment strategies cluster-wide (default: each edge counts alone)")
	fs.StringVar(&f.sentinels, "redis-sentinel", "", "Redis Sentinels host:port[,host:port...] to ask for the primary of --redis-master at every (re)connection, instead of --redis")
	fs.StringVar(&f.master, "redis-master", "", "with --redis-sentinel: the name the sentinels monitor the primary under")
	fs.StringVar(&f.sentUser, "redis-sentinel-user", "", "Sentinel ACL user name (default: AUTH with the sentinel password alone)")
	fs.StringVar(&f.sentPassFile, "redis-sentinel-password-file", "", "file holding the sentinels' password (or set EDGEGATE_REDIS_SENTINEL_PASSWORD; default: no AUTH to the sentinels)")
	fs.StringVar(&f.user, "redis-user", "", "Redis ACL user name (default: AUTH with the password alone)")
	fs.StringVar(&f.passFile, "redis-password-file", "", "file holding the Redis password (or set EDGEGATE_REDIS_PASSWORD)")
	fs.IntVar(&f.db, "redis-db", 0, "Redis database number (SELECT)")
	fs.BoolVar(&f.tls, "redis-tls", false, "connect to Redis over TLS")
	fs.StringVar(&f.caFile, "redis-tls-ca", "", "PEM certificates that verify Redis's TLS certificate (default: the system's roots)")
	fs.StringVar(&f.serverName, "redis-tls-server-name", "", "name to verify in Redis's TLS certificate (default: the host dialled: the --redis host, each sentinel's, the primary's)")
	fs.DurationVar(&f.timeout, "redis-timeout", 500*time.Millisecond, "Redis dial and round-trip timeout; past it Redis counts as down")
	fs.StringVar(&f.down, "redis-down", cluster.DefaultPolicy, "while Redis is down: open (local limits) or closed (refuse), with per-limit overrides <limit id prefix>=open|closed")
}

// setup builds the lessor and hooks it into cfg; nil without --redis or
// --redis-sentinel.
func (f *redisFlags) setup(cfg *edge.Config, log *slog.Logger) (*cluster.Lessor, error) {
	if f.addr == "" && f.sentinels == "" {
		if f.master != "" {
			return nil, fmt.Errorf("--redis-master needs --redis-sentinel")
		}
		return nil, nil
	}
	pol, err := cluster.ParsePolicy(f.down)
	if err != nil {
		return nil, fmt.Errorf("--redis-down: %w", err)
	}
	o := cluster.Options{Addr: f.addr, Username: f.user, DB: f.db, Timeout: f.timeout, Password: os.Getenv("EDGEGATE_REDIS_PASSWORD")}
	if o.Password, err = secret(o.Password, "--redis-password-file", f.passFile); err != nil {
		return nil, err
	}
	if f.sentinels != "" {
		o.Sentinels = strings.Split(f.sentinels, ",")
		o.MasterName, o.SentinelUsername = f.master, f.sentUser
		if o.SentinelPassword, err = secret(os.Getenv("EDGEGATE_REDIS_SENTINEL_PASSWORD"), "--redis-sentinel-password-file", f.sentPassFile); err != nil {
			return nil, err
		}
	}
	if f.db < 0 {
		return nil, fmt.Errorf("--redis-db %d: must be 0 or more", f.db)
	}
	if f.tls || f.caFile != "" {
		tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: f.serverName}
		if f.caFile != "" {
			pem, err := os.ReadFile(f.caFile)
			if err != nil {
				return nil, fmt.Errorf("--redis-tls-ca: %w", err)
			}
			tc.RootCAs = x509.NewCertPool()
			if !tc.RootCAs.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("--redis-tls-ca: no PEM certificate in %s", f.caFile)
			}
		}
		o.TLS = tc
	}
	if err := o.Check(); err != nil {
		return nil, err
	}
	l := cluster.New(o, pol, log)
	cfg.Cluster = l
	return l, nil
}

// secret is the password in file (its trailing newline cut), or env when
// no file is named.
func secret(env, flag, file string) (string, error) {
	if file == "" {
		return env, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("%s: %w", flag, err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

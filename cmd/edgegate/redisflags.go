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
	db                                             int
	tls                                            bool
	timeout                                        time.Duration
}

func addRedisFlags(fs *flag.FlagSet, f *redisFlags) {
	fs.StringVar(&f.addr, "redis", "", "Redis host:port: make usage-plan QPS and quotas, API and plugin limits and environment strategies cluster-wide (default: each edge counts alone)")
	fs.StringVar(&f.user, "redis-user", "", "Redis ACL user name (default: AUTH with the password alone)")
	fs.StringVar(&f.passFile, "redis-password-file", "", "file holding the Redis password (or set EDGEGATE_REDIS_PASSWORD)")
	fs.IntVar(&f.db, "redis-db", 0, "Redis database number (SELECT)")
	fs.BoolVar(&f.tls, "redis-tls", false, "connect to Redis over TLS")
	fs.StringVar(&f.caFile, "redis-tls-ca", "", "PEM certificates that verify Redis's TLS certificate (default: the system's roots)")
	fs.StringVar(&f.serverName, "redis-tls-server-name", "", "name to verify in Redis's TLS certificate (default: the --redis host)")
	fs.DurationVar(&f.timeout, "redis-timeout", 500*time.Millisecond, "Redis dial and round-trip timeout; past it Redis counts as down")
	fs.StringVar(&f.down, "redis-down", cluster.DefaultPolicy, "while Redis is down: open (local limits) or closed (refuse), with per-limit overrides <limit id prefix>=open|closed")
}

// setup builds the lessor and hooks it into cfg; nil without --redis.
func (f *redisFlags) setup(cfg *edge.Config, log *slog.Logger) (*cluster.Lessor, error) {
	if f.addr == "" {
		return nil, nil
	}
	pol, err := cluster.ParsePolicy(f.down)
	if err != nil {
		return nil, fmt.Errorf("--redis-down: %w", err)
	}
	o := cluster.Options{Addr: f.addr, Username: f.user, DB: f.db, Timeout: f.timeout, Password: os.Getenv("EDGEGATE_REDIS_PASSWORD")}
	if f.passFile != "" {
		b, err := os.ReadFile(f.passFile)
		if err != nil {
			return nil, fmt.Errorf("--redis-password-file: %w", err)
		}
		o.Password = strings.TrimRight(string(b), "\r\n")
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

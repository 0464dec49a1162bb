package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/edgegate/edgegate/admin"
	"github.com/edgegate/edgegate/edge"
)

// edgeFlags registers the data-plane flags shared by run and edge.
func edgeFlags(fs *flag.FlagSet, cfg *edge.Config, underscores *string) {
	fs.StringVar(&cfg.Listen, "listen", edge.DefaultListen, "address callers reach the APIs on")
	fs.BoolVar(&cfg.ReusePort, "reuse-port", false, "share --listen with a process that already listens there, for a planned handover (default: refuse to start)")
	tlsFlags(fs, cfg)
	fs.IntVar(&cfg.Loops, "loops", 0, "event loops (0 = one per CPU)")
	fs.Func("io-batching", "how the event loops batch socket calls: auto (default: ring where the kernel allows it, else reads, else defer), ring (the loop waits in io_uring_enter: one system call per turn, a busy loop's waits collect several arrivals; Linux 6.1+), reads (epoll_wait, then each batch's reads, and its writes, in one io_uring_enter each), writes (only writes through io_uring), defer (writes at the batch's end, one per connection) or off", func(s string) (err error) {
		cfg.IOBatching, err = edge.ParseIOBatching(s)
		return err
	})
	fs.IntVar(&cfg.Limits.MaxRequestLine, "max-request-line", 0, "request line limit in bytes (default 8 KiB, 414 past it)")
	fs.IntVar(&cfg.Limits.MaxHeaderBytes, "max-header-bytes", 0, "request head limit in bytes (default 32 KiB, 431 past it)")
	fs.IntVar(&cfg.Limits.MaxHeaders, "max-headers", 0, "header field count limit (default 100, 431 past it)")
	fs.Int64Var(&cfg.MaxBodyBytes, "max-body-bytes", 0, "request body limit in bytes (default 16 MiB, 413 past it)")
	fs.DurationVar(&cfg.HeaderTimeout, "header-timeout", 0, "time to receive a request head (default 10s, 408)")
	fs.DurationVar(&cfg.IdleTimeout, "idle-timeout", 0, "keep-alive idle time (default 60s)")
	fs.DurationVar(&cfg.BodyTimeout, "body-timeout", 0, "longest pause inside a request body (default 60s, 408)")
	fs.DurationVar(&cfg.SendTimeout, "send-timeout", 0, "longest time a client may read nothing we send (default 60s)")
	fs.DurationVar(&cfg.ConnectTimeout, "connect-timeout", 0, "backend connect timeout (default 5s, 504)")
	fs.DurationVar(&cfg.DrainTimeout, "drain-timeout", 0, "graceful shutdown bound on SIGTERM (default 30s)")
	fs.IntVar(&cfg.UpstreamMaxIdle, "upstream-max-idle", 0, "idle keep-alive connections per backend target per loop (default 128)")
	fs.DurationVar(&cfg.UpstreamIdleTimeout, "upstream-idle-timeout", 0, "close idle backend connections after (default 30s)")
	fs.IntVar(&cfg.MaxConns, "max-conns", 0, "client connection cap (503 past it)")
	fs.BoolVar(&cfg.XFFReplace, "xff-replace", false, "send X-Forwarded-For as the client address only (default: append)")
	fs.StringVar(underscores, "underscore-headers", "drop", "request header names with '_': drop, reject (400) or allow")
	ipControlFlags(fs, cfg)
	fs.IntVar(&cfg.LimiterKeys, "limiter-keys", 0, "rate limiter key table capacity: distinct client IPs, apps and parameter values counted at once, 84 bytes each (default 1048576)")
	fs.BoolVar(&cfg.AuthCheckDate, "auth-check-date", false, "key-pair auth: check a Date header within 15 minutes too (default: only X-Date is checked, as the seed says)")
}

func parseUnderscores(s string, cfg *edge.Config) error {
	switch s {
	case "drop":
		cfg.Underscores = edge.UnderscoreDrop
	case "reject":
		cfg.Underscores = edge.UnderscoreReject
	case "allow":
		cfg.Underscores = edge.UnderscoreAllow
	default:
		return fmt.Errorf("--underscore-headers must be drop, reject or allow")
	}
	return nil
}

// accessFlags registers the keys, usage plans and apps flags shared by run
// and admin (README "Keys, usage plans and apps").
func accessFlags(fs *flag.FlagSet, l *admin.Limits, secretKeyFile *string) {
	fs.StringVar(secretKeyFile, "secret-key-file", "", "master key file (32 bytes or 64 hex digits; created 0600 if absent) sealing API key and app secrets in the store; without it they are stored in clear")
	fs.IntVar(&l.ActionRate, "action-rate", 0, "requests per second per Action and SecretId (default 20, DescribeApi 100: seed 默认接口请求频率限制), and per Huawei REST operation and AK (default 20); -1 lifts the rates, for bulk loads")
	fs.IntVar(&l.UsagePlans, "max-usage-plans", 0, "tenant limit on usage plans (default 200, seed 使用限制)")
	fs.IntVar(&l.ApiKeys, "max-api-keys", 0, "tenant limit on API keys (default 400)")
	fs.IntVar(&l.KeysPerPlan, "max-keys-per-plan", 0, "API keys one usage plan may hold (default 50)")
	fs.IntVar(&l.PlansPerKey, "max-plans-per-key", 0, "usage plans one API key may be bound to (default 10)")
	fs.IntVar(&l.ApiApps, "max-api-apps", 0, "tenant limit on applications (default 400)")
}

// domainFlags registers the custom-domain and certificate settings shared
// by run and admin (README "Custom domains and certificates").
func domainFlags(fs *flag.FlagSet, l *admin.Limits, expiryWarning *time.Duration) {
	fs.IntVar(&l.DomainsPerService, "max-domains-per-service", 0, "custom domains one service may bind (default 5, seed 独立域名及证书)")
	fs.IntVar(&l.Certificates, "max-certificates", 0, "tenant limit on stored certificates (default 100)")
	fs.DurationVar(expiryWarning, "cert-expiry-warning", 0, "log certificates expiring within this, at start and daily (default 720h)")
}

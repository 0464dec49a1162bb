package main

import (
	"flag"

	"github.com/edgegate/edgegate/edge"
)

// tlsFlags registers the HTTPS listener's flags, shared by run and edge
// (README "HTTPS"). Certificates for custom domains come from the control
// plane (or the --config file); --tls-cert/--tls-key are the default one.
func tlsFlags(fs *flag.FlagSet, cfg *edge.Config) {
	fs.StringVar(&cfg.TLSListen, "tls-listen", "", "address of the HTTPS listener, beside --listen on the same event loops (default: no HTTPS)")
	fs.StringVar(&cfg.TLSCertFile, "tls-cert", "", "PEM certificate chain served when no certificate of the configuration matches the SNI and none is the default")
	fs.StringVar(&cfg.TLSKeyFile, "tls-key", "", "PEM private key of --tls-cert")
	fs.IntVar(&cfg.PublicHTTPSPort, "public-https-port", 0, "port that forced-HTTPS redirects name (default: the --tls-listen port; 443 is left out)")
}

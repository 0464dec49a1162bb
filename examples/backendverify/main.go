// Command backendverify is a backend that serves only requests Edgegate
// signed with the signature key bound to its API (package backendsign):
// anything else gets 401 and the reason. It answers a verified request
// with what it verified, as JSON: method, path, query, headers and body.
//
//	EDGEGATE_SIGN_TYPE=hmac EDGEGATE_SIGN_KEY=... EDGEGATE_SIGN_SECRET=... \
//	  backendverify -listen 127.0.0.1:8081
//
// The key comes from the environment (not the command line, which other
// users can read): EDGEGATE_SIGN_TYPE (hmac, basic or aes),
// EDGEGATE_SIGN_KEY, EDGEGATE_SIGN_SECRET and, for aes,
// EDGEGATE_SIGN_ALGORITHM (aes-128-cfb or aes-256-cfb): the sign_type,
// sign_key, sign_secret and sign_algorithm of `POST .../signs`. It prints
// "listening on <address>" once it accepts connections.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"

	"github.com/edgegate/edgegate/backendsign"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8081", "address to serve on")
	unsigned := flag.Bool("allow-unsigned-payload", false, "accept bodies the gateway streamed unhashed (X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD)")
	flag.Parse()
	key, err := backendsign.NewKey(os.Getenv("EDGEGATE_SIGN_TYPE"), os.Getenv("EDGEGATE_SIGN_KEY"),
		os.Getenv("EDGEGATE_SIGN_SECRET"), os.Getenv("EDGEGATE_SIGN_ALGORITHM"))
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("listening on", ln.Addr())
	opts := &backendsign.Options{AllowUnsignedPayload: *unsigned}
	log.Fatal(http.Serve(ln, backendsign.Middleware(key, opts, http.HandlerFunc(echo))))
}

// echo answers what was verified.
func echo(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h := r.Header.Clone()
	h.Set("Host", r.Host)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"method": r.Method, "path": r.URL.EscapedPath(), "query": r.URL.RawQuery, "headers": h, "body": string(body),
	})
}

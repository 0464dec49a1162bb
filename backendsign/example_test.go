package backendsign_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/edgegate/edgegate/backendsign"
)

// A backend behind Edgegate checks that a request came through the
// gateway: the key is the signature key bound to its API (sign_type,
// sign_key, sign_secret and, for aes, sign_algorithm as created over
// `POST .../signs`).
func ExampleMiddleware() {
	key, err := backendsign.NewKey(backendsign.TypeHMAC, "backend_key_01", "backend-secret-0123456789", "")
	if err != nil {
		panic(err)
	}
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body) // still there after the check
		fmt.Fprintf(w, "hello %s", body)
	})
	srv := httptest.NewServer(backendsign.Middleware(key, nil, api))
	defer srv.Close()

	// What the gateway sends (SignRequest signs as the edge does).
	req, _ := http.NewRequest("POST", srv.URL+"/orders?id=7", strings.NewReader("gateway"))
	req.Header.Set("Content-Type", "text/plain")
	// Only signed headers may reach the backend: name the ones Go's
	// client would add by itself.
	req.Header.Set("User-Agent", "gateway")
	req.Header.Set("Accept-Encoding", "identity")
	backendsign.SignRequest(req, key, []byte("gateway"), time.Now())
	show(req)

	// Anyone else, or a changed request, gets 401.
	forged, _ := http.NewRequest("POST", srv.URL+"/orders?id=8", strings.NewReader("gateway"))
	forged.Header = req.Header.Clone()
	show(forged)
	// Output:
	// 200 hello gateway
	// 401 backendsign: signature mismatch
}

func show(r *http.Request) {
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, strings.TrimSpace(string(b)))
}

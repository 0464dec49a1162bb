package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestAssertedHeadersNotForgeable: X-Secret-ID and X-UsagePlan-ID reach a
// backend only as the gateway's verdict. A client's copies (any case, any
// number) are dropped on an API without auth, and on a key-pair API the
// backend sees the verified key and plan alone; so one backend behind
// both kinds of API can trust them.
func TestAssertedHeadersNotForgeable(t *testing.T) {
	up := startUpstream(t)
	g := startGateway(t, accessConfig(up, keyA, "AKIDa"))
	forged := "X-Secret-ID: forged\r\nx-secret-id: AKIDb\r\nX-SECRET-ID:forged\r\n" +
		"X-UsagePlan-ID: forged\r\nx-usageplan-id:\tusagePlan-b\r\n"
	date := httpDate(time.Now())
	h := map[string]string{"X-Date": date, "Source": "e2e"}
	signed := "X-Date: " + date + "\r\nSource: e2e\r\nAuthorization: " +
		seedKeyPairAuth("AKIDa", "secret-a", "hmac-sha1", []string{"X-Date", "Source"}, h) + "\r\n"
	conn := g.raw()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(conn)
	for _, tc := range []struct {
		name, path, auth string
		secret, plan     []string // what the backend must see
	}{
		{"no auth", "/echo/x", "", nil, nil},
		{"key pair", "/sec/x", signed, []string{"AKIDa"}, []string{"usagePlan-a"}},
	} {
		fmt.Fprintf(conn, "GET /release%s HTTP/1.1\r\nHost: %s\r\n%s%s\r\n", tc.path, g.Host, forged, tc.auth)
		resp, body := readResponse(t, br, "GET")
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", tc.name, resp.StatusCode, body)
		}
		var e echoed
		if err := json.Unmarshal(body, &e); err != nil {
			t.Fatalf("%s: %v: %s", tc.name, err, body)
		}
		got := http.Header(e.Headers)
		if v := got.Values("X-Secret-Id"); strings.Join(v, ",") != strings.Join(tc.secret, ",") {
			t.Errorf("%s: the backend saw X-Secret-ID %q, want %q", tc.name, v, tc.secret)
		}
		if v := got.Values("X-Usageplan-Id"); strings.Join(v, ",") != strings.Join(tc.plan, ",") {
			t.Errorf("%s: the backend saw X-UsagePlan-ID %q, want %q", tc.name, v, tc.plan)
		}
	}
}

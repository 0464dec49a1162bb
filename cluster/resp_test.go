package cluster

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/redistest"
)

// fakeConn is a conn reading the canned replies in.
func fakeConn(in string) *conn {
	a, b := net.Pipe()
	go func() {
		buf := make([]byte, 4096)
		b.Read(buf) // the request
		b.Write([]byte(in))
		b.Close()
	}()
	return &conn{nc: a, r: bufio.NewReader(a), w: bufio.NewWriter(a), timeout: time.Second}
}

// RESP2 replies parse to strings, integers, nil, arrays and error values;
// a malformed reply is an error, never a panic or a wrong value.
func TestRESPReplies(t *testing.T) {
	c := fakeConn("+OK\r\n-NOSCRIPT No matching script\r\n:42\r\n$5\r\nhello\r\n$-1\r\n*2\r\n:1\r\n:2\r\n")
	c.write("PING")
	r, err := c.flush(6)
	if err != nil {
		t.Fatal(err)
	}
	if r[0] != "OK" || r[2] != int64(42) || r[3] != "hello" || r[4] != nil {
		t.Errorf("replies %#v", r)
	}
	if e, ok := r[1].(redisError); !ok || !strings.HasPrefix(string(e), "NOSCRIPT") {
		t.Errorf("error reply %#v", r[1])
	}
	if a, ok := r[5].([]any); !ok || len(a) != 2 || a[1] != int64(2) {
		t.Errorf("array %#v", r[5])
	}
	for _, bad := range []string{"?x\r\n", ":12x\r\n", "$99999999999\r\n", "*-5\r\n", "+OK\n", "$5\r\nhi\r\n"} {
		c := fakeConn(bad)
		c.write("PING")
		if r, err := c.flush(1); err == nil {
			t.Errorf("%q: %#v, want an error", bad, r)
		}
	}
}

// AUTH: the right password connects, a wrong one is Redis's error.
func TestDialAuth(t *testing.T) {
	r := redistest.Start(t, "--requirepass", "s3cret")
	c, err := dial(&Options{Addr: r.Addr, Password: "s3cret", DB: 1, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c.close()
	if _, err := dial(&Options{Addr: r.Addr, Password: "wrong", Timeout: time.Second}); err == nil || !strings.Contains(err.Error(), "WRONGPASS") {
		t.Errorf("wrong password: %v", err)
	}
	if _, err := dial(&Options{Addr: r.Addr, Timeout: time.Second}); err == nil || !strings.Contains(err.Error(), "NOAUTH") {
		t.Errorf("no password: %v", err)
	}
}

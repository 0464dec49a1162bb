package freeport

import (
	"net"
	"strconv"
	"testing"
)

// TestGetNeverRepeats: ports from Get are distinct (the kernel readily
// hands a closed probe's port to the next probe) and bindable.
func TestGetNeverRepeats(t *testing.T) {
	seen := map[int]bool{}
	for range 500 {
		p, err := Get()
		if err != nil {
			t.Fatal(err)
		}
		if seen[p] {
			t.Fatalf("port %d handed out twice", p)
		}
		seen[p] = true
	}
	p, err := Get()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
	if err != nil {
		t.Fatalf("a port from Get does not bind: %v", err)
	}
	ln.Close()
}

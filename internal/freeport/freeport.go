// Package freeport hands out loopback TCP ports nothing listens on, for
// tests and the benchmark harness that start processes on them.
//
// The kernel may give a port that was just probed and closed to the next
// probe at once, so two ports asked for one after the other can be the
// same (e2e: a gateway given one port for --admin-listen and
// --metrics-listen could not start). Get never returns a port it returned
// before in this process.
package freeport

import (
	"errors"
	"net"
	"sync"
)

var (
	mu    sync.Mutex
	given = map[int]bool{}
)

// Get returns a loopback port that nothing listened on when it was probed
// and that this process was not given before.
func Get() (int, error) {
	mu.Lock()
	defer mu.Unlock()
	for range 100 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if !given[port] {
			given[port] = true
			return port, nil
		}
	}
	return 0, errors.New("freeport: every probed port was handed out before")
}

package main

import (
	"errors"
	"os"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// The counter counts this process's calls by number, and only its own.
func TestSysCountCountsOwnCalls(t *testing.T) {
	c, err := startSysCount([]int{os.Getpid()})
	if errors.Is(err, errNoBPF) {
		t.Skipf("the kernel refuses the BPF counter: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	const n = 5000
	for i := 0; i < n; i++ {
		syscall.RawSyscall(unix.SYS_GETPPID, 0, 0, 0)
	}
	counts, err := c.read()
	if err != nil {
		t.Fatal(err)
	}
	if got := counts[unix.SYS_GETPPID]; got < n || got > n+100 {
		t.Fatalf("getppid counted %d times, want %d", got, n)
	}
	groups, _ := sysGroups(counts)
	var other uint64
	for _, g := range groups {
		if g.Name == "other" {
			other = g.Calls
		}
	}
	if other < n {
		t.Fatalf("getppid not grouped as other: %+v", groups)
	}

	// A counter for another pid sees none of ours.
	c2, err := startSysCount([]int{os.Getppid()})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.close()
	for i := 0; i < 100; i++ {
		syscall.RawSyscall(unix.SYS_GETPPID, 0, 0, 0)
	}
	counts, err = c2.read()
	if err != nil {
		t.Fatal(err)
	}
	if got := counts[unix.SYS_GETPPID]; got >= 100 {
		t.Fatalf("the parent's counter saw our getppid calls (%d)", got)
	}
}

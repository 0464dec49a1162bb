package main

import "golang.org/x/sys/unix"

// addArchNames adds the x86-64-only calls (arm64 has only epoll_pwait).
func addArchNames(m map[int]string) {
	m[unix.SYS_EPOLL_WAIT] = "epoll_wait"
	m[unix.SYS_ACCEPT] = "accept"
	m[unix.SYS_SELECT] = "select"
	m[unix.SYS_POLL] = "poll"
}

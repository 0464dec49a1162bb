package main

import "golang.org/x/sys/unix"

// syscallNames names the syscall numbers of this architecture that a
// proxy, nginx or the Go runtime make under load; others print as #N.
var syscallNames = func() map[int]string {
	m := map[int]string{
		unix.SYS_READ: "read", unix.SYS_WRITE: "write", unix.SYS_READV: "readv", unix.SYS_WRITEV: "writev",
		unix.SYS_RECVFROM: "recvfrom", unix.SYS_SENDTO: "sendto", unix.SYS_RECVMSG: "recvmsg", unix.SYS_SENDMSG: "sendmsg",
		unix.SYS_RECVMMSG: "recvmmsg", unix.SYS_SENDMMSG: "sendmmsg",
		unix.SYS_EPOLL_PWAIT: "epoll_pwait", unix.SYS_EPOLL_PWAIT2: "epoll_pwait2", unix.SYS_EPOLL_CTL: "epoll_ctl",
		unix.SYS_IO_URING_ENTER: "io_uring_enter",
		unix.SYS_FUTEX:          "futex", unix.SYS_NANOSLEEP: "nanosleep", unix.SYS_CLOCK_NANOSLEEP: "clock_nanosleep",
		unix.SYS_SCHED_YIELD: "sched_yield", unix.SYS_MADVISE: "madvise", unix.SYS_MMAP: "mmap", unix.SYS_MUNMAP: "munmap",
		unix.SYS_CLOSE: "close", unix.SYS_ACCEPT4: "accept4", unix.SYS_CONNECT: "connect", unix.SYS_SOCKET: "socket",
		unix.SYS_GETSOCKOPT: "getsockopt", unix.SYS_SETSOCKOPT: "setsockopt", unix.SYS_SHUTDOWN: "shutdown",
		unix.SYS_TGKILL: "tgkill", unix.SYS_RT_SIGRETURN: "rt_sigreturn", unix.SYS_GETPID: "getpid", unix.SYS_GETTID: "gettid",
		unix.SYS_RT_SIGPROCMASK: "rt_sigprocmask", unix.SYS_OPENAT: "openat", unix.SYS_FSTAT: "fstat",
		unix.SYS_GETRUSAGE: "getrusage", unix.SYS_CLOCK_GETTIME: "clock_gettime", unix.SYS_IOCTL: "ioctl", unix.SYS_PIPE2: "pipe2", unix.SYS_SPLICE: "splice",
	}
	addArchNames(m)
	return m
}()

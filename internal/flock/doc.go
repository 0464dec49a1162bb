// Package flock takes exclusive advisory locks on files for the life of a
// process and says who holds one: the data directory of an edge, the
// listen address of a gateway, the store of an admin.
//
// The lock is flock(2) on an open file description, so the kernel drops it
// when the process dies however it dies (kill -9 included), and a second
// Acquire in the same process is refused too. The holder writes its pid and
// a note into the file; a refused Acquire reads them back for its error.
// Release keeps the file; Remove deletes it, and Acquire checks after
// locking that the name still leads to the inode it locked, so a removal
// never lets two processes hold two inodes under one name.
//
// Linux only (syscall.Flock); it imports only the standard library.
package flock

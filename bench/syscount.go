package main

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/rlimit"
)

// Syscall counting (issue 18): an eBPF program on the raw tracepoint
// sys_enter counts, per syscall number, the system calls made by the
// processes under test (their tgids are keys of a hash map, so a peer's
// whole process tree counts: nginx's master and worker). It is built from
// instructions here (no C, no tracefs: a raw tracepoint is attached by
// name) and attached only for the bounded run it measures; while attached
// it runs on every system call of the machine (a map lookup, tens of ns),
// which is why it is kept out of the throughput rounds.

// maxSyscallNr bounds the per-number counters (x86-64 and arm64 numbers
// are below 512).
const maxSyscallNr = 512

// sysCounter is one attached counter.
type sysCounter struct {
	pids   *ebpf.Map // tgid (u32) → 1
	counts *ebpf.Map // per-CPU array: syscall number → count
	prog   *ebpf.Program
	lnk    link.Link
}

// errNoBPF says the kernel (or the container) refused the counter.
var errNoBPF = errors.New("syscall counter unavailable")

// startSysCount attaches a counter for the given process ids.
func startSysCount(pids []int) (*sysCounter, error) {
	if err := rlimit.RemoveMemlock(); err != nil {
		return nil, fmt.Errorf("%w: memlock: %v", errNoBPF, err)
	}
	c := &sysCounter{}
	var err error
	c.pids, err = ebpf.NewMap(&ebpf.MapSpec{Type: ebpf.Hash, KeySize: 4, ValueSize: 4, MaxEntries: 256})
	if err != nil {
		return nil, fmt.Errorf("%w: pid map: %v", errNoBPF, err)
	}
	c.counts, err = ebpf.NewMap(&ebpf.MapSpec{Type: ebpf.PerCPUArray, KeySize: 4, ValueSize: 8, MaxEntries: maxSyscallNr})
	if err != nil {
		c.close()
		return nil, fmt.Errorf("%w: count map: %v", errNoBPF, err)
	}
	for _, p := range pids {
		if err := c.pids.Put(uint32(p), uint32(1)); err != nil {
			c.close()
			return nil, fmt.Errorf("%w: pid map: %v", errNoBPF, err)
		}
	}
	c.prog, err = ebpf.NewProgram(&ebpf.ProgramSpec{
		Type:         ebpf.RawTracepoint,
		License:      "Dual BSD/GPL",
		Instructions: sysCountProg(c.pids.FD(), c.counts.FD()),
	})
	if err != nil {
		c.close()
		return nil, fmt.Errorf("%w: load: %v", errNoBPF, err)
	}
	c.lnk, err = link.AttachRawTracepoint(link.RawTracepointOptions{Name: "sys_enter", Program: c.prog})
	if err != nil {
		c.close()
		return nil, fmt.Errorf("%w: attach sys_enter: %v", errNoBPF, err)
	}
	return c, nil
}

// sysCountProg is the counter: if the caller's tgid is in pids, add one to
// counts[nr] on this CPU (per-CPU slots: no atomics).
// The raw sys_enter context is (struct pt_regs *regs, long id).
func sysCountProg(pidsFD, countsFD int) asm.Instructions {
	prog := asm.Instructions{
		asm.Mov.Reg(asm.R6, asm.R1), // ctx
		asm.FnGetCurrentPidTgid.Call(),
		asm.RSh.Imm(asm.R0, 32), // tgid
	}
	prog = append(prog, lookupOrOut(pidsFD, -4, asm.R0)...)
	prog = append(prog,
		asm.LoadMem(asm.R1, asm.R6, 8, asm.DWord), // id
		asm.JGE.Imm(asm.R1, maxSyscallNr, "out"),  // unsigned: -1 too
	)
	prog = append(prog, lookupOrOut(countsFD, -8, asm.R1)...)
	return append(prog,
		asm.LoadMem(asm.R1, asm.R0, 0, asm.DWord),
		asm.Add.Imm(asm.R1, 1),
		asm.StoreMem(asm.R0, 0, asm.R1, asm.DWord),
		asm.Mov.Imm(asm.R0, 0).WithSymbol("out"),
		asm.Return(),
	)
}

// lookupOrOut looks the u32 in key up in the map (through the stack at
// off) and jumps to "out" when it is absent; R0 then points at the value.
func lookupOrOut(mapFD int, off int16, key asm.Register) asm.Instructions {
	return asm.Instructions{
		asm.StoreMem(asm.RFP, off, key, asm.Word),
		asm.LoadMapPtr(asm.R1, mapFD),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, int32(off)),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "out"),
	}
}

// read sums the per-CPU counters: syscall number → calls since attach.
func (c *sysCounter) read() (map[int]uint64, error) {
	out := map[int]uint64{}
	var vals []uint64
	for nr := uint32(0); nr < maxSyscallNr; nr++ {
		if err := c.counts.Lookup(nr, &vals); err != nil {
			return nil, fmt.Errorf("read syscall counts: %w", err)
		}
		var sum uint64
		for _, v := range vals {
			sum += v
		}
		if sum > 0 {
			out[int(nr)] = sum
		}
	}
	return out, nil
}

func (c *sysCounter) close() {
	if c.lnk != nil {
		_ = c.lnk.Close()
	}
	if c.prog != nil {
		_ = c.prog.Close()
	}
	if c.counts != nil {
		_ = c.counts.Close()
	}
	if c.pids != nil {
		_ = c.pids.Close()
	}
}

// sysGroup is one column of the syscall table: the calls of a kind.
type sysGroup struct {
	Name  string `json:"name"`
	Calls uint64 `json:"calls"`
}

// sysGroups puts raw counts into the report's groups (reads, writes,
// epoll_wait, epoll_ctl, everything else), biggest "other" numbers named.
func sysGroups(counts map[int]uint64) (groups []sysGroup, other string) {
	sum := map[string]uint64{}
	var rest []sysGroup
	for nr, n := range counts {
		name, ok := syscallNames[nr]
		if !ok {
			name = fmt.Sprintf("#%d", nr)
		}
		g := syscallGroup[name]
		if g == "" {
			g = "other"
			rest = append(rest, sysGroup{name, n})
		}
		sum[g] += n
	}
	for _, g := range sysGroupOrder {
		groups = append(groups, sysGroup{g, sum[g]})
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i].Calls > rest[j].Calls })
	var b strings.Builder
	for i, r := range rest {
		if i == 4 {
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %d", r.Name, r.Calls)
	}
	return groups, b.String()
}

var sysGroupOrder = []string{"read", "write", "epoll_wait", "epoll_ctl", "io_uring", "other"}

// syscallGroup sorts the syscalls a proxy makes per request.
var syscallGroup = map[string]string{
	"read": "read", "readv": "read", "recvfrom": "read", "recvmsg": "read", "recvmmsg": "read",
	"write": "write", "writev": "write", "sendto": "write", "sendmsg": "write", "sendmmsg": "write",
	"epoll_wait": "epoll_wait", "epoll_pwait": "epoll_wait", "epoll_pwait2": "epoll_wait",
	"epoll_ctl":      "epoll_ctl",
	"io_uring_enter": "io_uring",
}

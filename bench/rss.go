package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clkTck is USER_HZ, the unit of utime/stime in /proc/PID/stat (100 on
// every Linux architecture Go supports).
const clkTck = 100

// procTree returns root and all its descendants (nginx master + worker).
func procTree(root int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return []int{root}
	}
	children := map[int][]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		ppid, _, _, err := readTimes(pid)
		if err != nil {
			continue
		}
		children[ppid] = append(children[ppid], pid)
	}
	out := []int{root}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

// readTimes returns the parent pid, utime and stime (in clock ticks).
func readTimes(pid int) (ppid int, ut, st uint64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, 0, err
	}
	// The command name is in parentheses and may contain spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 > len(b) {
		return 0, 0, 0, fmt.Errorf("/proc/%d/stat: malformed", pid)
	}
	f := strings.Fields(string(b[i+2:]))
	// f[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
	if len(f) < 13 {
		return 0, 0, 0, fmt.Errorf("/proc/%d/stat: short", pid)
	}
	ppid, err = strconv.Atoi(f[1])
	if err != nil {
		return 0, 0, 0, err
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, 0, fmt.Errorf("/proc/%d/stat: bad times", pid)
	}
	return ppid, ut, st, nil
}

// rssKiB is VmRSS from /proc/PID/status.
func rssKiB(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			fs := strings.Fields(rest) // "1234 kB"
			if len(fs) >= 1 {
				return strconv.ParseInt(fs[0], 10, 64)
			}
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no VmRSS", pid)
}

// treeRSS sums VmRSS over pids (processes that are gone count 0).
func treeRSS(pids []int) int64 {
	var sum int64
	for _, pid := range pids {
		if kb, err := rssKiB(pid); err == nil {
			sum += kb
		}
	}
	return sum
}

// treeTicks sums utime+stime over pids.
func treeTicks(pids []int) uint64 {
	t, _ := treeTimes(pids)
	return t
}

// treeTimes sums utime+stime, and utime alone, over pids.
func treeTimes(pids []int) (total, user uint64) {
	for _, pid := range pids {
		if _, ut, st, err := readTimes(pid); err == nil {
			total += ut + st
			user += ut
		}
	}
	return total, user
}

// rssSampler records the peak of treeRSS while a run goes on.
type rssSampler struct {
	pids []int
	stop chan struct{}
	wg   sync.WaitGroup
	peak int64
}

func startRSSSampler(pids []int, every time.Duration) *rssSampler {
	s := &rssSampler{pids: pids, stop: make(chan struct{}), peak: treeRSS(pids)}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				if v := treeRSS(s.pids); v > s.peak {
					s.peak = v
				}
			}
		}
	}()
	return s
}

// Stop ends sampling and returns the peak in KiB.
func (s *rssSampler) Stop() int64 {
	close(s.stop)
	s.wg.Wait()
	if v := treeRSS(s.pids); v > s.peak {
		s.peak = v
	}
	return s.peak
}

// cpuTimes is one line of /proc/stat: busy and total jiffies of a CPU.
type cpuTimes struct{ busy, total uint64 }

// readCPUTimes returns per-CPU times keyed "cpu0", "cpu1", ….
func readCPUTimes() map[string]cpuTimes {
	out := map[string]cpuTimes{}
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || !strings.HasPrefix(f[0], "cpu") || f[0] == "cpu" {
			continue
		}
		var t cpuTimes
		for i, v := range f[1:] {
			n, _ := strconv.ParseUint(v, 10, 64)
			if i >= 8 { // guest and guest_nice are already in user and nice
				break
			}
			t.total += n
			if i != 3 && i != 4 { // idle, iowait
				t.busy += n
			}
		}
		out[f[0]] = t
	}
	return out
}

// busyPct is how busy cpu was between two readings, in percent.
func busyPct(a, b map[string]cpuTimes, cpu string) float64 {
	x, y := a[cpu], b[cpu]
	if y.total <= x.total {
		return 0
	}
	return 100 * float64(y.busy-x.busy) / float64(y.total-x.total)
}

package edge

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/edgegate/edgegate/internal/atomicfile"
	"github.com/edgegate/edgegate/limiter"
)

// QuotaFile is the usage-plan quota counts' file in the data directory
// (README "Rate limiting": quota persistence).
const QuotaFile = "quota.json"

type quotaFileV1 struct {
	Version int                  `json:"version"`
	Quotas  []limiter.QuotaCount `json:"quotas"`
}

// LoadQuotas restores the usage-plan quota counts (MaxRequestNum) saved in
// path; a missing file is an empty one. Call it before Start.
func (s *Server) LoadQuotas(path string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var f quotaFileV1
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("edge: %s is damaged (%v); move it away to start the quotas from zero", path, err)
	}
	s.lim.Restore(f.Quotas)
	return nil
}

// QuotaCounts are the current quota counts, sorted by id.
func (s *Server) QuotaCounts() []limiter.QuotaCount { return s.lim.Snapshot(nil) }

// QuotaSaver writes the quota counts to a file atomically
// (internal/atomicfile), skipping writes that would not change it.
type QuotaSaver struct {
	s    *Server
	path string
	last []byte
}

// NewQuotaSaver returns a saver of s's quota counts into path.
func (s *Server) NewQuotaSaver(path string) *QuotaSaver { return &QuotaSaver{s: s, path: path} }

// Save writes the counts if they changed since the last Save.
func (q *QuotaSaver) Save() error {
	b, err := json.Marshal(quotaFileV1{Version: 1, Quotas: q.s.lim.Snapshot(nil)})
	if err != nil {
		return err
	}
	if q.last != nil && bytes.Equal(b, q.last) {
		return nil
	}
	if err := atomicfile.WriteFile(q.path, append(b, '\n'), 0o600); err != nil {
		return err
	}
	q.last = b
	return nil
}

// Run saves every interval until stop is closed, then once more (the
// final save after a graceful stop, so it loses no count; a crash loses
// at most one interval's worth). done is closed after the final save.
func (q *QuotaSaver) Run(every time.Duration, stop <-chan struct{}, done chan<- struct{}, onErr func(error)) {
	defer close(done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			if err := q.Save(); err != nil && onErr != nil {
				onErr(err)
			}
			return
		case <-t.C:
			if err := q.Save(); err != nil && onErr != nil {
				onErr(err)
			}
		}
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/edgegate/edgegate/edge"
	"github.com/edgegate/edgegate/internal/atomicfile"
	"github.com/edgegate/edgegate/limiter"
)

// quotaFile keeps the usage-plan quota counts in the data directory
// (README "Rate limiting": quota persistence).
const quotaFile = "quota.json"

type quotaFileV1 struct {
	Version int                  `json:"version"`
	Quotas  []limiter.QuotaCount `json:"quotas"`
}

// loadQuotas reads path; a missing file is an empty one.
func loadQuotas(path string) ([]limiter.QuotaCount, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var f quotaFileV1
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s is damaged (%v); move it away to start the quotas from zero", path, err)
	}
	return f.Quotas, nil
}

// quotaSaver writes the counts atomically, skipping unchanged ones.
type quotaSaver struct {
	srv  *edge.Server
	path string
	last []byte
}

func (q *quotaSaver) save() error {
	b, err := json.Marshal(quotaFileV1{Version: 1, Quotas: q.srv.QuotaCounts()})
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

// startQuotas restores the usage-plan quota counts from <data>/quota.json
// and saves them every second; the returned stop saves them a last time
// (deferred, it runs after the engine has drained, so a graceful stop
// loses no count; a kill -9 loses at most a second's worth).
func startQuotas(srv *edge.Server, data string, log *slog.Logger) (func(), error) {
	path := filepath.Join(data, quotaFile)
	counts, err := loadQuotas(path)
	if err != nil {
		return nil, err
	}
	srv.RestoreQuotas(counts)
	q := &quotaSaver{srv: srv, path: path}
	stop, done := make(chan struct{}), make(chan struct{})
	report := func() {
		if err := q.save(); err != nil {
			log.Error("saving quota counts", "path", path, "err", err)
		}
	}
	go func() {
		defer close(done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				report()
				return
			case <-t.C:
				report()
			}
		}
	}()
	return func() { close(stop); <-done }, nil
}

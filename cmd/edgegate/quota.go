package main

import (
	"log/slog"
	"path/filepath"
	"time"

	"github.com/edgegate/edgegate/edge"
)

// startQuotas restores the usage-plan quota counts from <data>/quota.json
// and saves them every second; the returned stop saves them a last time
// (call it after the engine has drained, so a graceful stop loses no
// count; a kill -9 loses at most a second's worth).
func startQuotas(srv *edge.Server, data string, log *slog.Logger) (func(), error) {
	path := filepath.Join(data, edge.QuotaFile)
	if err := srv.LoadQuotas(path); err != nil {
		return nil, err
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go srv.NewQuotaSaver(path).Run(time.Second, stop, done, func(err error) {
		log.Error("saving quota counts", "path", path, "err", err)
	})
	return func() { close(stop); <-done }, nil
}

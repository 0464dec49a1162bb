package edge

import (
	"fmt"
	"log/slog"
	"os"
)

// gnetLogger sends gnet's log lines to the server's slog logger; gnet's
// informational chatter is dropped.
type gnetLogger struct{ log *slog.Logger }

func (g gnetLogger) Debugf(string, ...any) {}
func (g gnetLogger) Infof(string, ...any)  {}
func (g gnetLogger) Warnf(f string, a ...any) {
	g.log.Warn("gnet: " + fmt.Sprintf(f, a...))
}
func (g gnetLogger) Errorf(f string, a ...any) {
	g.log.Error("gnet: " + fmt.Sprintf(f, a...))
}
func (g gnetLogger) Fatalf(f string, a ...any) {
	g.log.Error("gnet: " + fmt.Sprintf(f, a...))
	os.Exit(1)
}

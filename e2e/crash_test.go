package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/edgegate/edgegate/admin/tcapi"
)

// TestCrashKeepsAcknowledgedWrites kills -9 the gateway in the middle of a
// stream of Actions, restarts it, and finds every acknowledged write and a
// working edge.
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	cp := startControlPlane(t, "--max-services", "1000")
	c := cp.client()
	sc := cp.sdk("", "")
	base := sdkCreateService(sc, "base")
	sdkAPI(sc, base, "/alive")
	sdkRelease(sc, base)

	acked := map[string]string{} // ServiceId -> name
	for round := range 3 {
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("r%dn%d", round, i)
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				raw, err := c.Call(ctx, "CreateService", map[string]any{"ServiceName": name, "Protocol": "http"})
				cancel()
				var apiErr *tcapi.Error
				switch {
				case err == nil:
					var r struct{ ServiceId string }
					json.Unmarshal(raw, &r)
					acked[r.ServiceId] = name
				case errors.As(err, &apiErr) && apiErr.Code == "RequestLimitExceeded":
					time.Sleep(20 * time.Millisecond) // pacing: the Action API's rate limit
				default:
					return // the process died under us: this write was not acknowledged
				}
			}
		}()
		time.Sleep(time.Duration(300+rand.IntN(700)) * time.Millisecond) // the kill comes at a random moment: the behaviour under test
		cp.stop(syscall.SIGKILL)
		close(stop)
		<-done
		cp.start()
		if a := cp.edge(base).get("/alive"); !says("alive")(a) {
			t.Fatalf("round %d: after the restart the edge answers %v", round, a)
		}
	}
	if len(acked) < 10 {
		t.Fatalf("only %d writes were acknowledged before the kills", len(acked))
	}
	stored := map[string]string{}
	for offset := 0; ; offset += 100 {
		var r struct {
			Result struct {
				TotalCount int
				ServiceSet []struct{ ServiceId, ServiceName string }
			}
		}
		mustCall(t, c, "DescribeServicesStatus", map[string]any{"Limit": 100, "Offset": offset}, &r)
		for _, s := range r.Result.ServiceSet {
			stored[s.ServiceId] = s.ServiceName
		}
		if offset+100 >= r.Result.TotalCount {
			break
		}
	}
	for id, name := range acked {
		if stored[id] != name {
			t.Errorf("acknowledged service %s (%s) is missing after the crashes (found %q)", id, name, stored[id])
		}
	}
	t.Logf("%d acknowledged writes survived 3 kill -9s", len(acked))
}

// TestDamagedStore: a damaged store stops the start with a recovery hint
// (never an empty store); `edgegate admin --repair` keeps the intact prefix.
func TestDamagedStore(t *testing.T) {
	cp := startControlPlane(t)
	c := cp.client()
	for i := range 5 {
		mustCall(t, c, "CreateService", map[string]any{"ServiceName": fmt.Sprintf("d%d", i), "Protocol": "http"}, nil)
	}
	cp.stop(syscall.SIGTERM)
	path := filepath.Join(cp.Data, "edgegate.db")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Damage a byte inside the third of five service records.
	at := bytes.Index(b, []byte(`"ServiceName":"d2"`))
	if at < 0 {
		t.Fatalf("record not found in %d bytes", len(b))
	}
	b[at+1] = 0
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cp.refused(nil, "damaged", "--repair")
	if out, err := exec.Command(gatewayBin, "admin", "--repair", "--data", cp.Data).CombinedOutput(); err != nil {
		t.Fatalf("repair: %v\n%s", err, out)
	}
	cp.start()
	if n := serviceCount(t, cp); n != 2 {
		t.Errorf("after repair %d services, want the 2 written before the damage", n)
	}
}

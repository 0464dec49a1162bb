package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apigw "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/apigateway/v20180808"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"github.com/edgegate/edgegate/internal/testpki"
)

// TestAdminOverTLS: with --admin-tls-cert/--admin-tls-key the Action API
// and EdgeSync are served over HTTPS (issue 12). ctl and edges verify the
// admin against --ca / --control-ca, the official SDK works over HTTPS, a
// client without the CA is refused, plain HTTP gets no Action answer, and
// a renewed certificate is served without a restart.
func TestAdminOverTLS(t *testing.T) {
	dir := t.TempDir()
	ca := testpki.NewCA("admin test CA")
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	leaf := ca.Valid(30, "localhost")
	certFile, keyFile := write("admin.pem", leaf.ChainPEM()), write("admin.key", leaf.KeyPEM())
	caFile := write("ca.pem", testpki.CertsPEM(ca.Cert))

	cp := startAdmin(t, "--admin-tls-cert", certFile, "--admin-tls-key", keyFile)
	_, port, _ := net.SplitHostPort(cp.Admin)
	endpoint := "https://localhost:" + port

	ctl := func(args ...string) (string, error) {
		out, err := exec.Command(gatewayBin, append([]string{"ctl", "--endpoint", endpoint, "--data", cp.Data}, args...)...).CombinedOutput()
		return string(out), err
	}
	if out, err := ctl("--ca", caFile, "CreateService", "--ServiceName", "tlsadmin", "--Protocol", "http"); err != nil || !strings.Contains(out, `"ServiceId"`) {
		t.Fatalf("ctl over https with --ca: %v\n%s", err, out)
	}
	if out, err := ctl("DescribeServicesStatus"); err == nil || !strings.Contains(out, "certificate") {
		t.Fatalf("ctl without the admin's CA was not refused: %v\n%s", err, out)
	}
	// Plain HTTP on the TLS port: net/http answers 400, never an Action.
	resp, err := http.Post("http://"+cp.Admin+"/", "application/json", strings.NewReader("{}"))
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("plain HTTP to the TLS admin listener: %d, want 400", resp.StatusCode)
		}
	}

	// The official SDK over HTTPS, trusting the test CA.
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint, cpf.HttpProfile.Scheme = "localhost:"+port, "HTTPS"
	c, err := apigw.NewClient(common.NewCredential(cp.ID, cp.Key), "ap-guangzhou", cpf)
	if err != nil {
		t.Fatal(err)
	}
	c.WithHttpTransport(&http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}})
	svc := sdkCreateService(c, "sdkovertls")
	sdkAPI(c, svc, "/ping")
	sdkRelease(c, svc)

	// An edge follows the admin over HTTPS.
	e := cp.startEdgeVia("tls-edge", endpoint, "--control-ca", caFile)
	waitFor(t, 10*time.Second, "the edge serving the release it synced over https", func() bool {
		code, _ := e.get(svc, "/release/ping")
		return code == 200
	})

	// Renewal: new files, same paths; new connections get the new leaf.
	renewed := ca.Valid(60, "localhost")
	write("admin.key.new", renewed.KeyPEM())
	write("admin.pem.new", renewed.ChainPEM())
	for _, n := range []string{"admin.key", "admin.pem"} {
		if err := os.Rename(filepath.Join(dir, n+".new"), filepath.Join(dir, n)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 10*time.Second, "the renewed certificate on a new connection", func() bool {
		conn, err := tls.Dial("tcp", "localhost:"+port, &tls.Config{RootCAs: pool})
		if err != nil {
			return false
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].SerialNumber.Cmp(renewed.Cert.SerialNumber) == 0
	})
	if out, err := ctl("--ca", caFile, "DescribeServicesStatus"); err != nil {
		t.Fatalf("ctl after the renewal: %v\n%s", err, out)
	}
}

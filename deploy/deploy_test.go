// Package deploy holds no code: systemd units, sysctl and nftables files,
// Kubernetes manifests and the cluster guide (README.md). Its tests check
// them: the units with systemd-analyze verify, the manifests against the
// Kubernetes object shapes they use, the sizing table against its formula.
package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestSystemdUnits: `systemd-analyze verify` accepts every unit (and the
// XDP drop-in, which it loads from the unit's directory) without a
// warning. The binary path is replaced by this test's own executable:
// verify checks that ExecStart names an executable, and
// /usr/local/bin/edgegate is not installed here. `make deps` installs
// systemd-analyze (the systemd package) when it is missing.
func TestSystemdUnits(t *testing.T) {
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var units []string
	err = filepath.WalkDir("systemd", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".service") || strings.HasSuffix(p, ".timer") || strings.HasSuffix(p, ".conf")) {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !bytes.Contains(b, []byte("/usr/local/bin/edgegate")) && strings.HasSuffix(p, ".service") {
			t.Errorf("%s does not run /usr/local/bin/edgegate", p)
		}
		out := filepath.Join(dir, strings.TrimPrefix(p, "systemd/"))
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		if !strings.HasSuffix(p, ".conf") {
			units = append(units, out)
		}
		return os.WriteFile(out, bytes.ReplaceAll(b, []byte("/usr/local/bin/edgegate"), []byte(bin)), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"edgegate.service", "edgegate-admin.service", "edgegate-edge.service", "edgegate-admin-backup.service", "edgegate-admin-backup.timer"} {
		if _, err := os.Stat(filepath.Join(dir, want)); err != nil {
			t.Errorf("missing unit %s", want)
		}
	}
	out, err := exec.Command("systemd-analyze", append([]string{"verify", "--man=no"}, units...)...).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	// The hardening the issue asks for, where it is asked.
	unit := func(name string) string {
		b, err := os.ReadFile(filepath.Join("systemd", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	admin, edge, xdp := unit("edgegate-admin.service"), unit("edgegate-edge.service"), unit("edgegate-edge.service.d/xdp.conf")
	for name, u := range map[string]string{"admin": admin, "edge": edge} {
		for _, want := range []string{"DynamicUser=yes", "LimitNOFILE=", "ProtectSystem=strict", "NoNewPrivileges=yes", "StateDirectory=", "LoadCredential="} {
			if !strings.Contains(u, want) {
				t.Errorf("%s unit lacks %s", name, want)
			}
		}
	}
	capLine := regexp.MustCompile(`(?m)^AmbientCapabilities=(.*)$`)
	if m := capLine.FindStringSubmatch(edge); m == nil || strings.TrimSpace(m[1]) != "CAP_NET_BIND_SERVICE" {
		t.Errorf("edge unit capabilities %q: want CAP_NET_BIND_SERVICE only (BPF and NET_ADMIN in the XDP drop-in)", m)
	}
	if m := capLine.FindStringSubmatch(xdp); m == nil || m[1] != "CAP_NET_BIND_SERVICE CAP_BPF CAP_NET_ADMIN" {
		t.Errorf("XDP drop-in capabilities %q", m)
	}
	if m := capLine.FindStringSubmatch(admin); m == nil || strings.TrimSpace(m[1]) != "" {
		t.Errorf("admin unit capabilities %q: want none", m)
	}
}

// The subset of the Kubernetes object shapes the manifests use. Decoding
// is strict: a misspelt or misplaced field fails the test, as the API
// server's schema validation would.
type (
	k8sObject struct {
		APIVersion string            `json:"apiVersion"`
		Kind       string            `json:"kind"`
		Metadata   k8sMeta           `json:"metadata"`
		Spec       json.RawMessage   `json:"spec,omitempty"`
		Data       map[string]string `json:"data,omitempty"`
	}
	k8sMeta struct {
		Name      string            `json:"name"`
		Namespace string            `json:"namespace,omitempty"`
		Labels    map[string]string `json:"labels,omitempty"`
	}
	k8sService struct {
		ClusterIP string            `json:"clusterIP,omitempty"`
		Selector  map[string]string `json:"selector"`
		Ports     []struct {
			Name       string `json:"name"`
			Port       int    `json:"port"`
			TargetPort any    `json:"targetPort"`
		} `json:"ports"`
	}
	k8sWorkload struct {
		Replicas       *int           `json:"replicas,omitempty"`
		ServiceName    string         `json:"serviceName,omitempty"`
		Selector       k8sSelector    `json:"selector"`
		UpdateStrategy map[string]any `json:"updateStrategy,omitempty"`
		Template       struct {
			Metadata k8sMeta `json:"metadata"`
			Spec     k8sPod  `json:"spec"`
		} `json:"template"`
		VolumeClaimTemplates []struct {
			Metadata k8sMeta `json:"metadata"`
			Spec     struct {
				AccessModes []string `json:"accessModes"`
				Resources   struct {
					Requests map[string]string `json:"requests"`
				} `json:"resources"`
			} `json:"spec"`
		} `json:"volumeClaimTemplates,omitempty"`
	}
	k8sSelector struct {
		MatchLabels map[string]string `json:"matchLabels"`
	}
	k8sPod struct {
		HostNetwork                   bool              `json:"hostNetwork,omitempty"`
		DNSPolicy                     string            `json:"dnsPolicy,omitempty"`
		NodeSelector                  map[string]string `json:"nodeSelector,omitempty"`
		TerminationGracePeriodSeconds int               `json:"terminationGracePeriodSeconds,omitempty"`
		SecurityContext               map[string]any    `json:"securityContext,omitempty"`
		Containers                    []k8sContainer    `json:"containers"`
		Volumes                       []struct {
			Name     string `json:"name"`
			HostPath *struct {
				Path string `json:"path"`
				Type string `json:"type"`
			} `json:"hostPath,omitempty"`
			Secret *struct {
				SecretName  string `json:"secretName"`
				DefaultMode int    `json:"defaultMode,omitempty"`
			} `json:"secret,omitempty"`
			ConfigMap *struct {
				Name string `json:"name"`
			} `json:"configMap,omitempty"`
			PersistentVolumeClaim *struct {
				ClaimName string `json:"claimName"`
			} `json:"persistentVolumeClaim,omitempty"`
		} `json:"volumes,omitempty"`
	}
	k8sContainer struct {
		Name  string   `json:"name"`
		Image string   `json:"image"`
		Args  []string `json:"args,omitempty"`
		Env   []struct {
			Name      string `json:"name"`
			Value     string `json:"value,omitempty"`
			ValueFrom *struct {
				ConfigMapKeyRef *struct {
					Name string `json:"name"`
					Key  string `json:"key"`
				} `json:"configMapKeyRef,omitempty"`
			} `json:"valueFrom,omitempty"`
		} `json:"env,omitempty"`
		Ports []struct {
			ContainerPort int    `json:"containerPort"`
			HostPort      int    `json:"hostPort,omitempty"`
			Name          string `json:"name,omitempty"`
		} `json:"ports,omitempty"`
		ReadinessProbe *struct {
			TCPSocket struct {
				Port any `json:"port"`
			} `json:"tcpSocket"`
			PeriodSeconds int `json:"periodSeconds,omitempty"`
		} `json:"readinessProbe,omitempty"`
		Resources struct {
			Requests map[string]string `json:"requests,omitempty"`
		} `json:"resources,omitempty"`
		SecurityContext map[string]any `json:"securityContext,omitempty"`
		VolumeMounts    []struct {
			Name      string `json:"name"`
			MountPath string `json:"mountPath"`
			ReadOnly  bool   `json:"readOnly,omitempty"`
		} `json:"volumeMounts,omitempty"`
	}
)

func strict(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	return d.Decode(v)
}

// manifests reads every document of the YAML files in kubernetes/.
func manifests(t *testing.T) []k8sObject {
	t.Helper()
	files, _ := filepath.Glob("kubernetes/*.yaml")
	if len(files) == 0 {
		t.Fatal("no manifests")
	}
	var out []k8sObject
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(b), -1) {
			j, err := yaml.YAMLToJSON([]byte(doc))
			if err != nil {
				t.Fatalf("%s document %d: %v", f, i, err)
			}
			if string(j) == "null" {
				continue
			}
			var o k8sObject
			if err := strict(j, &o); err != nil {
				t.Fatalf("%s document %d: %v", f, i, err)
			}
			out = append(out, o)
		}
	}
	return out
}

// TestKubernetesManifests: kubectl needs an API server even for
// --dry-run=client (its discovery), and Debian's kubernetes-client is not
// what this machine has, so the manifests are checked here: kinds and API
// versions, names and namespaces, the workload shapes (selectors matching
// template labels, containers with images and ports, every volume mount
// naming a volume or claim template, probes and Service target ports naming
// a container port, env from ConfigMap keys that exist, the StatefulSet's
// governing Service headless), the edge DaemonSet on the host network, the
// admin StatefulSet with a volume claim, and Redis.
func TestKubernetesManifests(t *testing.T) {
	objs := manifests(t)
	versions := map[string]string{"Namespace": "v1", "Service": "v1", "ConfigMap": "v1",
		"Deployment": "apps/v1", "DaemonSet": "apps/v1", "StatefulSet": "apps/v1"}
	names := map[string]bool{}
	configMaps := map[string]map[string]string{}
	services := map[string]k8sService{}
	workloads := map[string]k8sWorkload{}
	kinds := map[string]string{}
	for _, o := range objs {
		id := o.Kind + "/" + o.Metadata.Name
		if want, ok := versions[o.Kind]; !ok || o.APIVersion != want {
			t.Errorf("%s: apiVersion %q kind %q not among the shapes checked", id, o.APIVersion, o.Kind)
		}
		if names[id] && o.Kind != "Namespace" { // each file declares the namespace it uses
			t.Errorf("%s declared twice", id)
		}
		names[id] = true
		if o.Metadata.Name == "" || (o.Kind != "Namespace" && o.Metadata.Namespace != "edgegate") {
			t.Errorf("%s: name %q namespace %q", id, o.Metadata.Name, o.Metadata.Namespace)
		}
		switch o.Kind {
		case "ConfigMap":
			configMaps[o.Metadata.Name] = o.Data
		case "Service":
			var s k8sService
			if err := strict(o.Spec, &s); err != nil {
				t.Fatalf("%s spec: %v", id, err)
			}
			services[o.Metadata.Name] = s
		case "Deployment", "DaemonSet", "StatefulSet":
			var w k8sWorkload
			if err := strict(o.Spec, &w); err != nil {
				t.Fatalf("%s spec: %v", id, err)
			}
			workloads[o.Metadata.Name] = w
			kinds[o.Metadata.Name] = o.Kind
		}
	}
	for name, w := range workloads {
		checkWorkload(t, kinds[name]+"/"+name, w, configMaps)
	}
	for name, s := range services {
		found := false
		for wname, w := range workloads {
			if subset(s.Selector, w.Template.Metadata.Labels) {
				found = true
				for _, p := range s.Ports {
					if !hasPort(w.Template.Spec.Containers, p.TargetPort) {
						t.Errorf("Service/%s port %s: target %v is no port of %s", name, p.Name, p.TargetPort, wname)
					}
				}
			}
		}
		if !found {
			t.Errorf("Service/%s selects no workload", name)
		}
	}

	edge, admin, redis := workloads["edgegate-edge"], workloads["edgegate-admin"], workloads["edgegate-redis"]
	if kinds["edgegate-edge"] != "DaemonSet" || !edge.Template.Spec.HostNetwork || edge.Template.Spec.DNSPolicy != "ClusterFirstWithHostNet" {
		t.Errorf("the edge must be a DaemonSet on the host network (ClusterFirstWithHostNet to resolve the admin)")
	}
	if kinds["edgegate-admin"] != "StatefulSet" || len(admin.VolumeClaimTemplates) != 1 || admin.Replicas == nil || *admin.Replicas != 1 {
		t.Errorf("the admin must be a one-replica StatefulSet with a volume claim")
	}
	if s, ok := services[admin.ServiceName]; !ok || s.ClusterIP != "None" {
		t.Errorf("StatefulSet/edgegate-admin: serviceName %q is not a headless Service here", admin.ServiceName)
	}
	if kinds["edgegate-redis"] != "Deployment" || len(redis.Template.Spec.Containers) != 1 || services["edgegate-redis"].Selector == nil {
		t.Errorf("Redis: want a Deployment and a Service")
	}
	// The edge follows the admin Service's stable name, with a pin.
	cm := configMaps["edgegate-edge"]
	if !strings.Contains(cm["control"], "edgegate-admin-0."+admin.ServiceName+".edgegate.svc") || !strings.HasPrefix(cm["control-pin"], "sha256/") {
		t.Errorf("edgegate-edge ConfigMap: %v", cm)
	}
}

func checkWorkload(t *testing.T, id string, w k8sWorkload, configMaps map[string]map[string]string) {
	t.Helper()
	if len(w.Selector.MatchLabels) == 0 || !subset(w.Selector.MatchLabels, w.Template.Metadata.Labels) {
		t.Errorf("%s: selector %v does not match the template's labels %v", id, w.Selector.MatchLabels, w.Template.Metadata.Labels)
	}
	vols := map[string]bool{}
	for _, v := range w.Template.Spec.Volumes {
		n := 0
		for _, set := range []bool{v.HostPath != nil, v.Secret != nil, v.ConfigMap != nil, v.PersistentVolumeClaim != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s: volume %s needs exactly one source", id, v.Name)
		}
		if v.ConfigMap != nil && configMaps[v.ConfigMap.Name] == nil {
			t.Errorf("%s: volume %s names ConfigMap %s, not declared", id, v.Name, v.ConfigMap.Name)
		}
		vols[v.Name] = true
	}
	for _, c := range w.VolumeClaimTemplates {
		if len(c.Spec.AccessModes) == 0 || c.Spec.Resources.Requests["storage"] == "" {
			t.Errorf("%s: claim template %s needs accessModes and a storage request", id, c.Metadata.Name)
		}
		vols[c.Metadata.Name] = true
	}
	if len(w.Template.Spec.Containers) == 0 {
		t.Errorf("%s: no container", id)
	}
	for _, c := range w.Template.Spec.Containers {
		if c.Name == "" || c.Image == "" || len(c.Ports) == 0 {
			t.Errorf("%s: container %q needs a name, an image and ports", id, c.Name)
		}
		for _, p := range c.Ports {
			if p.ContainerPort < 1 || p.ContainerPort > 65535 || (p.HostPort != 0 && !w.Template.Spec.HostNetwork && p.HostPort != p.ContainerPort) {
				t.Errorf("%s: container %s port %+v", id, c.Name, p)
			}
			if w.Template.Spec.HostNetwork && p.HostPort != 0 && p.HostPort != p.ContainerPort {
				t.Errorf("%s: with hostNetwork hostPort must equal containerPort: %+v", id, p)
			}
		}
		for _, m := range c.VolumeMounts {
			if !vols[m.Name] || !strings.HasPrefix(m.MountPath, "/") {
				t.Errorf("%s: container %s mounts %q at %q: no such volume or claim template", id, c.Name, m.Name, m.MountPath)
			}
		}
		if c.ReadinessProbe != nil && !hasPort([]k8sContainer{c}, c.ReadinessProbe.TCPSocket.Port) {
			t.Errorf("%s: container %s probes port %v it does not declare", id, c.Name, c.ReadinessProbe.TCPSocket.Port)
		}
		for _, e := range c.Env {
			if r := e.ValueFrom; r != nil && r.ConfigMapKeyRef != nil {
				if _, ok := configMaps[r.ConfigMapKeyRef.Name][r.ConfigMapKeyRef.Key]; !ok {
					t.Errorf("%s: env %s from ConfigMap %s key %s: not declared", id, e.Name, r.ConfigMapKeyRef.Name, r.ConfigMapKeyRef.Key)
				}
			}
		}
		// Every $(VAR) in args is an env var of the container.
		for _, a := range c.Args {
			for _, m := range regexp.MustCompile(`\$\((\w+)\)`).FindAllStringSubmatch(a, -1) {
				ok := false
				for _, e := range c.Env {
					ok = ok || e.Name == m[1]
				}
				if !ok {
					t.Errorf("%s: container %s arg %q uses $(%s), not in its env", id, c.Name, a, m[1])
				}
			}
		}
	}
}

func subset(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return len(sel) > 0
}

// hasPort reports whether a container declares port (a number or a name).
func hasPort(cs []k8sContainer, port any) bool {
	for _, c := range cs {
		for _, p := range c.Ports {
			if fmt.Sprint(port) == p.Name || fmt.Sprint(port) == fmt.Sprint(p.ContainerPort) {
				return true
			}
		}
	}
	return false
}

package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"sigs.k8s.io/yaml"
)

// File is the shape of a --config file (YAML or JSON): services, each with
// the environments it is published to and its APIs. It stands in for the
// control plane until releases are made through the Action API; every
// environment listed runs the same APIs.
type File struct {
	BaseDomain string        `json:"BaseDomain,omitempty"`
	Services   []FileService `json:"Services"`
	// Access holds API keys, usage plans with their bindings, and apps
	// (the same shape the control plane publishes; see model/access.go).
	// A key or app is enabled only with Status: 1.
	Access *Access `json:"Access,omitempty"`
	// Certificates are served over HTTPS (README "HTTPS"): each custom
	// domain names one by CertificateId; Default ones serve the default
	// domains and unknown names.
	Certificates []Certificate `json:"Certificates,omitempty"`
	// Traffic holds plugins attached to the file's APIs and environment
	// strategies, in the shape the control plane publishes (model/traffic.go);
	// snapshot.Compile checks each plugin's data.
	Traffic *Traffic `json:"Traffic,omitempty"`
	// Signing holds signature keys and their bindings to the file's APIs
	// (model/signing.go): the edge signs what it forwards to them.
	Signing *Signing `json:"Signing,omitempty"`
}

// FileService is one service in a File.
type FileService struct {
	Service
	// Environments defaults to ["release"].
	Environments []string       `json:"Environments,omitempty"`
	Domains      []CustomDomain `json:"Domains,omitempty"`
	Apis         []API          `json:"Apis"`
}

// DefaultBaseDomain is used when neither the file nor the flags set one, so
// that http://<ServiceId>.localhost:8080/ reaches a service on this machine
// (curl and browsers resolve *.localhost to the loopback address).
const DefaultBaseDomain = "localhost"

// ErrEmptyConfig is returned for a file that defines no service.
var ErrEmptyConfig = errors.New("config defines no service")

// LoadFile reads a YAML or JSON config file. Unknown fields are errors, so a
// misspelt key never silently changes nothing.
func LoadFile(path string) (*Published, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	p, err := ParseFile(data)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return p, nil
}

// ParseFile decodes a YAML or JSON config document into a Published.
func ParseFile(data []byte) (*Published, error) {
	var f File
	if err := yaml.UnmarshalStrict(data, &f, func(d *json.Decoder) *json.Decoder {
		d.DisallowUnknownFields()
		return d
	}); err != nil {
		return nil, err
	}
	return f.Published()
}

// Published turns the file into the Published form, checking IDs.
func (f *File) Published() (*Published, error) {
	if len(f.Services) == 0 {
		return nil, ErrEmptyConfig
	}
	p := &Published{BaseDomain: f.BaseDomain, Services: make([]PublishedService, 0, len(f.Services))}
	if p.BaseDomain == "" {
		p.BaseDomain = DefaultBaseDomain
	}
	p.BaseDomain = strings.ToLower(strings.TrimSuffix(p.BaseDomain, "."))
	seenSvc := map[string]bool{}
	seenAPI := map[string]bool{}
	for i, fs := range f.Services {
		if fs.ServiceId == "" {
			return nil, fmt.Errorf("Services[%d]: ServiceId is required", i)
		}
		if !validID(fs.ServiceId) {
			return nil, fmt.Errorf("Services[%d]: ServiceId %q: use letters, digits and '-' only", i, fs.ServiceId)
		}
		if seenSvc[fs.ServiceId] {
			return nil, fmt.Errorf("Services[%d]: duplicate ServiceId %q", i, fs.ServiceId)
		}
		seenSvc[fs.ServiceId] = true
		apis := make([]API, len(fs.Apis))
		for j, a := range fs.Apis {
			if a.ApiId == "" {
				return nil, fmt.Errorf("service %s: Apis[%d]: ApiId is required", fs.ServiceId, j)
			}
			if seenAPI[a.ApiId] {
				return nil, fmt.Errorf("service %s: Apis[%d]: duplicate ApiId %q", fs.ServiceId, j, a.ApiId)
			}
			seenAPI[a.ApiId] = true
			if a.ServiceId != "" && a.ServiceId != fs.ServiceId {
				return nil, fmt.Errorf("service %s: api %s names ServiceId %q", fs.ServiceId, a.ApiId, a.ServiceId)
			}
			a.ServiceId = fs.ServiceId
			apis[j] = a
		}
		envs := fs.Environments
		if len(envs) == 0 {
			envs = []string{"release"}
		}
		ps := PublishedService{Service: fs.Service, Domains: fs.Domains}
		seenEnv := map[string]bool{}
		for _, e := range envs {
			if !validEnv(e) {
				return nil, fmt.Errorf("service %s: environment %q: use letters, digits, '-' and '_' only", fs.ServiceId, e)
			}
			if seenEnv[e] {
				return nil, fmt.Errorf("service %s: environment %q listed twice", fs.ServiceId, e)
			}
			seenEnv[e] = true
			ps.Environments = append(ps.Environments, PublishedEnvironment{EnvironmentName: e, VersionName: "config", Apis: apis})
		}
		p.Services = append(p.Services, ps)
	}
	if f.Access != nil {
		if err := f.Access.check(); err != nil {
			return nil, fmt.Errorf("Access: %w", err)
		}
		p.Access = f.Access
	}
	p.Signing = f.Signing
	if err := checkCertificates(f.Certificates, p.Services); err != nil {
		return nil, err
	}
	p.Certificates = f.Certificates
	p.Traffic = f.Traffic
	return p, nil
}

// checkCertificates rejects missing or duplicate ids and domains naming
// an unknown certificate; the edge parses and validates the PEM itself.
func checkCertificates(certs []Certificate, svcs []PublishedService) error {
	ids := map[string]string{}
	for i, c := range certs {
		if _, dup := ids[c.CertificateId]; c.CertificateId == "" || dup {
			return fmt.Errorf("Certificates[%d]: CertificateId missing or duplicate", i)
		}
		switch c.Type() {
		case CertServer, CertClient:
			if c.CertificatePEM == "" || c.PrivateKeyPEM == "" {
				return fmt.Errorf("Certificates[%d]: CertificatePEM and PrivateKeyPEM are required", i)
			}
		case CertCA:
			if c.CertificatePEM == "" || c.PrivateKeyPEM != "" {
				return fmt.Errorf("Certificates[%d]: a CA certificate has a CertificatePEM and no PrivateKeyPEM", i)
			}
		default:
			return fmt.Errorf("Certificates[%d]: CertificateType %q: want SVR, CA or CLIENT", i, c.CertificateType)
		}
		if (len(c.OcspStaple) > 0 || c.Default) && c.Type() != CertServer {
			return fmt.Errorf("Certificates[%d]: OcspStaple and Default are for SVR certificates only", i)
		}
		ids[c.CertificateId] = c.Type()
	}
	for _, s := range svcs {
		for _, d := range s.Domains {
			if d.CertificateId == "" {
				continue
			}
			if t, ok := ids[d.CertificateId]; !ok || t != CertServer {
				return fmt.Errorf("service %s: domain %s: CertificateId %q is not an SVR certificate of Certificates", s.Service.ServiceId, d.SubDomain, d.CertificateId)
			}
		}
	}
	// Backends' CaCertificateId and ClientCertificateId are checked by
	// snapshot.Compile, which the file's Published goes through.
	return nil
}

// check rejects what the control plane would never publish: empty or
// duplicate IDs, unknown statuses, plans naming unknown keys.
func (a *Access) check() error {
	keys := map[string]bool{}
	for i, k := range a.Keys {
		if err := checkCred(keys, k.SecretId, k.Status, k.SecretId != "" && k.SecretKey != "", "SecretId and SecretKey"); err != nil {
			return fmt.Errorf("Keys[%d]: %w", i, err)
		}
	}
	plans := map[string]bool{}
	for i, pl := range a.Plans {
		if pl.UsagePlanId == "" || plans[pl.UsagePlanId] {
			return fmt.Errorf("Plans[%d]: UsagePlanId missing or duplicate", i)
		}
		plans[pl.UsagePlanId] = true
		for _, id := range pl.SecretIds {
			if !keys[id] {
				return fmt.Errorf("plan %s: SecretIds: unknown key %q", pl.UsagePlanId, id)
			}
		}
		for j, b := range pl.Bindings {
			if b.ServiceId == "" || b.Environment == "" {
				return fmt.Errorf("plan %s: Bindings[%d]: ServiceId and Environment are required", pl.UsagePlanId, j)
			}
		}
	}
	apps := map[string]bool{}
	for i, ap := range a.Apps {
		if err := checkCred(apps, ap.ApiAppKey, ap.Status, ap.ApiAppId != "" && ap.ApiAppKey != "" && ap.ApiAppSecret != "", "ApiAppId, ApiAppKey and ApiAppSecret"); err != nil {
			return fmt.Errorf("Apps[%d]: %w", i, err)
		}
	}
	return nil
}

// checkCred checks one key or app: its required fields are there (whole;
// they are named by fields), its id is not in seen (then it is), Status
// is 1 (enabled) or 0.
func checkCred(seen map[string]bool, id string, status int, whole bool, fields string) error {
	switch {
	case !whole:
		return fmt.Errorf("%s are required", fields)
	case seen[id]:
		return fmt.Errorf("duplicate id %q", id)
	case status != 0 && status != 1:
		return fmt.Errorf("Status %d: want 1 (enabled) or 0 (disabled)", status)
	}
	seen[id] = true
	return nil
}

func validID(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return s != ""
}

func validEnv(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return s != "" && len(s) <= 64
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadQuotas(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, quotaFile)
	if q, err := loadQuotas(p); err != nil || q != nil {
		t.Fatalf("missing file: %v %v", q, err)
	}
	os.WriteFile(p, []byte(`{"version":1,"quotas":[{"id":"quota:p1","used":7}]}`), 0o600)
	if q, err := loadQuotas(p); err != nil || len(q) != 1 || q[0].ID != "quota:p1" || q[0].Used != 7 {
		t.Fatalf("%v %v", q, err)
	}
	os.WriteFile(p, []byte(`{"version":1,"quo`), 0o600)
	if _, err := loadQuotas(p); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("damaged file: %v", err)
	}
}

package admin

import (
	"fmt"
	"testing"
	"time"
)

// TestGenStore: links are unguessable, expire after genFilesTTL, and the
// oldest bundle goes once genFilesMax are kept.
func TestGenStore(t *testing.T) {
	var s genStore
	now := time.Unix(1_700_000_000, 0)
	first := s.put(map[string][]byte{"openapi.json": []byte("{}")}, now)
	if len(first) != 32 {
		t.Fatalf("token %q: want 128 bits in hex", first)
	}
	if b, ok := s.get(first, "openapi.json", now.Add(genFilesTTL-time.Second)); !ok || string(b) != "{}" {
		t.Fatal("fresh bundle not found")
	}
	if _, ok := s.get(first, "sdk.zip", now); ok {
		t.Fatal("a file the bundle lacks was found")
	}
	if _, ok := s.get(first, "openapi.json", now.Add(genFilesTTL+time.Second)); ok {
		t.Fatal("expired bundle still served")
	}
	seen := map[string]bool{first: true}
	for i := 0; i < genFilesMax; i++ {
		tok := s.put(map[string][]byte{"f": []byte(fmt.Sprint(i))}, now)
		if seen[tok] {
			t.Fatalf("token %s repeated", tok)
		}
		seen[tok] = true
	}
	if _, ok := s.get(first, "openapi.json", now); ok {
		t.Fatalf("the oldest of %d bundles was kept", genFilesMax+1)
	}
	if len(s.byTok) != genFilesMax || len(s.order) != genFilesMax {
		t.Fatalf("kept %d/%d bundles, want %d", len(s.byTok), len(s.order), genFilesMax)
	}
}

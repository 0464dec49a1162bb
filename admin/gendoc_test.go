package admin

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestGenStore: links are unguessable, expire after genFilesTTL, outlive
// the process (a second store on the same directory serves them), and the
// oldest bundle goes once genFilesMax are kept; nothing but a bundle's own
// files can be named.
func TestGenStore(t *testing.T) {
	s := &genStore{dir: filepath.Join(t.TempDir(), "generated")}
	now := time.Unix(1_700_000_000, 0)
	put := func(files map[string][]byte) string {
		t.Helper()
		tok, err := s.put(files, now)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	first := put(map[string][]byte{"openapi.json": []byte("{}")})
	if len(first) != 32 {
		t.Fatalf("token %q: want 128 bits in hex", first)
	}
	if b, ok := s.get(first, "openapi.json", now.Add(genFilesTTL-time.Second)); !ok || string(b) != "{}" {
		t.Fatal("fresh bundle not found")
	}
	// After a restart: a new store on the same directory.
	if b, ok := (&genStore{dir: s.dir}).get(first, "openapi.json", now); !ok || string(b) != "{}" {
		t.Fatal("the bundle did not outlive its store")
	}
	if st, err := os.Stat(filepath.Join(s.dir, first, "openapi.json")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("file mode: %v %v", st, err)
	}
	for _, name := range []string{"sdk.zip", genExpires, "", "../" + first + "/openapi.json", "a/b", `a\b`} {
		if _, ok := s.get(first, name, now); ok {
			t.Fatalf("name %q was served", name)
		}
	}
	for _, tok := range []string{"", "..", first[:31], first + "0", "../generated/" + first, fmt.Sprintf("%X", first)} {
		if tok == first {
			continue
		}
		if _, ok := s.get(tok, "openapi.json", now); ok {
			t.Fatalf("token %q was served", tok)
		}
	}
	if _, ok := s.get(first, "openapi.json", now.Add(genFilesTTL+time.Second)); ok {
		t.Fatal("expired bundle still served")
	}

	// What a crash left of a put is swept by the next one.
	if err := os.Mkdir(filepath.Join(s.dir, ".tmp-crashed"), 0o700); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{first: true}
	for i := 0; i < genFilesMax; i++ {
		now = now.Add(time.Millisecond) // each later bundle expires later
		tok := put(map[string][]byte{"f": []byte(fmt.Sprint(i))})
		if seen[tok] {
			t.Fatalf("token %s repeated", tok)
		}
		seen[tok] = true
	}
	if _, ok := s.get(first, "openapi.json", now); ok {
		t.Fatalf("the oldest of %d bundles was kept", genFilesMax+1)
	}
	if ents, _ := os.ReadDir(s.dir); len(ents) != genFilesMax {
		t.Fatalf("kept %d entries, want %d bundles", len(ents), genFilesMax)
	}
	// Expired bundles go at the next put.
	now = now.Add(genFilesTTL + time.Second)
	last := put(map[string][]byte{"f": []byte("last")})
	if ents, _ := os.ReadDir(s.dir); len(ents) != 1 || ents[0].Name() != last {
		t.Fatalf("after expiry: %v", ents)
	}
}

//go:build !race

package cond

import "testing"

func TestEvalAllocs(t *testing.T) {
	p, err := Parse(`header.x-tier == "gold" && (query.page > 2 || path.id in [1, 2, 1001]) && !(ip prefix "192.168.") && query.q contains "o"`)
	if err != nil {
		t.Fatal(err)
	}
	req := (&fakeReq{h: map[string]string{"x-tier": "gold"}, q: map[string]string{"page": "3", "q": "shoes"}, p: map[string]string{"id": "1001"}, method: "GET", ip: "10.0.0.1"}).prep()
	if !p.Eval(req) {
		t.Fatal("condition should hold")
	}
	if n := testing.AllocsPerRun(1000, func() { p.Eval(req) }); n != 0 {
		t.Fatalf("Eval allocates %v times", n)
	}
}

func BenchmarkEval(b *testing.B) {
	p, _ := Parse(`header.x-tier == "gold" && (query.page > 2 || path.id in [1, 2, 1001]) && !(ip prefix "192.168.")`)
	req := (&fakeReq{h: map[string]string{"x-tier": "gold"}, q: map[string]string{"page": "3"}, p: map[string]string{"id": "1001"}, method: "GET", ip: "10.0.0.1"}).prep()
	b.ReportAllocs()
	for b.Loop() {
		p.Eval(req)
	}
}

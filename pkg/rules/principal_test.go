package rules

import (
	"strings"
	"testing"
)

// TestParsePrincipal holds parsePrincipal to its definition: exactly five
// "/"-separated parts, "ns" and "sa" in the second and fourth, the others
// not empty.
func TestParsePrincipal(t *testing.T) {
	ref := func(s string) (Principal, bool) {
		parts := strings.Split(s, "/")
		if len(parts) != 5 || parts[1] != "ns" || parts[3] != "sa" || parts[0] == "" || parts[2] == "" || parts[4] == "" {
			return Principal{}, false
		}
		return Principal{parts[0], parts[2], parts[4]}, true
	}
	for _, s := range []string{
		"cluster.local/ns/batch/sa/etl", "spiffe://cluster.local/ns/batch/sa/etl", "cluster.local/ns/batch/sa/etl/x",
		"cluster.local/ns/batch/sa/", "/ns/batch/sa/etl", "cluster.local/ns//sa/etl", "cluster.local/NS/batch/sa/etl",
		"cluster.local/ns/batch/SA/etl", "cluster.local/ns/batch/sa", "", "/", "////", "/////", "a/ns/b/sa/c/",
		"*/ns/batch/sa/*", "td/ns/ns/sa/sa", "batch/etl", "ns/batch/sa/etl",
	} {
		gp, gok := ParsePrincipal(s)
		wp, wok := ref(s)
		if gp != wp || gok != wok {
			t.Errorf("parsePrincipal(%q) = %v, %v; want %v, %v", s, gp, gok, wp, wok)
		}
	}
}

package rules

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/manifest"
)

// exportedTo is Istio's exportTo semantics, the reference the visibility
// index is checked against: empty or "*" is every namespace, "." the
// object's own, "~" none, anything else a namespace.
func exportedTo(exportTo []string, objNS, clientNS string) bool {
	if len(exportTo) == 0 {
		return true
	}
	for _, e := range exportTo {
		switch e {
		case "*":
			return true
		case ".":
			if objNS == clientNS {
				return true
			}
		case "~":
		default:
			if e == clientNS {
				return true
			}
		}
	}
	return false
}

// TestVisibilityIndex checks the ServiceEntry and DestinationRule lookups
// by host and client namespace against filtering every entry for the host
// with exportedTo, on random inputs: exact and wildcard hosts, hosts in
// mixed case, repeated hosts, and every form of exportTo.
func TestVisibilityIndex(t *testing.T) {
	namespaces := []string{"a", "b", "c", "d"}
	hosts := []string{"db.example.com", "DB.example.com", "*.example.com", "*.com", "x.db.example.com", "*.db.example.com", "api.example.org", "*"}
	exports := [][]string{nil, {"*"}, {"."}, {"~"}, {".", "b"}, {"b"}, {"c", "a"}, {"~", "d"}, {".", "*"}, {"a", "a", "."}}
	lookups := []string{"db.example.com", "x.db.example.com", "y.db.example.com", "example.com", "api.example.org", "DB.EXAMPLE.COM", "other.net"}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 300 {
		var b strings.Builder
		for i := range rng.IntN(12) {
			ns := namespaces[rng.IntN(len(namespaces))]
			exp := exports[rng.IntN(len(exports))]
			var hs []string
			for range 1 + rng.IntN(3) {
				hs = append(hs, fmt.Sprintf("%q", hosts[rng.IntN(len(hosts))]))
			}
			fmt.Fprintf(&b, "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: se%d, namespace: %s}\n"+
				"spec: {hosts: [%s], ports: [{number: 5432, name: tcp, protocol: TCP}]%s}\n---\n", i, ns, strings.Join(hs, ", "), exportField(exp))
			if rng.IntN(2) == 0 {
				h := lookups[rng.IntN(len(lookups))]
				fmt.Fprintf(&b, "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: dr%d, namespace: %s}\n"+
					"spec: {host: %q%s}\n---\n", i, ns, h, exportField(exports[rng.IntN(len(exports))]))
			}
		}
		ix := NewIndex(mustObjects(t, b.String()+"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"))
		for _, h := range lookups {
			for _, ns := range append(namespaces, "e") {
				var want []*manifest.Object
				for _, o := range ix.ServiceEntriesFor(h) {
					if exportedTo(ServiceEntry(o).GetExportTo(), NamespaceOf(o), ns) {
						want = append(want, o)
					}
				}
				if got := ix.VisibleServiceEntries(h, ns); !slices.Equal(got, want) {
					t.Fatalf("round %d: visibleServiceEntries(%q, %q) = %s, want %s\n%s", round, h, ns, refList(got), refList(want), b.String())
				}
				all := ix.ServiceEntriesFor(h)
				var first *manifest.Object
				if len(all) > 0 {
					first = all[0]
				}
				if got := ix.FirstServiceEntryFor(h); got != first {
					t.Fatalf("round %d: firstServiceEntryFor(%q) is not ServiceEntriesFor's first", round, h)
				}
				drVisible := false
				for _, d := range ix.DestinationRulesFor(h) {
					drVisible = drVisible || exportedTo(DestinationRule(d).GetExportTo(), NamespaceOf(d), ns)
				}
				if got := ix.DestinationRuleVisible(h, ns); got != drVisible {
					t.Fatalf("round %d: destinationRuleVisible(%q, %q) = %v, want %v\n%s", round, h, ns, got, drVisible, b.String())
				}
			}
		}
	}
}

func exportField(exp []string) string {
	if exp == nil {
		return ""
	}
	q := make([]string, len(exp))
	for i, e := range exp {
		q[i] = fmt.Sprintf("%q", e)
	}
	return ", exportTo: [" + strings.Join(q, ", ") + "]"
}

func refList(objs []*manifest.Object) string {
	var b strings.Builder
	for _, o := range objs {
		b.WriteString(o.Ref() + " ")
	}
	return b.String()
}

package istiovalid

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	networking "istio.io/api/networking/v1alpha3"
	"istio.io/istio/pkg/cluster"
	"istio.io/istio/pkg/config"
	"istio.io/istio/pkg/config/analysis"
	"istio.io/istio/pkg/config/analysis/analyzers/serviceentry"
	"istio.io/istio/pkg/config/analysis/diag"
	"istio.io/istio/pkg/config/resource"
	"istio.io/istio/pkg/config/schema/gvk"
	"sigs.k8s.io/yaml"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// seContext is the analysis context the IST0177 analyzer needs: the
// ServiceEntries and where its reports go.
type seContext struct {
	entries  []*resource.Instance
	reported []string
}

func (c *seContext) Report(_ config.GroupVersionKind, m diag.Message) {
	c.reported = append(c.reported, m.Resource.Metadata.FullName.String())
}

func (c *seContext) Find(config.GroupVersionKind, resource.FullName) *resource.Instance { return nil }
func (c *seContext) Exists(config.GroupVersionKind, resource.FullName) bool             { return false }
func (c *seContext) Canceled() bool                                                     { return false }
func (c *seContext) SetAnalyzer(string)                                                 {}
func (c *seContext) ForEach(k config.GroupVersionKind, fn analysis.IteratorFn) {
	if k != gvk.ServiceEntry {
		return
	}
	for _, e := range c.entries {
		if !fn(e) {
			return
		}
	}
}

// fieldMapOrigin answers the analyzer's line lookups with nothing.
type fieldMapOrigin struct{}

func (fieldMapOrigin) FriendlyName() string          { return "" }
func (fieldMapOrigin) Comparator() string            { return "" }
func (fieldMapOrigin) Namespace() resource.Namespace { return "" }
func (fieldMapOrigin) Reference() resource.Reference { return nil }
func (fieldMapOrigin) FieldMap() map[string]int      { return nil }
func (fieldMapOrigin) ClusterName() cluster.ID       { return "" }

type namedEntry struct {
	ns, name string
	spec     *networking.ServiceEntry
}

func randomEntries(r *rand.Rand) []namedEntry {
	hosts := []string{"api.example.com", "db.example.com"}
	protocols := []string{"", "TCP", "tcp", "HTTP", "HTTPS", "TLS", "GRPC"}
	exports := [][]string{nil, {"."}, {"*"}, {"b"}, {"a"}, {".", "b"}, {"~"}, {"a", "*"}}
	var out []namedEntry
	for i := range 2 + r.IntN(3) {
		se := &networking.ServiceEntry{
			Hosts:      []string{hosts[r.IntN(len(hosts))]},
			Resolution: networking.ServiceEntry_DNS,
			ExportTo:   exports[r.IntN(len(exports))],
		}
		for j := range 1 + r.IntN(2) {
			se.Ports = append(se.Ports, &networking.ServicePort{
				Number: []uint32{443, 80}[r.IntN(2)], Name: fmt.Sprintf("p%d", j), Protocol: protocols[r.IntN(len(protocols))],
			})
		}
		out = append(out, namedEntry{ns: []string{"a", "b"}[r.IntN(2)], name: fmt.Sprintf("se%d", i), spec: se})
	}
	return out
}

// meshbatchFlagged runs MB612 alone on the entries and returns the
// namespace/name of each entry it reports.
func meshbatchFlagged(t *testing.T, entries []namedEntry) []string {
	var doc strings.Builder
	for _, e := range entries {
		spec, err := yaml.Marshal(e.spec)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&doc, "---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: %s, namespace: %s}\nspec:\n", e.name, e.ns)
		for _, l := range strings.Split(strings.TrimSpace(string(spec)), "\n") {
			doc.WriteString("  " + l + "\n")
		}
	}
	res, err := lint.Run(context.Background(), []string{"-"}, lint.Options{
		Rules: []*rules.Rule{checks.SEProtocolConflict}, Stdin: strings.NewReader(doc.String()),
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for f := range res.Findings.All() {
		if f.RuleID == "MB001" {
			t.Fatalf("the generated entries do not decode: %s\n%s", f.Message, doc.String())
		}
		out = append(out, strings.TrimPrefix(f.Object.String(), "ServiceEntry "))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestSEProtocolConflictAgreesWithAnalyzer holds MB612 to IST0177's
// analyzer: random groups of entries (hosts, ports, protocols, namespaces
// and exportTo drawn from small pools, so that they collide) must have the
// same entries reported.
func TestSEProtocolConflictAgreesWithAnalyzer(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 177))
	const n = 300
	flagged := 0
	for i := range n {
		entries := randomEntries(r)
		ctx := &seContext{}
		for _, e := range entries {
			ctx.entries = append(ctx.entries, &resource.Instance{
				Metadata: resource.Metadata{FullName: resource.NewFullName(resource.Namespace(e.ns), resource.LocalName(e.name))},
				Message:  e.spec,
				Origin:   fieldMapOrigin{},
			})
		}
		(&serviceentry.ConflictingServiceEntryProtocolAnalyzer{}).Analyze(ctx)
		slices.Sort(ctx.reported)
		want := slices.Compact(ctx.reported)
		got := meshbatchFlagged(t, entries)
		if len(want) > 0 {
			flagged++
		}
		if !slices.Equal(got, want) {
			t.Errorf("group %d: IST0177 reports %v, MB612 %v", i, want, got)
		}
	}
	if flagged < n/10 || flagged > n*9/10 {
		t.Errorf("IST0177 fired on %d of %d groups: the generator should give both answers often", flagged, n)
	}
	t.Logf("%d groups, %d with a conflict", n, flagged)
}

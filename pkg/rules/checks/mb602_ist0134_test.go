package checks_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	networking "istio.io/api/networking/v1alpha3"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/lint/ruletest"
	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// ist0134 is istioctl analyze's ServiceEntryAddressesRequired, as
// istio/istio pkg/config/analysis/analyzers/serviceentry/protocoladdresses.go
// decides it at 1.28.0 for files (no status): every port with protocol TCP
// (any case) or none of an entry without addresses, unless the mesh config
// captures DNS and allocates addresses (meshbatch's --dns-auto-allocate).
// It returns the indexes of those ports.
func ist0134(se *networking.ServiceEntry, meshAllocates bool) []int {
	if len(se.GetAddresses()) > 0 || meshAllocates {
		return nil
	}
	var out []int
	for i, port := range se.GetPorts() {
		if port.GetProtocol() == "" || strings.EqualFold(port.GetProtocol(), "TCP") {
			out = append(out, i)
		}
	}
	return out
}

// TestSETCPNoAddressFindsIST0134 holds MB602 to finding at least what
// istioctl analyze finds (IST0134) on the shared corpus of real manifests
// and on MB602's own fixtures, each file linted alone in full mode with its
// fixture facts. The one difference on purpose: an entry exported only to
// named namespaces of the input, where no sidecar without DNS capture
// imports it, gives no listener to anyone MB602 could name
// (good_no_clients.yaml, good.yaml); those entries are left out here.
func TestSETCPNoAddressFindsIST0134(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "MB602", "*.yaml"))
	corpus := filepath.Join("..", "..", "..", "..", "shared", "corpus")
	_ = filepath.WalkDir(corpus, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".yaml") {
			files = append(files, p)
		}
		return nil
	})
	// The port of the predicate reports what Istio's own test expects
	// (pkg/config/analysis/analyzers/analyzers_test.go@1.28.0).
	guard := filepath.Join(corpus, "istio-analyzer-testdata", "serviceentry-missing-addresses-protocol.yaml")
	guardWant := []string{"default/service-entry-test-03", "default/service-entry-test-04", "default/service-entry-test-07"}
	checked, entries := 0, 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		facts, partial := ruletest.Facts(t, f, data)
		if partial {
			continue
		}
		objs, _ := manifest.ReadFile(f, data, manifest.Limits{})
		var want []string
		var guardGot []string
		for _, o := range objs {
			if o.Kind != "ServiceEntry" || o.Typed == nil {
				continue
			}
			se := rules.ServiceEntry(o)
			ports := ist0134(se, facts.DNSAutoAllocate == "true")
			if len(ports) > 0 {
				guardGot = append(guardGot, rules.NamespaceOf(o)+"/"+o.Name)
			}
			if exp := se.GetExportTo(); len(exp) > 0 && !slices.Contains(exp, "*") {
				continue
			}
			entries++
			for _, i := range ports {
				want = append(want, fmt.Sprintf("%s spec.ports[%d]", o.Ref(), i))
			}
		}
		if f == guard && !slices.Equal(guardGot, guardWant) {
			t.Errorf("%s: the port of IST0134 reports %v, Istio's test expects %v", f, guardGot, guardWant)
		}
		if len(want) == 0 {
			continue
		}
		checked++
		res, err := lint.Run(context.Background(), []string{f}, lint.Options{Facts: facts, Rules: []*rules.Rule{checks.SETCPNoAddress}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for fd := range res.Findings.All() {
			got = append(got, fmt.Sprintf("%s %s", fd.Object, fd.FieldPath))
		}
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Errorf("%s: istioctl analyze reports IST0134 on %s, MB602 does not (it reports %v)", f, w, got)
			}
		}
	}
	if checked < 3 || entries < 5 {
		t.Fatalf("%d files with IST0134 findings among %d entries: the inputs were not read", checked, entries)
	}
}

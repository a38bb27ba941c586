package generate

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// smallLabels are every DNS-1123 label of up to three characters over
// the alphabet {a, b, -}: enough to split one string into parts in every
// way a "-" allows.
func smallLabels() []string {
	var out []string
	var grow func(prefix string)
	grow = func(prefix string) {
		if len(prefix) > 0 && len(validation.IsDNS1123Label(prefix)) == 0 {
			out = append(out, prefix)
		}
		if len(prefix) == 3 {
			return
		}
		for _, c := range []string{"a", "b", "-"} {
			grow(prefix + c)
		}
	}
	grow("")
	return out
}

// namesJob is a job with one destination of each kind that gets objects
// of its own: an in-mesh Service and an external host with TLS
// origination.
func namesJob(namespace, name, dest string) *Job {
	return &Job{
		Name: name, Namespace: namespace, ServiceAccount: name, Image: "example.com/app:1",
		Command: []string{"/app"}, Mode: ModeNativeSidecar, TrustDomain: mesh.DefaultTrustDomain,
		IstioVersion: mesh.Version{Major: 1, Minor: 28}, OutboundPolicy: OutboundRegistryOnly,
		InMesh: []InMeshDestination{{
			Name: dest, Service: "db", Namespace: "database", Port: 5432, TargetPort: 5432,
			Selector: map[string]string{"app": "db"},
		}},
		External: []ExternalDestination{{
			Name: dest + "x", Host: "api.example.com", Port: 443, Protocol: ProtoHTTP, TLS: TLSOriginate, AppPort: 80,
		}},
	}
}

// TestObjectNamesNeverCollide is a property of every generated name: two
// different (namespace, job, destination) combinations never give two
// objects of one kind the same namespace and name, since the second apply
// would replace the first job's object. It tries every combination of
// small labels, where "-" inside a part can be mistaken for a separator.
func TestObjectNamesNeverCollide(t *testing.T) {
	labels := smallLabels()
	if len(labels) < 15 {
		t.Fatalf("only %d labels: %v", len(labels), labels)
	}
	type owner struct{ namespace, job, dest string }
	seen := map[string]owner{}
	checked := 0
	for _, ns := range labels {
		for _, job := range labels {
			for _, dest := range labels {
				o := owner{ns, job, dest}
				for _, obj := range Generate(namesJob(ns, job, dest)) {
					if obj.Shared || obj.Kind == "ServiceAccount" || obj.Kind == "Sidecar" || obj.Kind == "Job" {
						continue // one per namespace or per job, named by it alone
					}
					key := obj.String()
					if prev, dup := seen[key]; dup && prev != o {
						t.Fatalf("%s is generated for job %s/%s, destination %s and for job %s/%s, destination %s",
							key, prev.namespace, prev.job, prev.dest, ns, job, dest)
					}
					seen[key] = o
					checked++
				}
			}
		}
	}
	if checked < 3*len(labels)*len(labels)*len(labels) {
		t.Fatalf("checked %d objects; want 3 per combination", checked)
	}
}

// TestObjectNamesAreValid: names built from the longest parts validation
// allows stay valid Kubernetes names (DNS-1123 subdomains, at most 253
// characters), and each name gives back the parts it was built from.
func TestObjectNamesAreValid(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	label := func() string {
		n := 1 + rng.IntN(63)
		if rng.IntN(4) == 0 {
			n = 63
		}
		b := make([]byte, n)
		for i := range b {
			b[i] = "ab-0"[rng.IntN(4)]
		}
		b[0], b[n-1] = 'a', '0'
		return string(b)
	}
	for range 2000 {
		ns, job, dest := label(), label(), label()
		for _, obj := range Generate(namesJob(ns, job, dest)) {
			if errs := validation.IsDNS1123Subdomain(obj.Name); len(errs) > 0 {
				t.Fatalf("%s: %v", obj, errs)
			}
		}
		p := policyName(ns, job, dest)
		if parts := strings.Split(p, "."); len(parts) != 4 || parts[0] != ns || parts[1] != job || parts[2] != "to" || parts[3] != dest {
			t.Fatalf("policy name %s does not split back into %s, %s, %s", p, ns, job, dest)
		}
		d := destinationObjectName(job, dest)
		if got := fmt.Sprint(strings.Split(d, ".")); got != fmt.Sprint([]string{job, dest}) {
			t.Fatalf("object name %s does not split back into %s, %s", d, job, dest)
		}
	}
}

package istiovalid

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	networking "istio.io/api/networking/v1alpha3"
	security "istio.io/api/security/v1beta1"
	"istio.io/istio/pkg/config"
	"istio.io/istio/pkg/config/validation"
	"istio.io/istio/pkg/log"
	"sigs.k8s.io/yaml"

	"github.com/meshbatch/meshbatch/e2e/internal/manifests"
	"github.com/meshbatch/meshbatch/pkg/istiovalid"
)

// sharedCorpus holds real public manifests; CI may not have it, and then the
// repository's own files are the seeds.
const sharedCorpus = "/work/shared/corpus"

// mutationsTotal keeps the run at a few thousand mutations (well under a
// second); raise it locally to search harder.
const mutationsTotal = 4000

type seed struct {
	where string // file and document
	meta  istiovalid.Meta
	spec  proto.Message
	kind  string
}

// istioValidate is Istio's own function for each kind (validateMetadata
// included, as istiod's webhook runs it).
var istioValidate = map[string]validation.ValidateFunc{
	"PeerAuthentication":  validation.ValidatePeerAuthentication,
	"AuthorizationPolicy": validation.ValidateAuthorizationPolicy,
	"DestinationRule":     validation.ValidateDestinationRule,
	"ServiceEntry":        validation.ValidateServiceEntry,
	"Sidecar":             validation.ValidateSidecar,
}

func newSpec(kind string) proto.Message {
	switch kind {
	case "PeerAuthentication":
		return &security.PeerAuthentication{}
	case "AuthorizationPolicy":
		return &security.AuthorizationPolicy{}
	case "DestinationRule":
		return &networking.DestinationRule{}
	case "ServiceEntry":
		return &networking.ServiceEntry{}
	case "Sidecar":
		return &networking.Sidecar{}
	}
	return nil
}

// seedDirs are where the seeds come from: every rule fixture, the
// repository's testdata (the article's manifests among them), the examples
// and the shared corpus.
func seedDirs(t *testing.T) []string {
	root, err := manifests.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dirs := []string{
		filepath.Join(root, "pkg/rules/checks/testdata"),
		filepath.Join(root, "testdata"),
		filepath.Join(root, "examples"),
		filepath.Join(root, "e2e/testdata"),
	}
	if _, err := os.Stat(sharedCorpus); err == nil {
		dirs = append(dirs, sharedCorpus)
	} else {
		t.Logf("%s is absent: seeding from the repository only", sharedCorpus)
	}
	return dirs
}

// eachDocument calls f with every object of every YAML file under the seed
// directories that decodes (templates and deliberately broken files do
// not, and are no seeds).
func eachDocument(t *testing.T, f func(where string, o manifests.Object)) {
	for _, dir := range seedDirs(t) {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if ext := filepath.Ext(path); ext != ".yaml" && ext != ".yml" {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			objs, err := manifests.Decode(path, data)
			if err != nil {
				return nil
			}
			for _, o := range objs {
				f(fmt.Sprintf("%s#%d", path, o.Doc), o)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func loadSeeds(t *testing.T) []seed {
	var seeds []seed
	skipped := 0
	eachDocument(t, func(where string, o manifests.Object) {
		kind := o.GetKind()
		if istioValidate[kind] == nil || !o.IsIstio() {
			return
		}
		specJSON, err := yaml.Marshal(o.Object["spec"])
		if err != nil {
			t.Fatal(err)
		}
		js, err := yaml.YAMLToJSON(specJSON)
		if err != nil {
			t.Fatal(err)
		}
		spec := newSpec(kind)
		if string(js) != "null" {
			// meshbatch reports a spec that does not decode strictly as
			// MB001; the verdicts compared here are of decoded specs
			if err := protojson.Unmarshal(js, spec); err != nil {
				skipped++
				return
			}
		}
		seeds = append(seeds, seed{where: where, kind: kind, spec: spec, meta: istiovalid.Meta{
			Namespace: o.GetNamespace(), Name: o.GetName(), Labels: o.GetLabels(), Annotations: o.GetAnnotations(),
		}})
	})
	t.Logf("%d seeds, %d left out for a spec that does not decode strictly", len(seeds), skipped)
	return seeds
}

// verdicts runs both validations; it returns a description of a
// disagreement, or "".
func verdicts(s seed) string {
	cfg := config.Config{
		Meta: config.Meta{Name: s.meta.Name, Namespace: s.meta.Namespace, Labels: s.meta.Labels, Annotations: s.meta.Annotations},
		Spec: s.spec,
	}
	_, istioErr := istioValidate[s.kind](cfg)
	ours, ok := istiovalid.Config(s.meta, s.spec, true)
	if !ok {
		return "meshbatch does not validate " + s.kind
	}
	if ours.Rejected() == (istioErr != nil) {
		return ""
	}
	js, _ := protojson.Marshal(s.spec)
	return fmt.Sprintf("%s %s: Istio says %v; meshbatch says %v\nspec: %s", s.kind, s.where, istioErr, ours, js)
}

// TestValidationAgreesWithIstio is the differential test: every seed and
// a seeded stream of mutations of them get the same verdict.
func TestValidationAgreesWithIstio(t *testing.T) {
	seeds := loadSeeds(t)
	if len(seeds) < 20 {
		t.Fatalf("only %d seeds: the fixtures and corpus should give many more", len(seeds))
	}
	kinds := map[string]int{}
	for _, s := range seeds {
		kinds[s.kind]++
		if d := verdicts(s); d != "" {
			t.Errorf("seed: %s", d)
		}
	}
	for k := range istioValidate {
		if kinds[k] == 0 {
			t.Errorf("no seed of kind %s", k)
		}
	}
	r := rand.New(rand.NewPCG(16, 11))
	rejected, failures := 0, 0
	for i := range mutationsTotal {
		s := seeds[i%len(seeds)]
		m := seed{where: fmt.Sprintf("%s mutation %d", s.where, i), kind: s.kind, meta: s.meta, spec: proto.Clone(s.spec)}
		for range 1 + r.IntN(3) {
			mutate(r, m.spec)
		}
		if r.IntN(20) == 0 {
			m.meta.Annotations = mutateAnnotations(r, m.meta.Annotations)
		}
		if d := verdicts(m); d != "" {
			failures++
			if failures <= 25 {
				t.Errorf("%s", d)
			}
		}
		if _, err := istioValidate[m.kind](config.Config{Meta: config.Meta{Name: m.meta.Name, Namespace: m.meta.Namespace,
			Labels: m.meta.Labels, Annotations: m.meta.Annotations}, Spec: m.spec}); err != nil {
			rejected++
		}
	}
	if failures > 25 {
		t.Errorf("... and %d more disagreements", failures-25)
	}
	// a mutator that never breaks anything, or always does, tests little
	if rejected < mutationsTotal/10 || rejected > mutationsTotal*9/10 {
		t.Errorf("Istio rejected %d of %d mutations: the mutator should give both verdicts often", rejected, mutationsTotal)
	}
	kindNames := make([]string, 0, len(kinds))
	for k, n := range kinds {
		kindNames = append(kindNames, fmt.Sprintf("%s:%d", k, n))
	}
	slices.Sort(kindNames)
	t.Logf("seeds by kind %s; %d mutations, %d rejected by Istio, %d disagreements", strings.Join(kindNames, " "), mutationsTotal, rejected, failures)
}

// metadataAnnotations are the annotations validateMetadata looks at.
var metadataAnnotations = []string{"istio.io/dry-run", "internal.istio.io/webhook-always-reject",
	"internal.istio.io/parent-namespace", "internal.istio.io/parents", "sidecar.istio.io/inject"}

func mutateAnnotations(r *rand.Rand, in map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range in {
		out[k] = v
	}
	out[metadataAnnotations[r.IntN(len(metadataAnnotations))]] = []string{"true", "false", "yes", ""}[r.IntN(4)]
	return out
}

func init() {
	// Istio's validation logs every deprecation warning it returns; the
	// tests compare the warnings instead
	log.FindScope("validation").SetOutputLevel(log.ErrorLevel)
}

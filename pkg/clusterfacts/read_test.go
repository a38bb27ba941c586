package clusterfacts

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/version"
	fakediscovery "k8s.io/client-go/discovery/fake"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/meshbatch/meshbatch/pkg/config"
	"github.com/meshbatch/meshbatch/pkg/manifest"
)

var update = flag.Bool("update", false, "rewrite testdata/*/want.yaml and notes.txt")

// Header is the first line of want.yaml: the command writes the context
// and the time there, which the tests put in place of these words.
const Header = "meshbatch facts from context CONTEXT, TIME"

// serverVersion is what the fake reports: the kube-apiserver of the e2e
// tests (hack/e2e-tools.sh), which compare their output with the same
// want.yaml files.
const serverVersion = "v1.36.1"

// loadCluster decodes the objects of a test cluster: the API server's own
// namespaces and the folder's cluster.yaml.
func loadCluster(t *testing.T, dir string) []runtime.Object {
	t.Helper()
	var objs []runtime.Object
	for _, file := range []string{"testdata/system-namespaces.yaml", filepath.Join(dir, "cluster.yaml")} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range manifest.SplitDocuments(data) {
			var meta metav1.TypeMeta
			if err := sigsyaml.Unmarshal(c.Data, &meta); err != nil {
				t.Fatalf("%s: document %d: %v", file, i+1, err)
			}
			if meta.Kind == "" {
				continue
			}
			var obj runtime.Object
			switch meta.Kind {
			case "Node":
				obj = &corev1.Node{}
			case "Namespace":
				obj = &corev1.Namespace{}
			case "ConfigMap":
				obj = &corev1.ConfigMap{}
			case "Service":
				obj = &corev1.Service{}
			case "Deployment":
				obj = &appsv1.Deployment{}
			case "DaemonSet":
				obj = &appsv1.DaemonSet{}
			case "MutatingWebhookConfiguration":
				obj = &admissionregistrationv1.MutatingWebhookConfiguration{}
			default:
				t.Fatalf("%s: document %d: kind %s: add it to loadCluster", file, i+1, meta.Kind)
			}
			if err := sigsyaml.UnmarshalStrict(c.Data, obj); err != nil {
				t.Fatalf("%s: document %d: %v", file, i+1, err)
			}
			objs = append(objs, obj)
		}
	}
	return objs
}

func fakeCluster(t *testing.T, objs ...runtime.Object) *fake.Clientset {
	cs := fake.NewClientset(objs...)
	cs.Discovery().(*fakediscovery.FakeDiscovery).FakedServerVersion = &version.Info{GitVersion: serverVersion}
	return cs
}

// TestClusters reads each test cluster and compares the facts file and
// the notes with the folder's want.yaml and notes.txt.
func TestClusters(t *testing.T) {
	factsSchema := compileFactsSchema(t)
	dirs, err := filepath.Glob("testdata/*/cluster.yaml")
	if err != nil || len(dirs) < 5 {
		t.Fatalf("want the five test clusters, found %v (%v)", dirs, err)
	}
	for _, f := range dirs {
		dir := filepath.Dir(f)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			cs := fakeCluster(t, loadCluster(t, dir)...)
			ff, notes := Read(context.Background(), cs)
			got := ff.Marshal(Header)
			gotNotes := []byte(strings.Join(notes, "\n"))
			if len(notes) > 0 {
				gotNotes = append(gotNotes, '\n')
			}
			golden(t, filepath.Join(dir, "want.yaml"), got)
			golden(t, filepath.Join(dir, "notes.txt"), gotNotes)
			// What Read writes, the published schema takes.
			if err := factsSchema.Validate(jsonInstance(t, got)); err != nil {
				t.Errorf("docs/facts.schema.json refuses the facts file Read wrote:\n%v", err)
			}
			// What Read writes, lint reads back.
			back, err := config.ParseFacts("want.yaml", got)
			if err != nil {
				t.Fatalf("the facts file does not read back: %v", err)
			}
			if again := back.Marshal(Header); !bytes.Equal(again, got) {
				t.Errorf("read back and written again, the facts file changes:\n%s", cmp.Diff(string(got), string(again)))
			}
			for _, a := range cs.Actions() {
				if v := a.GetVerb(); v != "get" && v != "list" {
					t.Errorf("Read made a %s request on %s: it must only read", v, a.GetResource().Resource)
				}
			}
		})
	}
}

func golden(t *testing.T, file string, got []byte) {
	t.Helper()
	if *update {
		if len(got) == 0 {
			if err := os.Remove(file); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			return
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		want, err = nil, nil
	}
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s differs (-want +got; go test ./pkg/clusterfacts -update rewrites it):\n%s", file, d)
	}
}

// TestForbidden: a reader that may read nothing gets a file with nothing
// in it, and a note for each part, naming the ClusterRole to bind.
func TestForbidden(t *testing.T) {
	cs := fakeCluster(t, loadCluster(t, "testdata/istio-1.22-default")...)
	cs.PrependReactor("*", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		gr := schema.GroupResource{Group: a.GetResource().Group, Resource: a.GetResource().Resource}
		return true, nil, forbidden(gr)
	})
	ff, notes := Read(context.Background(), cs)
	if got := string(ff.Marshal("")); got != "facts: {}\n" {
		t.Errorf("with every read forbidden, the file holds facts:\n%s", got)
	}
	want := []string{"the API server's version", "nodes", "istiod Deployments", "MutatingWebhookConfigurations", "DaemonSets", "namespaces"}
	if len(notes) != len(want) {
		t.Fatalf("notes = %q, want one for each of %q", notes, want)
	}
	for i, w := range want {
		if !strings.Contains(notes[i], "cannot read "+w+": forbidden") || !strings.Contains(notes[i], "deploy/rbac/meshbatch-reader.yaml") {
			t.Errorf("note %d = %q, want it to say %s is forbidden and name the ClusterRole", i, notes[i], w)
		}
	}
}

func forbidden(gr schema.GroupResource) error {
	return apierrors.NewForbidden(gr, "", errors.New("RBAC: access denied"))
}

// compileFactsSchema compiles docs/facts.schema.json, the schema of what
// `meshbatch facts` writes, asserting formats as an editor does.
func compileFactsSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	data, err := os.ReadFile("../../docs/facts.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(config.FactsSchemaID, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(config.FactsSchemaID)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func jsonInstance(t *testing.T, yamlData []byte) any {
	t.Helper()
	js, err := manifest.YAMLToJSON(yamlData, manifest.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

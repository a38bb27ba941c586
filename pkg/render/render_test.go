package render

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDetect(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"charts/etl/Chart.yaml":                   "name: etl\n",
		"charts/etl/templates/job.yaml":           "kind: Job\n",
		"charts/etl/charts/db/Chart.yaml":         "name: db\n",
		"charts/etl/charts/db/templates/sts.yaml": "kind: StatefulSet\n",
		"k/base/kustomization.yml":                "resources: [job.yaml]\n",
		"k/base/job.yaml":                         "kind: Job\n",
		"k/prod/Kustomization":                    "resources:\n  - ../base\n  - github.com/org/repo//x?ref=v1\n  - extra.yaml\n",
		"k/prod/extra.yaml":                       "kind: Job\n",
		"k/prod/patches/p.yaml":                   "kind: Job\n",
		"plain/job.yaml":                          "kind: Job\n",
	})
	t.Chdir(root)
	for dir, want := range map[string]Kind{"charts/etl": Helm, "charts/etl/charts/db": Helm, "k/base": Kustomize, "k/prod": Kustomize, "plain": "", "charts": ""} {
		if got := KindOf(dir); got != want {
			t.Errorf("KindOf(%s) = %q, want %q", dir, got, want)
		}
	}
	for file, want := range map[string]string{
		"charts/etl/templates/job.yaml":           "charts/etl",
		"charts/etl/Chart.yaml":                   "charts/etl",
		"charts/etl/charts/db/templates/sts.yaml": "charts/etl", // the outer chart renders its subchart
		"k/prod/patches/p.yaml":                   "k/prod",
		"k/base/job.yaml":                         "k/base",
		"plain/job.yaml":                          "",
	} {
		if got, _ := Enclosing(file, "."); got != want {
			t.Errorf("Enclosing(%s) = %q, want %q", file, got, want)
		}
	}
	if got := LocalBases("k/prod"); !slices.Equal(got, []string{filepath.Join("k", "base")}) {
		t.Errorf("LocalBases(k/prod) = %v, want [k/base]", got)
	}
	remote := RemoteRefs("k/prod")
	if len(remote) != 1 || remote[0].Line != 3 || !strings.Contains(remote[0].Msg, "github.com/org/repo//x?ref=v1 is remote") {
		t.Errorf("RemoteRefs(k/prod) = %+v, want the github.com base at line 3", remote)
	}
	if r := RemoteRefs("k/base"); len(r) != 0 {
		t.Errorf("RemoteRefs(k/base) = %+v, want none", r)
	}
}

func TestIsRemote(t *testing.T) {
	for ref, want := range map[string]bool{
		"../base":                             false,
		"cronjob.yaml":                        false,
		"https://example.com/x.yaml":          true,
		"github.com/org/repo//deploy?ref=v1":  true,
		"git@github.com:org/repo.git//deploy": true,
		"example.com/org/repo":                true,
		"components/istio":                    false,
	} {
		if got := IsRemote(ref); got != want {
			t.Errorf("IsRemote(%q) = %v, want %v", ref, got, want)
		}
	}
}

func TestPatchFiles(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"kustomization.yaml": `resources: [../base]
patches:
  - path: a.yaml
  - patch: |-
      - op: add
        path: /x
        value: 1
    target: {kind: Job}
patchesStrategicMerge:
  - b.yaml
patchesJson6902:
  - path: c.yaml
    target: {kind: Job, name: x}
`})
	k := filepath.Join(root, "kustomization.yaml")
	want := []string{filepath.Join(root, "a.yaml"), filepath.Join(root, "b.yaml"), filepath.Join(root, "c.yaml"), k}
	if got := PatchFiles(k); !slices.Equal(got, want) {
		t.Errorf("PatchFiles = %v, want %v", got, want)
	}
}

func TestBaseUsers(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"base/kustomization.yaml":         "resources: [job.yaml]\n",
		"base/job.yaml":                   "kind: Job\n",
		"mid/kustomization.yaml":          "resources: [../base]\n",
		"envs/prod/kustomization.yaml":    "resources: [../../mid]\n",
		"envs/staging/kustomization.yaml": "resources: [../../base]\n",
		".hidden/kustomization.yaml":      "resources: [../base]\n",
	})
	t.Chdir(root)
	got := UsersOf(BaseUsers("."), "base")
	slices.Sort(got)
	want := []string{filepath.Join("envs", "prod"), filepath.Join("envs", "staging"), "mid"}
	if !slices.Equal(got, want) {
		t.Errorf("UsersOf(base) = %v, want %v (hidden directories skipped)", got, want)
	}
	if got := UsersOf(BaseUsers("."), filepath.Join("envs", "prod")); len(got) != 0 {
		t.Errorf("UsersOf(envs/prod) = %v, want none", got)
	}
}

func TestUses(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"k/kustomization.yaml": `resources: [job.yaml, ../other]
patches:
  - path: patches/p.yaml
configMapGenerator:
  - name: a
    files: [app.properties, key=conf/b.txt]
    envs: [a.env]
`,
	})
	t.Chdir(root)
	for file, want := range map[string]bool{
		"k/kustomization.yaml": true,
		"k/job.yaml":           true,
		"k/patches/p.yaml":     true,
		"k/app.properties":     true,
		"k/conf/b.txt":         true,
		"k/a.env":              true,
		"k/stray.yaml":         false, // sits in the directory, read by nothing
	} {
		if got := Uses("k", file); got != want {
			t.Errorf("Uses(k, %s) = %v, want %v", file, got, want)
		}
	}
}

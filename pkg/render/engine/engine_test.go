package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/render"
)

func TestAddBuildMetadata(t *testing.T) {
	for in, want := range map[string]string{
		"resources: [a.yaml]":                                "resources: [a.yaml]\nbuildMetadata: [originAnnotations, transformerAnnotations]\n",
		"buildMetadata: [managedByLabel]\nresources: [a]\n":  "resources: [a]\nbuildMetadata: [originAnnotations, transformerAnnotations]\n",
		"buildMetadata:\n- managedByLabel\nresources: [a]\n": "resources: [a]\nbuildMetadata: [originAnnotations, transformerAnnotations]\n",
	} {
		if got := string(addBuildMetadata([]byte(in))); got != want {
			t.Errorf("addBuildMetadata(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestBuildKustomization: the build's documents carry their resource file
// and the overlay's patch files, and none of the annotations the build
// added for that; a user's own annotations stay. A generated ConfigMap's
// source is the kustomization that generates it.
func TestBuildKustomization(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"base/kustomization.yaml": "resources: [job.yaml]\n",
		"base/job.yaml":           "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: etl\n  annotations: {team: data}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: etl, image: etl:1}]\n",
		"prod/kustomization.yaml": "resources: [../base]\nnamespace: prod\npatches:\n  - path: patch.yaml\nconfigMapGenerator:\n  - name: settings\n    literals: [a=b]\n",
		"prod/patch.yaml":         "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: etl\nspec:\n  backoffLimit: 1\n",
	}
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(root)
	rs, err := Engine{}.Render(context.Background(), []render.Target{{Kind: render.Kustomize, Dir: "prod"}})
	if err != nil {
		t.Fatal(err)
	}
	r := rs[0]
	if len(r.Errors) > 0 || len(r.Docs) != 2 {
		t.Fatalf("got %d documents, errors %+v; want 2 and none", len(r.Docs), r.Errors)
	}
	sources := map[string]render.Doc{}
	for _, d := range r.Docs {
		sources[d.Source] = d
		if strings.Contains(d.Content, "config.kubernetes.io/origin") || strings.Contains(d.Content, "transformations") {
			t.Errorf("%s: the build's annotations are left in:\n%s", d.Source, d.Content)
		}
	}
	job, ok := sources[filepath.Join("base", "job.yaml")]
	if !ok {
		t.Fatalf("no document from base/job.yaml: %v", sources)
	}
	if !strings.Contains(job.Content, "team: data") || !strings.Contains(job.Content, "backoffLimit: 1") {
		t.Errorf("the Job lost its own annotation or the patch:\n%s", job.Content)
	}
	if len(job.Patches) != 2 || job.Patches[0] != filepath.Join("prod", "patch.yaml") {
		t.Errorf("patches = %v, want prod/patch.yaml then prod/kustomization.yaml", job.Patches)
	}
	if _, ok := sources[filepath.Join("prod", "kustomization.yaml")]; !ok {
		t.Errorf("the generated ConfigMap's source is not prod/kustomization.yaml: %v", sources)
	}
}

// TestRenderChartSubchart: a subchart renders with the parent's values
// for it, and its documents' source is its own template file.
func TestRenderChartSubchart(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"app/Chart.yaml":                      "apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n  - name: db\n    version: 0.1.0\n",
		"app/values.yaml":                     "db: {size: 3}\n",
		"app/templates/sa.yaml":               "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: {{ .Release.Name }}, namespace: {{ .Release.Namespace }}}\n",
		"app/charts/db/Chart.yaml":            "apiVersion: v2\nname: db\nversion: 0.1.0\n",
		"app/charts/db/templates/cm.yaml":     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: db}\ndata: {size: {{ .Values.size | quote }}}\n",
		"app/charts/db/templates/NOTES.txt":   "hello\n",
		"app/charts/db/templates/_helper.tpl": "{{- define \"x\" }}x{{ end }}\n",
	}
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(root)
	rs, err := Engine{}.Render(context.Background(), []render.Target{{Kind: render.Helm, Dir: "app", ReleaseName: "etl", Namespace: "batch"}})
	if err != nil {
		t.Fatal(err)
	}
	r := rs[0]
	if len(r.Errors) > 0 || len(r.Docs) != 2 {
		t.Fatalf("got %d documents, errors %+v; want 2 and none", len(r.Docs), r.Errors)
	}
	got := map[string]string{}
	for _, d := range r.Docs {
		got[d.Source] = d.Content
	}
	if c := got[filepath.Join("app", "charts", "db", "templates", "cm.yaml")]; !strings.Contains(c, `size: "3"`) {
		t.Errorf("subchart document = %q, want size \"3\" from the parent's values", c)
	}
	if c := got[filepath.Join("app", "templates", "sa.yaml")]; !strings.Contains(c, "name: etl, namespace: batch") {
		t.Errorf("release name and namespace not applied: %q", c)
	}
}

// TestRenderChartMissingDependency: a dependency not in charts/ is a
// render error that says to build the dependencies, as helm template
// refuses too.
func TestRenderChartMissingDependency(t *testing.T) {
	root := t.TempDir()
	t.Chdir(root)
	if err := os.MkdirAll("app/templates", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("app/Chart.yaml", []byte("apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n  - name: db\n    version: 0.1.0\n    repository: https://charts.example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rs, err := Engine{}.Render(context.Background(), []render.Target{{Kind: render.Helm, Dir: "app"}})
	if err != nil {
		t.Fatal(err)
	}
	if e := rs[0].Errors; len(e) != 1 || e[0].File != filepath.Join("app", "Chart.yaml") || !strings.Contains(e[0].Msg, "depends on db, not in its charts/ directory: run helm dependency build app") {
		t.Errorf("errors = %+v, want one on app/Chart.yaml about db", e)
	}
}

// TestRenderChartKubeVersion: the cluster version lint is told
// (--kubernetes-version, facts) is what templates see in .Capabilities.
func TestRenderChartKubeVersion(t *testing.T) {
	root := t.TempDir()
	t.Chdir(root)
	if err := os.MkdirAll("app/templates", 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		"app/Chart.yaml":        "apiVersion: v2\nname: app\nversion: 0.1.0\n",
		"app/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: v}\ndata: {kube: {{ .Capabilities.KubeVersion.Version | quote }}}\n",
	} {
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rs, err := Engine{}.Render(context.Background(), []render.Target{{Kind: render.Helm, Dir: "app", KubeVersion: "1.31"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs[0].Docs) != 1 || !strings.Contains(rs[0].Docs[0].Content, `kube: "v1.31.0"`) {
		t.Errorf("rendered %+v, want kube: \"v1.31.0\"", rs[0])
	}
}

func writeTree(t *testing.T, root string, files map[string]string) {
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

// helmCreateChart is the layout helm create writes, cut down, with a
// CronJob: .helmignore, _helpers.tpl, NOTES.txt, a test hook under
// templates/tests, a subchart with its own .helmignore, and
// values.schema.json files. Were a .tmp file rendered, scratch.tmp would
// fail to parse and ignored.tmp would be a document.
var helmCreateChart = map[string]string{
	"app/Chart.yaml":  "apiVersion: v2\nname: app\nversion: 0.1.0\nappVersion: \"1.16.0\"\ndependencies:\n  - name: worker\n    version: 0.1.0\n",
	"app/.helmignore": "*.tmp\n.git/\n",
	"app/values.yaml": "image: {repository: nginx, tag: \"\"}\nreplicaCount: 1\n",
	"app/values.schema.json": `{"type": "object", "required": ["image"], "properties": {
  "replicaCount": {"type": "integer", "minimum": 1},
  "image": {"type": "object", "required": ["repository"], "properties": {"repository": {"type": "string", "minLength": 1}}}}}`,
	"app/templates/_helpers.tpl":               "{{- define \"app.fullname\" -}}{{ .Release.Name }}-{{ .Chart.Name }}{{- end }}\n",
	"app/templates/NOTES.txt":                  "Get the URL: {{ include \"app.fullname\" . }}\n",
	"app/templates/scratch.tmp":                "{{ this is not a template\n",
	"app/templates/cronjob.yaml":               "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: {{ include \"app.fullname\" . }}}\nspec:\n  schedule: \"0 3 * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers:\n            - name: app\n              image: \"{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}\"\n",
	"app/templates/tests/test-connection.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"{{ include \"app.fullname\" . }}-test\"\n  annotations: {\"helm.sh/hook\": test}\nspec:\n  restartPolicy: Never\n  containers: [{name: wget, image: busybox}]\n",
	"app/charts/worker/Chart.yaml":             "apiVersion: v2\nname: worker\nversion: 0.1.0\n",
	"app/charts/worker/values.yaml":            "image: registry.example.com/worker:1\n",
	"app/charts/worker/values.schema.json":     `{"type": "object", "properties": {"image": {"type": "string"}}}`,
	"app/charts/worker/templates/job.yaml":     "apiVersion: batch/v1\nkind: Job\nmetadata: {name: worker}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: w, image: {{ .Values.image | quote }}}]\n",
	"app/charts/worker/templates/_helpers.tpl": "{{- define \"worker.x\" }}x{{ end }}\n",
	"app/charts/worker/templates/NOTES.txt":    "worker\n",
	"app/charts/worker/templates/ignored.tmp":  "kind: NotRendered # the subchart's .helmignore leaves it out\n",
	"app/charts/worker/.helmignore":            "*.tmp\n",
}

// TestRenderHelmCreateLayout: a chart laid out as helm create writes it
// renders as helm template does: the CronJob, the test hook's Pod and the
// subchart's Job; no NOTES.txt, no helpers, nothing .helmignore names.
func TestRenderHelmCreateLayout(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, helmCreateChart)
	t.Chdir(root)
	rs, err := Engine{}.Render(context.Background(), []render.Target{{Kind: render.Helm, Dir: "app"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range rs[0].Docs {
		got = append(got, filepath.ToSlash(d.Source))
	}
	want := []string{"app/charts/worker/templates/job.yaml", "app/templates/cronjob.yaml", "app/templates/tests/test-connection.yaml"}
	if len(rs[0].Errors) > 0 || strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("documents from %v, errors %+v; want from %v and no error", got, rs[0].Errors, want)
	}
}

// TestRenderChartSchemaRejects: values that a values.schema.json rejects
// are one error on that file (the subchart's when only it rejects them),
// Helm's list of what it rejects on one line and sorted, and what to do.
func TestRenderChartSchemaRejects(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, helmCreateChart)
	t.Chdir(root)
	for _, c := range []struct {
		set  []string
		file string
		msg  string
	}{
		{[]string{"replicaCount=0", "image.repository="}, "app/values.schema.json",
			"the values do not meet values.schema.json: chart app: at '/image/repository': minLength: got 0, want 1; at '/replicaCount': minimum: got 0, want 1; give values the schema accepts"},
		{[]string{"worker.image=3"}, "app/charts/worker/values.schema.json",
			"the values do not meet values.schema.json: chart worker: at '/image': got number, want string; give values"},
	} {
		rs, err := Engine{}.Render(context.Background(), []render.Target{{Kind: render.Helm, Dir: "app", Set: c.set}})
		if err != nil {
			t.Fatal(err)
		}
		e := rs[0].Errors
		if len(e) != 1 || filepath.ToSlash(e[0].File) != c.file || !strings.HasPrefix(e[0].Msg, c.msg) || strings.Contains(e[0].Msg, "\n") {
			t.Errorf("--set %v: errors %+v, want one on %s starting %q", c.set, e, c.file, c.msg)
		}
	}
}

// TestBuildKustomizationErrorLine: a build that fails on a path the
// kustomization names (a generator's file that is not there, a component
// directory that is not) is an error at the line that names it.
func TestBuildKustomizationErrorLine(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"base/kustomization.yaml":            "resources: [job.yaml]\n",
		"base/job.yaml":                      "apiVersion: batch/v1\nkind: Job\nmetadata: {name: etl}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: etl, image: etl:1}]\n",
		"components/mesh/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonAnnotations: {team: data}\n",
		"nofile/kustomization.yaml":          "resources:\n  - ../base\nconfigMapGenerator:\n  - name: settings\n    files:\n      - settings.properties\n",
		"nocomponent/kustomization.yaml":     "resources:\n  - ../base\ncomponents:\n  - ../components/mesh\n  - ../components/mess\n",
	})
	t.Chdir(root)
	for dir, line := range map[string]int{"nofile": 6, "nocomponent": 5} {
		rs, err := Engine{}.Render(context.Background(), []render.Target{{Kind: render.Kustomize, Dir: dir}})
		if err != nil {
			t.Fatal(err)
		}
		e := rs[0].Errors
		if len(e) != 1 || e[0].File != filepath.Join(dir, "kustomization.yaml") || e[0].Line != line {
			t.Errorf("%s: errors %+v, want one at %s/kustomization.yaml:%d", dir, e, dir, line)
		}
	}
}

// TestRenderChartValuesSyntax: a values file that does not parse, the
// chart's own or one given, is an error at the line the parser names, in
// that file.
func TestRenderChartValuesSyntax(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"app/Chart.yaml":        "apiVersion: v2\nname: app\nversion: 0.1.0\n",
		"app/values.yaml":       "replicaCount: 1\nimage:\n  repository: [nginx\n",
		"ok/Chart.yaml":         "apiVersion: v2\nname: ok\nversion: 0.1.0\n",
		"ok/templates/cm.yaml":  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
		"env/values-prod.yaml":  "a: 1\nb: [2\n",
		"ok/values.schema.json": "{}\n",
	})
	t.Chdir(root)
	rs, err := Engine{}.Render(context.Background(), []render.Target{{Kind: render.Helm, Dir: "app"}, {Kind: render.Helm, Dir: "ok", Values: []string{"env/values-prod.yaml"}}})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []render.Error{{File: filepath.Join("app", "values.yaml"), Line: 3}, {File: filepath.Join("env", "values-prod.yaml"), Line: 2}} {
		e := rs[i].Errors
		if len(e) != 1 || e[0].File != want.File || e[0].Line != want.Line {
			t.Errorf("%s: errors %+v, want one at %s:%d", rs[i].Target.Dir, e, want.File, want.Line)
		}
	}
}

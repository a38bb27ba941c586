package lint

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// TestMatchPath pins the path-ignore semantics kube-linter broke three
// times (#500, #575, #1165): globs are relative to the config file's
// directory, whatever the working directory and however the path was given.
func TestMatchPath(t *testing.T) {
	repo := t.TempDir()
	sub := filepath.Join(repo, "deploy")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		cwd   string // working directory while matching
		paths []string
		file  string // as lint reports it
		want  bool
	}{
		{"relative, from the root", repo, []string{"vendor/**"}, "vendor/a/b.yaml", true},
		{"./ prefix on the file", repo, []string{"vendor/**"}, "./vendor/b.yaml", true},
		{"./ prefix on the pattern", repo, []string{"./vendor/**"}, "vendor/b.yaml", true},
		{"absolute file", repo, []string{"vendor/**"}, filepath.Join(repo, "vendor", "b.yaml"), true},
		{"from a subdirectory", sub, []string{"deploy/legacy/**"}, "legacy/job.yaml", true},
		{"from a subdirectory, ../", sub, []string{"vendor/**"}, "../vendor/x.yaml", true},
		{"directory pattern means everything below", repo, []string{"vendor"}, "vendor/a/b.yaml", true},
		{"trailing slash", repo, []string{"flux-system/"}, "clusters/flux-system/gotk.yaml", false},
		{"doublestar prefix for any depth", repo, []string{"**/flux-system"}, "clusters/prod/flux-system/gotk.yaml", true},
		{"single star stays in one directory", repo, []string{"*.yaml"}, "deploy/job.yaml", false},
		{"single star at the root", repo, []string{"*.yaml"}, "job.yaml", true},
		{"prefix is not a directory match", repo, []string{"vendor"}, "vendored/job.yaml", false},
		{"outside the config directory", sub, []string{"**"}, filepath.Join(filepath.Dir(repo), "other.yaml"), false},
		{"stdin never matches", repo, []string{"**"}, StdinName, false},
		{"brace alternatives", repo, []string{"{vendor,third_party}/**"}, "third_party/x.yaml", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Chdir(tc.cwd)
			s := Suppression{Paths: tc.paths, Base: repo}
			if got := s.matchPath(tc.file); got != tc.want {
				t.Errorf("paths %q, file %q from %s: match = %v, want %v", tc.paths, tc.file, tc.cwd, got, tc.want)
			}
		})
	}
}

func TestMatchesObject(t *testing.T) {
	job := Finding{RuleID: "MB101", Slug: "job-sidecar-never-exits", File: "j.yaml",
		Object: ObjectRef{Kind: "Job", Namespace: "legacy-a", Name: "old-etl"}}
	noNS := Finding{RuleID: "MB101", Slug: "job-sidecar-never-exits", File: "j.yaml",
		Object: ObjectRef{Kind: "Job", Name: "etl"}}
	for _, tc := range []struct {
		name string
		s    Suppression
		f    Finding
		want bool
	}{
		{"all fields match", Suppression{Rules: []string{"MB101"}, Kinds: []string{"Job"}, Namespaces: []string{"legacy-*"}, Names: []string{"old-*"}}, job, true},
		{"slug, any case", Suppression{Rules: []string{"Job-Sidecar-Never-Exits"}}, job, true},
		{"another rule", Suppression{Rules: []string{"MB102"}}, job, false},
		{"one field differs", Suppression{Kinds: []string{"Job"}, Names: []string{"new-*"}}, job, false},
		{"any of a list", Suppression{Kinds: []string{"CronJob", "Job"}}, job, true},
		{"no namespace is default", Suppression{Namespaces: []string{"default"}}, noNS, true},
		{"no namespace is not legacy", Suppression{Namespaces: []string{"legacy-*"}}, noNS, false},
	} {
		if got := tc.s.matches(&tc.f); got != tc.want {
			t.Errorf("%s: matches = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestParseSuppress(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Suppression
		err  string
	}{
		{in: "MB101=Job batch/*", want: Suppression{Rules: []string{"MB101"}, Kinds: []string{"Job"}, Namespaces: []string{"batch"}, Names: []string{"*"}}},
		{in: "MB101,job-sidecar-never-exits=CronJob */nightly-*", want: Suppression{Rules: []string{"MB101", "job-sidecar-never-exits"}, Kinds: []string{"CronJob"}, Namespaces: []string{"*"}, Names: []string{"nightly-*"}}},
		{in: "*=Namespace batch", want: Suppression{Rules: []string{"*"}, Kinds: []string{"Namespace"}, Names: []string{"batch"}}},
		{in: "MB101=Job", want: Suppression{Rules: []string{"MB101"}, Kinds: []string{"Job"}}},
		{in: "MB101=*", want: Suppression{Rules: []string{"MB101"}}},
		{in: "MB101", want: Suppression{Rules: []string{"MB101"}}},
		{in: "MB999=Job a/b", err: `"MB999=Job a/b": unknown rule "MB999"`},
		{in: "=Job a/b", err: "want RULES[=Kind namespace/name]"},
		{in: "MB101=Job a b", err: `the target must be "Kind namespace/name" or "Kind name"`},
		{in: "MB101=Job [a/b", err: `bad pattern "[a"`},
		// The kind left out, misspelt or in lower case is an error that
		// shows the form, not a suppression that matches nothing.
		{in: "MB302=reporting/export-invoices", err: `"MB302=reporting/export-invoices": "reporting/export-invoices" is not a kind: a kind has no "/" (is the kind missing before namespace/name?); want RULES[=Kind namespace/name], like MB302=Job reporting/export-invoices`},
		{in: "MB302=Jobs reporting/*", err: `"MB302=Jobs reporting/*": unknown kind "Jobs" (did you mean Job?); want RULES[=Kind namespace/name], like MB302=Job reporting/*`},
		{in: "MB302=Deploymnet web", err: `unknown kind "Deploymnet" (did you mean Deployment?); want RULES[=Kind namespace/name], like MB302=Deployment web`},
		{in: "MB302=cronjob */nightly", err: `"cronjob" is not a kind: kinds start with an upper-case letter (did you mean CronJob?)`},
		{in: "MB302=secret a/b", err: `"secret" is not a kind: kinds start with an upper-case letter, like Job`},
		{in: "MB302=Job/x a/b", err: `"Job/x" is not a kind`},
		// Kinds meshbatch does not decode, and globs, are accepted: MB001
		// names objects of any kind.
		{in: "MB001=Secret a/b", want: Suppression{Rules: []string{"MB001"}, Kinds: []string{"Secret"}, Namespaces: []string{"a"}, Names: []string{"b"}}},
		{in: "MB001=Node n1", want: Suppression{Rules: []string{"MB001"}, Kinds: []string{"Node"}, Names: []string{"n1"}}},
		{in: "MB101=*Job a/*", want: Suppression{Rules: []string{"MB101"}, Kinds: []string{"*Job"}, Namespaces: []string{"a"}, Names: []string{"*"}}},
	} {
		got, err := ParseSuppress(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseSuppress(%q) error = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseSuppress(%q): %v", tc.in, err)
			continue
		}
		tc.want.Source = SuppressedByFlag
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ParseSuppress(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

// TestKnownKinds: every kind the did-you-mean list offers is one
// pkg/manifest decodes at a version in use.
func TestKnownKinds(t *testing.T) {
	apiVersions := []string{"v1", "apps/v1", "batch/v1", "security.istio.io/v1", "networking.istio.io/v1"}
	for _, k := range knownKinds() {
		found := false
		for _, av := range apiVersions {
			found = found || manifest.IsKnownKind(av, k)
		}
		if !found {
			t.Errorf("knownKinds lists %s, which pkg/manifest does not decode", k)
		}
	}
}

// TestUnknownRuleInIgnoreAnnotation: an unknown id or slug in a
// meshbatch.dev/ignore annotation, on the object or its pod template, is
// an MB001 finding at the annotation with a did-you-mean, like the same
// typo in the config file or --suppress is an error. Known ids, "*" and
// empty items say nothing, and the known ids still suppress.
func TestUnknownRuleInIgnoreAnnotation(t *testing.T) {
	job := strings.Replace(jobYAML, "  namespace: batch\n", "  namespace: batch\n  annotations:\n    meshbatch.dev/ignore: \"MB101, MB6O1,\"\n", 1)
	job = strings.Replace(job, "  template:\n", "  template:\n    metadata:\n      annotations: {meshbatch.dev/ignore: \"job-sidecar-never-exit,*\"}\n", 1)
	clean := strings.Replace(jobYAML, "name: etl", "name: clean", 1)
	clean = strings.Replace(clean, "  namespace: batch\n", "  namespace: batch\n  annotations:\n    meshbatch.dev/ignore: \"mb101,job-sidecar-never-exits, *\"\n", 1)
	dir := writeFiles(t, map[string]string{"job.yaml": job + "---\n" + clean})
	res, err := Run(context.Background(), []string{dir}, Options{Rules: []*rules.Rule{testRule}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for f := range res.Findings.All() {
		if f.RuleID == "MB001" {
			got = append(got, fmt.Sprintf("%d:%d %s %s: %s", f.Line, f.Column, f.Severity, f.Object, f.Message))
		}
	}
	want := []string{
		"7:5 error Job batch/etl: meshbatch.dev/ignore names unknown rule \"MB6O1\" (did you mean MB601?), so it hides nothing; `meshbatch rules` lists the rules",
		"11:21 error Job batch/etl: meshbatch.dev/ignore on the pod template names unknown rule \"job-sidecar-never-exit\" (did you mean job-sidecar-never-exits?), so it hides nothing; `meshbatch rules` lists the rules",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("MB001 findings (-want +got):\n%s", diff)
	}
	if res.Suppressed.Len() != 3 {
		t.Errorf("%d suppressed, want the 3 findings of Job batch/clean (\"*\")", res.Suppressed.Len())
	}
}

// TestUnknownRulesInIgnoreAnnotationAreCapped: a hostile annotation with
// many items gets a bounded number of findings.
func TestUnknownRulesInIgnoreAnnotationAreCapped(t *testing.T) {
	var items []string
	for i := range 10000 {
		items = append(items, fmt.Sprintf("x%d", i), "x0")
	}
	job := strings.Replace(jobYAML, "  namespace: batch\n", "  namespace: batch\n  annotations:\n    meshbatch.dev/ignore: \""+strings.Join(items, ",")+"\"\n", 1)
	res, err := Run(context.Background(), []string{writeFiles(t, map[string]string{"job.yaml": job})}, Options{Rules: []*rules.Rule{rules.InvalidInput}})
	if err != nil {
		t.Fatal(err)
	}
	more := slices.ContainsFunc(slices.Collect(res.Findings.All()), func(f Finding) bool { return strings.Contains(f.Message, "more unknown rules than these") })
	if res.Findings.Len() != maxUnknownIgnores+1 || !more {
		t.Errorf("%d findings, want %d: %v", res.Findings.Len(), maxUnknownIgnores+1, ids(res.Findings))
	}
}

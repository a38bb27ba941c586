package lint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
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
		tc.want.Origin, tc.want.Source = "--suppress "+tc.in, SuppressedByFlag
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ParseSuppress(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestDidYouMean(t *testing.T) {
	for in, want := range map[string]string{
		"failon": "failOn", "ignor": "ignore", "minseverity": "minSeverity", "xyz": "", "fats": "facts",
	} {
		if got := didYouMean(in, []string{"rules", "ignore", "facts", "format", "failOn", "minSeverity"}); got != want {
			t.Errorf("didYouMean(%q) = %q, want %q", in, got, want)
		}
	}
}

package ruledoc

import (
	"bytes"
	"encoding/json"
	"flag"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// update is accepted so that `make golden` can pass -update to every
// package; this package has no golden files to rewrite.
var _ = flag.Bool("update", false, "no golden files here")

// TestEveryRuleRenders: each rule's explain text and page carry every
// section, for every rule in the registry.
func TestEveryRuleRenders(t *testing.T) {
	for _, r := range checks.All() {
		var ex, page bytes.Buffer
		if err := Explain(&ex, r); err != nil {
			t.Fatal(err)
		}
		if err := Page(&page, r); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Why:\n", "Fix:\n", "Bad:\n", "Good:\n", "Sources:\n", "Docs: " + r.URL()} {
			if !strings.Contains(ex.String(), want) {
				t.Errorf("explain %s lacks %q", r.ID, want)
			}
		}
		for _, want := range []string{"# " + r.ID + " " + r.Slug, "## Why", "## Fix", "## Example", "```yaml\n" + r.Bad, "## Suppress", "## Sources"} {
			if !strings.Contains(page.String(), want) {
				t.Errorf("page %s lacks %q", r.ID, want)
			}
		}
	}
}

func TestList(t *testing.T) {
	var js bytes.Buffer
	if err := List(&js, checks.All(), "json"); err != nil {
		t.Fatal(err)
	}
	var got []jsonRule
	if err := json.Unmarshal(js.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(checks.All()) || got[0].ID != "MB001" || got[0].DocURL != rules.DocsBase+"MB001.md" {
		t.Errorf("json list: %d rules, first %+v", len(got), got[0])
	}
	var md bytes.Buffer
	if err := List(&md, checks.All(), "markdown"); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(md.String(), "\n"); lines != len(checks.All())+2 {
		t.Errorf("markdown table has %d lines, want a header, a rule and one line per rule", lines)
	}
	if err := List(&md, checks.All(), "yaml"); err == nil || !strings.Contains(err.Error(), "use one of text, json, markdown") {
		t.Errorf("unknown format error = %v", err)
	}
}

func TestWrap(t *testing.T) {
	got := wrap("aaa bbb ccc ddd", 7)
	if got != "aaa bbb\nccc ddd" {
		t.Errorf("wrap = %q", got)
	}
}

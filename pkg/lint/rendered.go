package lint

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/render"
)

// RenderOptions say how the charts and Kustomize directories of the input
// are rendered.
type RenderOptions struct {
	// Renderer renders them; nil reads their files as plain manifests, as
	// meshbatch did before it rendered them.
	Renderer render.Renderer
	// Configure fills in a target found in the input: its values, release
	// name and namespace (from flags and the config file), and returns the
	// renderings to lint, several when the config names environments for
	// a chart (Target.Environment). nil renders each target as found,
	// with the chart's defaults.
	Configure func(render.Target) []render.Target
	// ChartOf names the chart a file belongs to that lies outside it (a
	// values file the config names for it), "" for none; nil for none.
	ChartOf func(file string) string
	// WorkDir is where a file named in the input is looked up from to
	// find the chart or Kustomize directory it belongs to; "" is the
	// working directory.
	WorkDir string
}

// RenderedFrom is where a finding on rendered input was in what was
// rendered: the chart or Kustomize directory, and the rendered document
// with the finding's line and column in it.
type RenderedFrom struct {
	Kind render.Kind `json:"kind"`
	Dir  string      `json:"dir"`
	// Environment is the rendering's environment when the chart was
	// rendered for several (charts: in .meshbatch.yaml), else "".
	Environment string `json:"environment,omitempty"`
	Line        int    `json:"line"`
	Column      int    `json:"column"`
	Document    string `json:"document"`
	// Mapped is false when the rendered line was not found in the source
	// file unambiguously: the finding is then on the source's first line,
	// and its message quotes the rendered line.
	Mapped bool `json:"mapped"`
}

// renderedDoc is a rendered document loaded under a name of its own (see
// renderedName), and where it came from.
type renderedDoc struct {
	target render.Target
	doc    render.Doc
}

// renderedName is the name a rendered document is loaded under: unique
// in the run (one template renders several documents, one base file is in
// several overlays), and readable should it show.
func renderedName(source string, t render.Target, n int) string {
	if t.Environment != "" {
		return fmt.Sprintf("%s (rendered from %s for %s, document %d)", source, t.Dir, t.Environment, n+1)
	}
	return fmt.Sprintf("%s (rendered from %s, document %d)", source, t.Dir, n+1)
}

// environmentNote is what a finding's message ends with when its chart was
// rendered for several environments: the findings of each are otherwise
// alike, at the same template lines.
func environmentNote(env string) string {
	if env == "" {
		return ""
	}
	return " [environment " + env + "]"
}

// targets collects the charts and Kustomize directories the walk finds,
// once each.
type targets struct {
	list []render.Target
	seen map[string]bool
	// users indexes the Kustomize directories of the working directory by
	// their bases, built on first use (render.BaseUsers).
	users map[string][]string
}

// usersOf are the Kustomize directories under the working directory that
// use dir as a base, directly or not, as their paths from there.
func (ts *targets) usersOf(dir string, opts Options) []string {
	wd := opts.Render.WorkDir
	if wd == "" {
		wd = "."
	}
	if ts.users == nil {
		ts.users = render.BaseUsers(wd)
	}
	return render.UsersOf(ts.users, dir)
}

func (ts *targets) add(kind render.Kind, dir string) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	if ts.seen == nil {
		ts.seen = map[string]bool{}
	}
	if ts.seen[abs] {
		return
	}
	ts.seen[abs] = true
	ts.list = append(ts.list, render.Target{Kind: kind, Dir: filepath.Clean(dir)})
}

// dropBases leaves out the Kustomize directories that others in the
// input use as a base: they are linted as their overlays build them, and
// a notice says so.
func (ts *targets) dropBases(out *loaded) {
	usedBy := map[string][]string{}
	for _, t := range ts.list {
		if t.Kind != render.Kustomize {
			continue
		}
		for _, b := range render.LocalBases(t.Dir) {
			if abs, err := filepath.Abs(b); err == nil {
				usedBy[abs] = append(usedBy[abs], t.Dir)
			}
		}
	}
	kept := ts.list[:0]
	for _, t := range ts.list {
		abs, _ := filepath.Abs(t.Dir)
		if users := usedBy[abs]; t.Kind == render.Kustomize && len(users) > 0 {
			what := "base"
			if render.IsComponent(t.Dir) {
				what = "component"
			}
			out.notices = append(out.notices, fmt.Sprintf("%s: a Kustomize %s of %s, linted as built there and not on its own",
				t.Dir, what, strings.Join(users, ", ")))
			continue
		}
		kept = append(kept, t)
	}
	ts.list = kept
}

// renderTargets renders the targets and hands their documents to send;
// render errors become problems on the chart or kustomization (MB001).
func renderTargets(ctx context.Context, ts []render.Target, opts Options, out *loaded, send func(string, []byte, bool, *[]byte)) error {
	if len(ts) == 0 {
		return nil
	}
	if opts.Render.Configure != nil {
		var all []render.Target
		for _, t := range ts {
			all = append(all, opts.Render.Configure(t)...)
		}
		ts = all
	}
	limit := opts.Limits.MaxFileBytes
	if limit <= 0 {
		limit = manifest.DefaultMaxFileBytes
	}
	limit = min(limit, manifest.MaxFileBytes)
	rs, err := opts.Render.Renderer.Render(ctx, ts)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		said := map[string]bool{} // a chart's environments: one error for the chart
		for _, t := range ts {
			if !said[t.Dir] {
				said[t.Dir] = true
				out.errors = append(out.errors, errorf(t.Dir, "%s not rendered: %v", describeKind(t.Kind), err))
			}
		}
		return nil
	}
	for _, r := range rs {
		if e := r.Target.Environment; e != "" && !slices.Contains(out.environments, e) {
			out.environments = append(out.environments, e)
		}
		for _, e := range r.Errors {
			out.problems = append(out.problems, manifest.Problem{
				File: e.File, Pos: manifest.Pos{Line: max(e.Line, 1), Col: max(e.Col, 1)}, Msg: e.Msg + environmentNote(r.Target.Environment),
				Fix: renderFix(r.Target.Kind),
			})
		}
		if len(r.Docs) == 0 && len(r.Errors) == 0 && r.Target.Kind == render.Helm && render.IsLibraryChart(r.Target.Dir) {
			out.notices = append(out.notices, fmt.Sprintf("%s: a library chart (type: library), which renders nothing on its own: it is linted in the charts that use it", r.Target.Dir))
			continue
		}
		if len(r.Docs) == 0 && len(r.Errors) == 0 {
			// Not an error (a chart may render nothing with these
			// values), but a CI job must not pass on it unnoticed.
			out.notices = append(out.notices, fmt.Sprintf("%s: the %s rendered no document%s, so nothing of it was linted", r.Target.Dir, describeKind(r.Target.Kind), forEnvironment(r.Target.Environment)))
		}
		for _, d := range r.Docs {
			if size := int64(len(d.Content)); size > limit {
				// Rendered, a document is held to the limit of a file.
				out.problems = append(out.problems, manifest.Problem{File: d.Source, Pos: manifest.Pos{Line: 1, Col: 1}, Limit: manifest.LimitFileSize,
					Msg: "a document rendered from this file" + forEnvironment(r.Target.Environment) + " is " + overLimit(size, limit, opts.Limits.Hints[manifest.LimitFileSize])})
				continue
			}
			name := renderedName(d.Source, r.Target, len(out.rendered))
			if out.rendered == nil {
				out.rendered = map[string]*renderedDoc{}
			}
			out.rendered[name] = &renderedDoc{target: r.Target, doc: d}
			send(name, manifest.NormalizeLineBreaks([]byte(d.Content)), false, nil)
		}
	}
	return nil
}

// forEnvironment is " for ENV" in a sentence about a rendering of a chart
// for one of its environments, "" for a chart rendered once.
func forEnvironment(env string) string {
	if env == "" {
		return ""
	}
	return " for " + env
}

func describeKind(k render.Kind) string {
	if k == render.Helm {
		return "Helm chart"
	}
	return "Kustomize directory"
}

func renderFix(k render.Kind) string {
	if k == render.Helm {
		return "Fix the chart (the template, values file or Chart.yaml the message names), or give the values it needs: --values FILE, --set KEY=VALUE, or charts: in .meshbatch.yaml (docs/charts.md)."
	}
	return "Fix the kustomization so that kustomize build succeeds offline (docs/charts.md)."
}

// namedTarget is the chart or Kustomize directory a file named in the
// input belongs to (a changed template, values file or patch from a
// pre-commit hook), "" when none.
func namedTarget(p string, isDir bool, opts Options) (string, render.Kind) {
	if opts.Render.Renderer == nil {
		return "", ""
	}
	wd := opts.Render.WorkDir
	if wd == "" {
		var err error
		if wd, err = os.Getwd(); err != nil {
			return "", ""
		}
	}
	inside := p
	if isDir {
		inside = filepath.Join(p, "_") // the directory itself may be the chart
	}
	if dir, kind := render.Enclosing(inside, wd); dir != "" {
		// Any file of a chart is the chart's; a file in a Kustomize
		// directory is the kustomization's only if it reads it.
		if kind == render.Helm || isDir || render.Uses(dir, p) {
			return dir, kind
		}
		return "", ""
	}
	if opts.Render.ChartOf != nil {
		if dir := opts.Render.ChartOf(p); dir != "" {
			return dir, render.Helm
		}
	}
	return "", ""
}

// mapToSources points the findings on rendered documents at the files
// they came from (see render.Locate): the template of a chart; for a
// Kustomize build, the patch that set the field, else the resource file.
func mapToSources(found []*finding, rendered map[string]*renderedDoc) {
	if len(rendered) == 0 {
		return
	}
	cache := map[string]string{}
	read := func(f string) (string, bool) {
		if s, ok := cache[f]; ok {
			return s, true
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return "", false
		}
		cache[f] = string(b)
		return cache[f], true
	}
	for _, f := range found {
		if f.more != nil && len(f.more.related) > 0 {
			mapRelated(f, rendered)
		}
		rd := rendered[f.file()]
		if rd == nil {
			continue
		}
		rf := &RenderedFrom{Kind: rd.target.Kind, Dir: rd.target.Dir, Environment: rd.target.Environment,
			Line: int(f.line), Column: int(f.col), Document: rd.doc.Content}
		src := &sourcePos{file: rd.doc.Source, line: 1, col: 1, rendered: rf}
		for _, c := range sourceCandidates(rd.doc, render.IsLeaf(rd.doc.Content, int(f.line))) {
			text, ok := read(c)
			if !ok {
				continue
			}
			if l, col, ok := render.Locate(rd.doc.Content, int(f.line), int(f.col), text); ok {
				src.file, src.line, src.col, rf.Mapped = c, l, col, true
				break
			}
		}
		if !rf.Mapped {
			lines := strings.Split(rd.doc.Content, "\n")
			if l := int(f.line); l >= 1 && l <= len(lines) {
				src.note = fmt.Sprintf(" [rendered line %d: %s]", l, strings.TrimSpace(lines[l-1]))
			}
		}
		src.note += environmentNote(rd.target.Environment)
		if f.more == nil {
			f.more = &findingMore{}
		}
		f.more.source = src
		// A fix's edits are offsets in the rendered document, not in the
		// template or patch the finding now points at: meshbatch fix
		// would write them into the wrong bytes.
		f.more.fix, f.more.needs = nil, nil
		f.line, f.col = int32(src.line), int32(src.col)
	}
}

// sourceCandidates are the files to look for a rendered line in, in
// order. A patch sets values: a line with a value is looked for in the
// patches first, the last applied first, then in the resource file. A
// line that only opens a mapping (metadata:, annotations:) is where a
// missing field would go: the resource file defines it, unless only a
// patch has it.
func sourceCandidates(d render.Doc, leaf bool) []string {
	patches := slices.Clone(d.Patches)
	slices.Reverse(patches)
	if leaf {
		return append(patches, d.Source)
	}
	return append([]string{d.Source}, patches...)
}

// sourcePos is where a finding on a rendered document is in its source.
type sourcePos struct {
	file      string
	line, col int
	note      string // the rendered line, when not found in the source
	rendered  *RenderedFrom
}

// mapRelated sets the places of a finding's related objects when some
// of them were rendered.
func mapRelated(f *finding, rendered map[string]*renderedDoc) {
	some := false
	at := make([]RelatedObject, len(f.more.related))
	for i, o := range f.more.related {
		at[i] = RelatedObject{File: o.File, Line: o.Line(), Object: refOf(o)}
		if file, line, ok := relatedSource(o, rendered); ok {
			at[i].File, at[i].Line, some = file, line, true
		}
	}
	if some {
		f.more.relatedAt = at
	}
}

// relatedSource is the source file and line of a related object that was
// rendered: where its document's first line is found, else line 1.
func relatedSource(o *manifest.Object, rendered map[string]*renderedDoc) (string, int, bool) {
	rd := rendered[o.File]
	if rd == nil {
		return "", 0, false
	}
	if b, err := os.ReadFile(rd.doc.Source); err == nil {
		if l, _, ok := render.Locate(rd.doc.Content, o.Line(), 1, string(b)); ok {
			return rd.doc.Source, l, true
		}
	}
	return rd.doc.Source, 1, true
}

package lint

import (
	"cmp"
	"fmt"
	"iter"
	"strings"
	"unique"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// Finding is one reported problem, rendered: everything every output
// format needs. A Result holds its findings in a compact form and renders
// each into a Finding when it is read (see Findings).
type Finding struct {
	RuleID      string         `json:"ruleId"`
	Slug        string         `json:"slug"`
	Severity    rules.Severity `json:"-"`
	Message     string         `json:"message"`
	Remediation string         `json:"remediation"`
	URL         string         `json:"docUrl"`
	File        string         `json:"file"`
	Line        int            `json:"line"`
	Column      int            `json:"column"`
	FieldPath   string         `json:"fieldPath,omitempty"`
	Object      ObjectRef      `json:"object"`
	// Context is the kubeconfig context of a live object's cluster (lint
	// --cluster), whose findings have no File and no Line.
	Context string `json:"context,omitempty"`
	// Related are the other objects the finding is about, with the line
	// their document starts on.
	Related []RelatedObject `json:"related,omitempty"`
	// Suppressed says which suppression hid the finding ("" when shown):
	// "annotation meshbatch.dev/ignore on Job batch/etl",
	// ".meshbatch.yaml:12", "--suppress MB301=Job batch/*".
	Suppressed string `json:"-"`
	// SuppressedBy is SuppressedByAnnotation, SuppressedByConfig or
	// SuppressedByFlag when Suppressed is set.
	SuppressedBy string `json:"-"`
	// SuppressReason is the reason the suppression gives, if any.
	SuppressReason string `json:"-"`
	// Rendered is set for a finding on a rendered chart or Kustomize
	// build: File and Line are then in the source (the template, the
	// patch or resource file), and Rendered says where in the rendered
	// document the finding was.
	Rendered *RenderedFrom `json:"rendered,omitempty"`
	// Environments are, for a finding on an object outside the chart
	// environments of the run (a plain file), the environments it was
	// found with when not all of them were: the objects only those
	// render cause it. Nil otherwise.
	Environments []string `json:"environments,omitempty"`
	// Fix resolves the finding, when its rule offers one and the run
	// asked for fixes (Options.Fixes).
	Fix *rules.Fix `json:"fix,omitempty"`
	// FixNeedsFacts are, for a finding without a Fix in a run that asked
	// for fixes, the cluster facts (keys of RawFacts) whose absence alone
	// kept its rule from offering one (rules.NeedsFacts).
	FixNeedsFacts []string `json:"-"`
}

// RelatedObject is another object a finding is about, and where it is.
type RelatedObject struct {
	File    string    `json:"file"`
	Line    int       `json:"line"`
	Object  ObjectRef `json:"object"`
	Context string    `json:"context,omitempty"` // a live object's, as Finding's
}

// SeeAlso is what the one-line formats append to the message: where the
// related objects are, " (see PeerAuthentication istio-system/default at
// mesh/pa.yaml:3)", or "".
func (f *Finding) SeeAlso() string {
	if len(f.Related) == 0 {
		return ""
	}
	var parts []string
	for _, r := range f.Related {
		parts = append(parts, r.Where())
	}
	return " (see " + strings.Join(parts, "; ") + ")"
}

// Where says where a related object is: "PeerAuthentication
// istio-system/default at mesh/pa.yaml:3", or "in cluster prod-eu" for a
// live one.
func (r RelatedObject) Where() string {
	if r.File == "" && r.Context != "" {
		return fmt.Sprintf("%s in cluster %s", r.Object, r.Context)
	}
	return fmt.Sprintf("%s at %s:%d", r.Object, r.File, r.Line)
}

// Source is what the finding was read from: its File, or "cluster
// CONTEXT" for a live object (as Result.Files names the cluster's objects).
func (f *Finding) Source() string {
	if f.Live() {
		return liveSource(f.Context)
	}
	return f.File
}

func liveSource(context string) string { return "cluster " + context }

// Live reports whether the finding is on an object of a cluster.
func (f *Finding) Live() bool { return f.File == "" && f.Context != "" }

// ObjectRef identifies the object a finding is about.
type ObjectRef struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind,omitempty"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name,omitempty"`
}

// String names the object as users write it: "Job batch/etl".
func (o ObjectRef) String() string {
	switch {
	case o.Kind == "":
		return ""
	case o.Name == "" && o.Namespace == "":
		return "unnamed " + o.Kind
	case o.Name == "":
		return "unnamed " + o.Kind + " in namespace " + o.Namespace
	case o.Namespace == "":
		return o.Kind + " " + o.Name
	}
	return o.Kind + " " + o.Namespace + "/" + o.Name
}

// Findings is a sorted list of findings. The lists Run returns hold each
// finding as it was reported, the rule, the object (which the list keeps),
// the field path and position, the message's format and arguments: 80
// bytes and the arguments, ~200 bytes in all at 100k objects. They render
// it into a Finding each time it is read (At, All): a Finding and its
// message are ~550 bytes, and on an input that meshbatch was just adopted
// for most workloads have a finding or more. The zero value is an empty
// list; FindingsOf makes one of findings rendered by the caller.
type Findings struct {
	list  []*finding
	given []Finding
	live  *liveRun // the run's live input, which renders findings without a file
}

// FindingsOf returns a list of the given findings, in their order: a
// result built by hand, for a formatter.
func FindingsOf(fs ...Finding) Findings {
	return Findings{given: fs}
}

// Len returns the number of findings.
func (fs Findings) Len() int { return len(fs.list) + len(fs.given) }

// At renders the i-th finding.
func (fs Findings) At(i int) Finding {
	if fs.given != nil {
		return fs.given[i]
	}
	return fs.list[i].render(fs.live)
}

// All renders the findings one at a time, in order.
func (fs Findings) All() iter.Seq[Finding] {
	return func(yield func(Finding) bool) {
		for i := range fs.Len() {
			if !yield(fs.At(i)) {
				return
			}
		}
	}
}

// severity returns the i-th finding's severity, without rendering it.
func (fs Findings) severity(i int) rules.Severity {
	if fs.given != nil {
		return fs.given[i].Severity
	}
	return rules.Severity(fs.list[i].sev)
}

// finding is a finding as Run holds it until it is written: what the
// formats need to render it, without the strings a Finding repeats (the
// rule's, the object's) and with the message not yet rendered.
type finding struct {
	rule *rules.Rule
	obj  *manifest.Object // nil for a problem (more.problem)
	// path is the FieldPath, interned: a rule reports a few paths
	// (spec.activeDeadlineSeconds, an annotation of the pod template),
	// each on many objects, and builds the string anew each time.
	path unique.Handle[string]
	msg  rules.Message
	more *findingMore
	line int32 // as Object's docLine: no document is 2 GiB
	col  int32
	sev  int8 // rules.Severity, after Options.SeverityOverrides
}

// findingMore is what few findings have.
type findingMore struct {
	related []*manifest.Object
	// problem is the document a problem is about, which may not have
	// become an object: its file, position, message and identity.
	problem *manifest.Problem
	// suppressed is the suppression that hid the finding, if one did.
	suppressed *suppressedBy
	// source is where a finding on a rendered document is in the files
	// it was rendered from (mapToSources); relatedAt are its related
	// objects' places when some were rendered.
	source    *sourcePos
	relatedAt []RelatedObject
	// fix resolves the finding (Options.Fixes); needs are the facts that
	// would have let its rule offer one.
	fix   *rules.Fix
	needs []string
	// environments are Finding's Environments.
	environments []string
}

// suppressedBy is Finding's Suppressed, SuppressedBy and SuppressReason:
// one for each Suppression, one for each annotation that hides findings.
type suppressedBy struct {
	origin, by, reason string
}

// newFinding holds d as Run does.
func newFinding(d rules.Diagnostic) finding {
	f := finding{rule: d.Rule, obj: d.Object, path: unique.Make(d.Path), msg: d.Message, sev: int8(d.Severity)}
	if len(d.Related) > 0 || d.Fix != nil || d.FixNeedsFacts != nil {
		f.more = &findingMore{related: d.Related, fix: d.Fix, needs: d.FixNeedsFacts}
	}
	return f
}

func (f *finding) problem() *manifest.Problem {
	if f.more == nil {
		return nil
	}
	return f.more.problem
}

func (f *finding) suppressed() *suppressedBy {
	if f.more == nil {
		return nil
	}
	return f.more.suppressed
}

func (f *finding) suppress(s *suppressedBy) {
	if f.more == nil {
		f.more = &findingMore{}
	}
	f.more.suppressed = s
}

// file is the file the finding is in.
func (f *finding) file() string {
	if f.more != nil && f.more.source != nil {
		return f.more.source.file
	}
	if p := f.problem(); p != nil {
		return p.File
	}
	return f.obj.File
}

// object is the object the finding is about.
func (f *finding) object() ObjectRef {
	if p := f.problem(); p != nil {
		return ObjectRef{APIVersion: p.APIVersion, Kind: p.Kind, Namespace: p.Namespace, Name: p.Name}
	}
	return refOf(f.obj)
}

// fieldPath is the field path inside the object, "" for a problem.
func (f *finding) fieldPath() string {
	if f.path == (unique.Handle[string]{}) {
		return ""
	}
	return f.path.Value()
}

// message renders the finding's message.
func (f *finding) message() string {
	note := ""
	if f.more != nil && f.more.source != nil {
		note = f.more.source.note
	}
	if f.more != nil && len(f.more.environments) > 0 {
		note += environmentsNote(f.more.environments)
	}
	if p := f.problem(); p != nil {
		return p.Msg + note
	}
	if f.obj.PartlyInvalid() {
		return f.msg.String() + partlyInvalidNote + note
	}
	return f.msg.String() + note
}

// partlyInvalidNote ends the messages of findings on an object some
// fields of which did not decode (manifest.Object.PartlyInvalid): it was
// linted without them, and what they hold may change the verdict.
const partlyInvalidNote = " [from a partly invalid object: linted without the fields MB001 reports]"

// header is the finding without its message and related objects: what
// suppressions match.
func (f *finding) header(live *liveRun) Finding {
	h := Finding{RuleID: f.rule.ID, Slug: f.rule.Slug, File: f.file(), Object: f.object()}
	if live.isLive(h.File) {
		h.File, h.Context = "", live.context
	}
	return h
}

// render builds the Finding.
func (f *finding) render(live *liveRun) Finding {
	r := f.rule
	out := Finding{
		RuleID: r.ID, Slug: r.Slug, Severity: rules.Severity(f.sev),
		Message: f.message(), Remediation: r.Remediation, URL: r.URL(),
		File: f.file(), Line: int(f.line), Column: int(f.col), FieldPath: f.fieldPath(),
		Object: f.object(),
	}
	if live.isLive(out.File) {
		out.File, out.Line, out.Column, out.Context = "", 0, 0, live.context
	}
	if p := f.problem(); p != nil && p.Fix != "" {
		out.Remediation = p.Fix // a job spec's problem says what to do about it
	}
	if f.more != nil {
		if f.more.relatedAt != nil {
			out.Related = f.more.relatedAt
		} else {
			for _, o := range f.more.related {
				r := RelatedObject{File: o.File, Line: o.Line(), Object: refOf(o)}
				if live.isLive(o.File) {
					r.File, r.Line, r.Context = "", 0, live.context
				}
				out.Related = append(out.Related, r)
			}
		}
		if f.more.source != nil {
			out.Rendered = f.more.source.rendered
		}
		out.Environments = f.more.environments
		if s := f.more.suppressed; s != nil {
			out.Suppressed, out.SuppressedBy, out.SuppressReason = s.origin, s.by, s.reason
		}
		if !live.isLive(f.file()) {
			out.Fix = f.more.fix // a live object has no file to edit
			out.FixNeedsFacts = f.more.needs
		}
	}
	return out
}

func refOf(o *manifest.Object) ObjectRef {
	return ObjectRef{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name}
}

// compareFindings orders findings by file, line, column, rule and message,
// so output never depends on scheduling. Messages are rendered only to
// order findings of one rule at one place.
func compareFindings(a, b *finding) int {
	if c := cmp.Or(
		strings.Compare(a.file(), b.file()),
		cmp.Compare(a.line, b.line),
		cmp.Compare(a.col, b.col),
		strings.Compare(a.rule.ID, b.rule.ID),
	); c != 0 {
		return c
	}
	return strings.Compare(a.message(), b.message())
}

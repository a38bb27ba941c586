package fix

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/render"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// DefaultRounds bounds the lint-and-fix rounds of a run. A fix can make
// another possible (MB205 moves an annotation to the pod template, where
// MB302 can complete it) or wait for one it overlaps; real files settle
// in two or three rounds.
const DefaultRounds = 5

// ErrUnknownRule is the error of a rule in Options.Rules that meshbatch
// does not have.
var ErrUnknownRule = errors.New("unknown rule")

// ErrBrokenFix is the error of a run in which a rule's fix failed to
// build or changed nothing: a bug in meshbatch (or, for a fix not built,
// a file saved while fix ran). Report.Messages name each.
var ErrBrokenFix = errors.New("broken fix")

// Options are what a fix run does besides linting.
type Options struct {
	// Lint is how the paths are linted, as meshbatch lint would: config,
	// facts, suppression, baseline, limits and rendering. Run sets
	// Fixes, Overlay and Stdin itself, and ignores MinSeverity: every
	// fix is applied whatever its finding's severity, and every finding
	// counts for FailOn (Rules chooses the fixes).
	Lint lint.Options
	// Rules limits the fixes to these rules, by id or slug; nil applies
	// every rule's.
	Rules []string
	// Write replaces each changed file; otherwise nothing is written and
	// Report.WriteDiff shows the changes.
	Write bool
	// FailOn is the severity at which a finding left without a fix fails
	// the run (0: none does).
	FailOn rules.Severity
	// Stdin is read for the path "-" (never written).
	Stdin io.Reader
	// Rounds bounds the rounds of lint and fix; 0 means DefaultRounds.
	Rounds int
	// FactName names a cluster fact, by its key under facts: in
	// .meshbatch.yaml (lint.RawFacts), in the messages that say which
	// facts would let more fixes be offered: the flag that states it, for
	// the command line. nil names it facts.<key>.
	FactName func(key string) string
}

// Report is what a fix run did and what it leaves.
type Report struct {
	// Files are the files the fixes change, in the order first changed:
	// Old as read, New after every round, Applied the findings fixed in
	// any round, Overlapping empty (see Left).
	Files []*File
	// Written is set when the changed files were written (Options.Write).
	Written bool
	// Applied counts the fixes applied, over every round.
	Applied int
	// Left are findings whose fixes are not applied: the rounds ran out
	// while fixes still changed their files. Another run applies them.
	Left []lint.Finding
	// NoChange are findings whose fixes change nothing (File.NoChange)
	// after the last round: a bug in the rule's fix. The findings are
	// left as they are, and another run would not apply them either.
	NoChange []lint.Finding
	// FixErrors are the fixes that failed to build in the last round
	// (lint.Result.FixErrors); their findings count as findings without
	// a fix.
	FixErrors []error
	// Unfixed counts the findings at or above FailOn that no fix resolves:
	// their rule offers none here, Rules leaves it out, or it failed to
	// build (FixErrors).
	Unfixed int
	// Below counts the findings below FailOn (every one, when FailOn is
	// 0) that no fix resolves, rendered or not: they do not fail the run,
	// but a run that passes must not say "nothing to fix" as if nothing
	// were found.
	Below int
	// Rendered counts the findings at or above FailOn on rendered Helm
	// charts and Kustomize builds: their fixes would edit rendered bytes,
	// so none is offered; the template or patch is the user's to edit.
	Rendered int
	// NeedFacts are the findings left without a fix whose rules would
	// offer one with more cluster facts stated (lint.Finding.FixNeedsFacts),
	// counted by the facts they need, in the order first found.
	NeedFacts []NeedFacts
	// Messages say, one line each, what happened and what to do: the
	// lint run's notices, the files written, what is left. The lines of
	// Left, NoChange and FixErrors are lines of the last round's text
	// (File.New); Messages name the line on disk when Run returns: of Old
	// for a file not written (lines.go).
	Messages []string

	failOn   rules.Severity
	rounds   int
	factName func(key string) string
	changed  map[string]*File // Files by name
}

// NeedFacts counts the findings whose rules offer a fix only with Facts
// stated (keys of lint.RawFacts, each needed).
type NeedFacts struct {
	Facts    []string
	Findings int
}

// Failed reports whether the run fails: fixes to apply (without Write)
// or left for another run, or findings at or above FailOn without a fix
// (exit code 1), or a broken fix (Broken: exit code 2).
func (r *Report) Failed() bool {
	return !r.Written && r.Applied > 0 || len(r.Left) > 0 || r.Unfixed > 0 || r.Rendered > 0 || r.Broken()
}

// Broken reports whether a rule's fix failed to build or changed nothing:
// Run then returns ErrBrokenFix, and meshbatch exits 2.
func (r *Report) Broken() bool { return len(r.NoChange) > 0 || len(r.FixErrors) > 0 }

// WriteDiff writes the unified diff of every change not written: all of
// them without Options.Write; standard input's, which is never written.
func (r *Report) WriteDiff(w io.Writer) error {
	for _, f := range r.Files {
		if r.Written && f.Name != lint.StdinName {
			continue
		}
		if err := Diff(w, f.Name, f.Old, f.New); err != nil {
			return err
		}
	}
	return nil
}

// Run lints paths, applies the fixes the findings offer to the bytes
// read, and lints the result again, until no fix changes anything or
// Options.Rounds run out: fixes that only a fix makes possible, and fixes
// that overlapped another, are applied in the same run. With
// Options.Write it then writes each changed file once, atomically.
//
// The Report holds what to show even when err is not nil. err is an
// input or usage error (an unknown rule, standard input with Write, a path
// that cannot be read), the files that could not be written (each said in
// Report.Messages; errors.Is finds ErrReadOnly among them), or
// ErrBrokenFix, after the other fixes were applied: meshbatch exits 2.
func Run(ctx context.Context, paths []string, opts Options) (*Report, error) {
	rep := &Report{failOn: opts.FailOn, rounds: cmp.Or(max(opts.Rounds, 0), DefaultRounds), factName: opts.FactName, changed: map[string]*File{}}
	var only []string
	for _, r := range opts.Rules {
		rule := checks.Lookup(strings.TrimSpace(r))
		if rule == nil {
			return rep, fmt.Errorf("%w %q (meshbatch rules lists them)", ErrUnknownRule, r)
		}
		only = append(only, rule.ID)
	}
	lopts := opts.Lint
	if lopts.Render.Renderer != nil {
		lopts.Render.Renderer = &renderOnce{renderer: lopts.Render.Renderer}
	}
	lopts.Fixes = true
	lopts.MinSeverity = 0
	lopts.Stdin = nil
	var stdin *[]byte // nil without standard input
	if slices.Contains(paths, "-") {
		if opts.Write {
			return rep, errors.New("standard input cannot be written: leave out --write to see its fixes as a diff")
		}
		limit := lopts.Limits.MaxFileBytes
		if limit <= 0 {
			limit = manifest.DefaultMaxFileBytes
		}
		if opts.Stdin != nil {
			// one byte more than the limit, for lint to say it is over
			data, err := io.ReadAll(io.LimitReader(opts.Stdin, limit+1))
			if err != nil {
				return rep, fmt.Errorf("reading standard input: %v", err)
			}
			stdin = &data
		}
	}
	// The bytes of the files the rounds changed, which the next round
	// lints instead of the files on disk; standard input's are stdin.
	current := map[string][]byte{}
	read := func(name string) ([]byte, error) {
		if name == lint.StdinName && stdin != nil {
			return *stdin, nil
		}
		if data, ok := current[name]; ok {
			return data, nil
		}
		return os.ReadFile(name)
	}
	for round := 0; ; round++ {
		lopts.Overlay = current
		if stdin != nil {
			lopts.Stdin = bytes.NewReader(*stdin)
		}
		res, err := lint.Run(ctx, paths, lopts)
		if err != nil {
			return rep, err
		}
		if round == 0 {
			rep.Messages = append(rep.Messages, res.Notices...)
		}
		if len(res.InputErrors) > 0 {
			for _, e := range res.InputErrors {
				rep.Messages = append(rep.Messages, e.Error())
			}
			return rep, fmt.Errorf("%d input path(s) could not be read", len(res.InputErrors))
		}
		var fixable []lint.Finding
		rep.Unfixed, rep.Rendered, rep.Below, rep.NeedFacts = 0, 0, 0, nil
		for f := range res.Findings.All() {
			if f.Fix == nil && f.FixNeedsFacts != nil && f.Rendered == nil && (only == nil || slices.Contains(only, f.RuleID)) {
				rep.needFacts(f.FixNeedsFacts)
			}
			switch {
			case f.Fix != nil && (only == nil || slices.Contains(only, f.RuleID)):
				fixable = append(fixable, f)
			case opts.FailOn == 0 || f.Severity < opts.FailOn:
				rep.Below++
			case f.Rendered != nil:
				rep.Rendered++
			default:
				rep.Unfixed++
			}
		}
		rep.FixErrors = res.FixErrors
		files, err := Plan(fixable, read)
		if so, ok := err.(selfOverlap); ok {
			where, note := rep.place(so.finding.File, so.finding.Line, so.finding.Column)
			so.where = where + note
			err = so
		}
		if err != nil {
			return rep, err
		}
		var noChange []lint.Finding
		for _, f := range files {
			noChange = append(noChange, f.NoChange...)
		}
		if round == rep.rounds {
			rep.NoChange = noChange
			for _, f := range fixable {
				if !slices.ContainsFunc(noChange, sameFinding(f)) {
					rep.Left = append(rep.Left, f)
				}
			}
			break
		}
		changed := false
		for _, f := range files {
			if bytes.Equal(f.Old, f.New) {
				continue
			}
			changed = true
			all := rep.changed[f.Name]
			if all == nil {
				all = &File{Name: f.Name, Old: f.Old}
				rep.changed[f.Name] = all
				rep.Files = append(rep.Files, all)
			}
			all.New = f.New
			all.rounds = append(all.rounds, f.edits)
			all.Applied = append(all.Applied, f.Applied...)
			rep.Applied += len(f.Applied)
			if f.Name == lint.StdinName {
				*stdin = f.New
			} else {
				current[f.Name] = f.New
			}
		}
		if !changed {
			// Every fix left changes nothing: Plan takes any other.
			rep.NoChange = noChange
			break
		}
	}
	if opts.Write {
		rep.Written = true
		var errs []error
		for _, f := range rep.Files {
			if f.Name == lint.StdinName {
				continue
			}
			// The rounds took time: an editor may have saved the file.
			if disk, err := os.ReadFile(f.Name); err == nil && !bytes.Equal(disk, f.Old) {
				errs = append(errs, fmt.Errorf("%s changed since fix read it: not written; run fix again", f.Name))
				continue
			}
			if err := Write(f.Name, f.New); err != nil {
				errs = append(errs, err)
				continue
			}
			f.written = true
			rep.Messages = append(rep.Messages, fmt.Sprintf("fixed %s (%s)", f.Name, count(len(f.Applied), "fix", "fixes")))
		}
		if len(errs) > 0 {
			for _, err := range errs { // a line each, beside the files written
				rep.Messages = append(rep.Messages, err.Error())
			}
			rep.summarise()
			return rep, notWritten(errs)
		}
	}
	rep.summarise()
	if rep.Broken() {
		n := len(rep.NoChange) + len(rep.FixErrors)
		return rep, brokenFixes(n)
	}
	return rep, nil
}

// notWritten is the error of the files Run could not write, which
// Report.Messages name one a line.
type notWritten []error

func (e notWritten) Error() string {
	return count(len(e), "file", "files") + " not written (said above)"
}

func (e notWritten) Unwrap() []error { return e }

// renderOnce renders the charts and Kustomize directories once in a run
// and gives every later round the same renderings. A renderer reads the
// files on disk, which fix writes only after the last round (the rounds'
// edits are an overlay only lint reads), so rendering again would read
// the same bytes and give the same documents.
type renderOnce struct {
	renderer render.Renderer
	targets  []render.Target
	done     []render.Rendering
	rendered bool
}

func (r *renderOnce) Render(ctx context.Context, targets []render.Target) ([]render.Rendering, error) {
	if r.rendered && reflect.DeepEqual(targets, r.targets) {
		return r.done, nil
	}
	done, err := r.renderer.Render(ctx, targets)
	if err == nil {
		r.targets, r.done, r.rendered = slices.Clone(targets), done, true
	}
	return done, err
}

// brokenFixes is ErrBrokenFix with the count of broken fixes.
type brokenFixes int

func (n brokenFixes) Error() string {
	return count(int(n), "fix", "fixes") + " of meshbatch's rules could not be applied (said above)"
}

func (brokenFixes) Is(target error) bool { return target == ErrBrokenFix }

// sameFinding matches a finding by rule, place and message.
func sameFinding(f lint.Finding) func(lint.Finding) bool {
	return func(g lint.Finding) bool {
		return g.RuleID == f.RuleID && g.File == f.File && g.Line == f.Line && g.Column == f.Column && g.Message == f.Message
	}
}

// summarise adds the messages that say what is left to do.
func (r *Report) summarise() {
	for _, f := range r.Left {
		where, note := r.place(f.File, f.Line, f.Column)
		r.Messages = append(r.Messages, fmt.Sprintf("%s: %s not applied%s: fixes still changed the file after %s; run meshbatch fix again",
			where, f.RuleID, note, count(r.rounds, "round", "rounds")))
	}
	for _, f := range r.NoChange {
		where, note := r.place(f.File, f.Line, f.Column)
		r.Messages = append(r.Messages, fmt.Sprintf("%s: %s not fixed%s: its fix changes nothing, so the finding is left as it is; "+
			"this is a bug in meshbatch, please report it (meshbatch lint shows what to do by hand)", where, f.RuleID, note))
	}
	for _, e := range r.FixErrors {
		var fe *rules.FixError
		if errors.As(e, &fe) && fe.Line > 0 {
			// the line of its object's document, which no fix adds
			moved := *fe
			moved.Line, _ = r.lineOnDisk(fe.File, fe.Line, 0)
			e = &moved
		}
		r.Messages = append(r.Messages, e.Error())
	}
	switch {
	case !r.Written && r.Applied > 0:
		r.Messages = append(r.Messages, fmt.Sprintf("%s in %s; nothing written: run with --write to apply",
			count(r.Applied, "fix", "fixes"), count(len(r.Files), "file", "files")))
	case r.Applied == 0 && len(r.Left) == 0 && !r.Broken() && r.Below > 0 && r.Unfixed == 0 && r.Rendered == 0:
		why := "below --fail-on " + r.failOn.String()
		if r.failOn == 0 {
			why = "--fail-on none"
		}
		verb := "have"
		if r.Below == 1 {
			verb = "has"
		}
		r.Messages = append(r.Messages, fmt.Sprintf("nothing to fix; %s %s no fix (%s, so the run passes): meshbatch lint shows what to do",
			count(r.Below, "finding", "findings"), verb, why))
	case r.Applied == 0 && len(r.Left) == 0 && !r.Broken() && r.Unfixed+r.Rendered > 0:
		// Not "nothing to fix": the lines below say what fails the run.
		verb := "are"
		if r.Unfixed+r.Rendered == 1 {
			verb = "is"
		}
		r.Messages = append(r.Messages, fmt.Sprintf("no fix to apply; %s at or above %s %s left, so the run fails:",
			count(r.Unfixed+r.Rendered, "finding", "findings"), r.failOn, verb))
	case r.Applied == 0 && len(r.Left) == 0 && !r.Broken():
		r.Messages = append(r.Messages, "nothing to fix")
	}
	if r.Unfixed > 0 {
		verb := "have"
		if r.Unfixed == 1 {
			verb = "has"
		}
		r.Messages = append(r.Messages, fmt.Sprintf("%s at or above %s %s no fix: meshbatch lint shows what to do",
			count(r.Unfixed, "finding", "findings"), r.failOn, verb))
	}
	for _, n := range r.NeedFacts {
		names := make([]string, len(n.Facts))
		for i, key := range n.Facts {
			names[i] = "facts." + key
			if r.factName != nil {
				names[i] = r.factName(key)
			}
		}
		r.Messages = append(r.Messages, fmt.Sprintf("%s could be fixed with %s given: a fix is offered only where the facts make it certain",
			count(n.Findings, "finding", "findings"), joinAnd(names)))
	}
	if r.Rendered > 0 {
		r.Messages = append(r.Messages, fmt.Sprintf("%s at or above %s in rendered Helm charts or Kustomize directories: "+
			"fix does not edit rendered output; edit the template or patch each points at (meshbatch lint shows where)",
			count(r.Rendered, "finding", "findings"), r.failOn))
	}
}

// needFacts counts a finding whose rule offers a fix only with facts
// stated.
func (r *Report) needFacts(facts []string) {
	for i := range r.NeedFacts {
		if slices.Equal(r.NeedFacts[i].Facts, facts) {
			r.NeedFacts[i].Findings++
			return
		}
	}
	r.NeedFacts = append(r.NeedFacts, NeedFacts{Facts: facts, Findings: 1})
}

// joinAnd joins "a", "b" and "c" as "a, b and c".
func joinAnd(s []string) string {
	if len(s) <= 1 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

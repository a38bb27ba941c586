package lint

import (
	"context"
	"slices"
	"strings"
	"unique"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// sortedEnvironments are the names of the environments the input's charts
// were rendered for (render.Target.Environment), sorted, those that
// rendered no document too: the plain files are checked with them as
// well. None when every chart rendered once.
func (l *loaded) sortedEnvironments() []string {
	envs := slices.Clone(l.environments)
	slices.Sort(envs)
	return envs
}

// environmentOf is the environment an object was rendered for, "" for an
// object of a plain file or of a chart rendered once.
func (l *loaded) environmentOf(o *manifest.Object) string {
	if o == nil {
		return ""
	}
	if rd := l.rendered[o.File]; rd != nil {
		return rd.target.Environment
	}
	return ""
}

// checkEnvironments checks each environment on its own: the objects
// rendered for it with those of every plain file and of every chart
// rendered once, but none rendered for another environment. Two
// environments of a chart are two deployments, usually of the same names
// in the same namespace (in different clusters): in one index, the
// ServiceAccount only prod renders would satisfy staging's CronJob, and
// two copies of one PeerAuthentication would conflict.
//
// An object outside the environments is checked with each; its findings
// are reported once (the same rule, place and message), and a finding
// that only some environments cause (their objects or values differ)
// names them, as a rendered object's finding names its one. A check
// silenced by partial input counts once per environment it was silenced
// in.
func checkEnvironments(ctx context.Context, l *loaded, envs []string, checks []*rules.Rule, opts Options) ([]ruleOutput, []error, error) {
	type shared struct {
		rule      int
		obj       *manifest.Object
		path      unique.Handle[string]
		msg       string
		line, col int32
	}
	outs := make([]ruleOutput, len(checks))
	// seen are the shared findings reported, each at its place in outs
	// with the environments that found it.
	type reported struct {
		rule, at int
		envs     []string
	}
	seen := map[shared]*reported{}
	var errs []error
	seenErr := map[string]bool{}
	var problems []manifest.Problem
	seenProblem := map[manifest.Problem]bool{}
	leftOut := map[*manifest.Object]bool{}
	for _, env := range envs {
		w := *l
		w.objects, w.workloads, w.problems = nil, nil, nil
		for i, o := range l.objects {
			if e := l.environmentOf(o); e != "" && e != env || leftOut[o] {
				continue
			}
			w.objects = append(w.objects, o)
			if l.workloads != nil {
				w.workloads = append(w.workloads, l.workloads[i])
			}
		}
		in := slices.Clone(w.objects)
		wOuts, wErrs, err := checkWorld(ctx, &w, checks, opts)
		if err != nil {
			return nil, nil, err
		}
		for i := range wOuts {
			for _, d := range wOuts[i].diags {
				if l.environmentOf(d.obj) == "" {
					k := shared{i, d.obj, d.path, d.msg.String(), d.line, d.col}
					if r := seen[k]; r != nil {
						r.envs = append(r.envs, env)
						continue
					}
					seen[k] = &reported{rule: i, at: len(outs[i].diags), envs: []string{env}}
				}
				outs[i].diags = append(outs[i].diags, d)
			}
			outs[i].silenced += wOuts[i].silenced
		}
		for _, e := range wErrs {
			if !seenErr[e.Error()] {
				seenErr[e.Error()] = true
				errs = append(errs, e)
			}
		}
		for _, p := range w.problems {
			if k := problemKey(p); !seenProblem[k] {
				seenProblem[k] = true
				problems = append(problems, p)
			}
		}
		// An object the passes left out (it did not decode after all)
		// is out of the run, in every environment.
		kept := make(map[*manifest.Object]bool, len(w.objects))
		for _, o := range w.objects {
			kept[o] = true
		}
		for _, o := range in {
			if !kept[o] {
				leftOut[o] = true
			}
		}
	}
	for _, r := range seen {
		if len(r.envs) < len(envs) {
			outs[r.rule].diags[r.at].inEnvironments(r.envs)
		}
	}
	l.addProblems(problems)
	if len(leftOut) > 0 {
		l.drop(leftOut)
	}
	return outs, errs, nil
}

// problemKey is what tells two problems apart, for those found again in
// each environment.
func problemKey(p manifest.Problem) manifest.Problem {
	return manifest.Problem{File: p.File, Doc: p.Doc, Pos: p.Pos, Msg: p.Msg}
}

// inEnvironments marks a finding on an object outside the environments
// as found with only these of them (sorted, as envs are checked).
func (f *finding) inEnvironments(envs []string) {
	if f.more == nil {
		f.more = &findingMore{}
	}
	f.more.environments = envs
}

// environmentsNote is what the message of a finding found with only some
// environments ends with: " [environment staging]", " [environments prod,
// staging]".
func environmentsNote(envs []string) string {
	if len(envs) == 1 {
		return environmentNote(envs[0])
	}
	return " [environments " + strings.Join(envs, ", ") + "]"
}

// MessageWithoutEnvironments is the message without the note that names
// the environments that alone found it: what identifies the finding
// whichever environments a run has (SARIF's fingerprint, a baseline's
// message fingerprint).
func (f *Finding) MessageWithoutEnvironments() string {
	if len(f.Environments) == 0 {
		return f.Message
	}
	return strings.TrimSuffix(f.Message, environmentsNote(f.Environments))
}

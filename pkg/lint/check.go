package lint

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/meshbatch/meshbatch/pkg/rules"
)

// check indexes the loaded objects and runs the checks on them. An object
// the loader decoded only in part (manifest.ReadDocumentPartly) may turn
// out, in its pass, not to decode strictly; the loader would have reported
// it and left it out. Other objects' rules may have looked it up by then,
// so check leaves it out and runs the passes again: the findings do not
// depend on which objects were decoded in part. That costs a second run
// only on a large input with such a document.
//
// Charts rendered for several environments are checked one environment
// at a time (checkEnvironments).
func check(ctx context.Context, l *loaded, checks []*rules.Rule, opts Options) ([]ruleOutput, []error, error) {
	if envs := l.sortedEnvironments(); len(envs) > 0 {
		return checkEnvironments(ctx, l, envs, checks, opts)
	}
	return checkWorld(ctx, l, checks, opts)
}

// checkWorld is check on one set of objects that see each other.
func checkWorld(ctx context.Context, l *loaded, checks []*rules.Rule, opts Options) ([]ruleOutput, []error, error) {
	for {
		ix := rules.NewIndexOf(l.objects, l.workloads, opts.plan)
		ix.SawNamespaces(l.left.namespaces)
		ix.SetClusterNamespaces(opts.Facts.Namespaces)
		if len(checks) > 0 {
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
			ix.Prepare(opts.Facts, opts.Workers)
		}
		outs, errs, late, leftOut, err := runPasses(ctx, checks, ix, opts)
		l.addProblems(leftOut)
		if err != nil || len(late) == 0 {
			return outs, errs, err
		}
		l.leaveOutFailed(late)
	}
}

// ruleOutput is what one rule's pass reported: its diagnostics, held as
// findings (see finding) from the moment they are reported.
type ruleOutput struct {
	diags    []finding
	silenced int
	fixErrs  []error // rules.Pass.FixErrors
}

// runChecks runs the rules' checks on up to opts.Workers goroutines; each
// rule's diagnostics and silenced count go to its own slot. Rules only
// read the index (whose caches are built by Prepare, or under a
// sync.Once), so they may run in any order.
func runChecks(ctx context.Context, checks []*rules.Rule, ix *rules.Index, opts Options) ([]ruleOutput, error) {
	outs := make([]ruleOutput, len(checks))
	err := forEach(ctx, len(checks), opts.Workers, func(i int) {
		r, out := checks[i], &outs[i]
		pass := rules.NewPass(r, ix, opts.Facts, opts.Partial, func(d rules.Diagnostic) { out.diags = append(out.diags, newFinding(d)) })
		pass.Fixes = opts.Fixes
		pass.SetNow(opts.Now)
		r.Check(pass)
		out.silenced = pass.Silenced
		out.fixErrs = pass.FixErrors
	})
	if err != nil {
		return nil, err
	}
	return outs, nil
}

// forEach calls fn(i) for every i in [0, n) on up to workers goroutines,
// which take the next i from a shared counter. It stops starting calls
// once ctx is done and returns its error then. A panic in fn is raised
// again on the calling goroutine, with the stack where it happened.
func forEach(ctx context.Context, n, workers int, fn func(i int)) error {
	workers = min(workers, n)
	if workers <= 1 {
		for i := range n {
			if err := ctx.Err(); err != nil {
				return err
			}
			fn(i)
		}
		return nil
	}
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		mu       sync.Mutex
		panicked any
		stopped  error
	)
	for range workers {
		wg.Go(func() {
			defer func() {
				if p := recover(); p != nil {
					mu.Lock()
					if panicked == nil {
						panicked = fmt.Sprintf("%v\n\n%s", p, debug.Stack())
					}
					mu.Unlock()
				}
			}()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := ctx.Err(); err != nil {
					mu.Lock()
					stopped = err
					mu.Unlock()
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
	if panicked != nil {
		panic(panicked)
	}
	return stopped
}

// Package engine renders Helm charts with Helm's own chart loader and
// template engine (helm.sh/helm/v4) and builds Kustomize directories with
// kustomize's krusty (sigs.k8s.io/kustomize/api), offline. It is linked
// into cmd/meshbatch-render only (see pkg/render).
package engine

import (
	"context"
	"fmt"

	"github.com/meshbatch/meshbatch/pkg/render"
)

// Engine renders in this process.
type Engine struct{}

// Render renders each target; a target that fails to render has Errors
// and no Docs, and the others render still.
func (Engine) Render(ctx context.Context, targets []render.Target) ([]render.Rendering, error) {
	out := make([]render.Rendering, 0, len(targets))
	for _, t := range targets {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r := renderOne(t)
		r.Target = t
		out = append(out, r)
	}
	return out, nil
}

// renderOne renders one target. A panic in a library on a strange chart
// or kustomization is that target's render error, not the end of the run.
func renderOne(t render.Target) (r render.Rendering) {
	defer func() {
		if p := recover(); p != nil {
			r = render.Rendering{Errors: []render.Error{{File: render.MarkerFile(t.Dir, t.Kind),
				Msg: fmt.Sprintf("rendering failed inside %s: %v (please report this, with the chart or kustomization if you can)", library(t.Kind), p)}}}
		}
	}()
	switch t.Kind {
	case render.Helm:
		return renderChart(t)
	case render.Kustomize:
		return buildKustomization(t)
	}
	return render.Rendering{Errors: []render.Error{{File: t.Dir, Msg: "unknown kind of directory " + string(t.Kind)}}}
}

func library(k render.Kind) string {
	if k == render.Helm {
		return "Helm"
	}
	return "kustomize"
}

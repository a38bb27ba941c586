// Package engine renders Helm charts with Helm's own chart loader and
// template engine (helm.sh/helm/v4) and builds Kustomize directories with
// kustomize's krusty (sigs.k8s.io/kustomize/api), offline. It is linked
// into cmd/meshbatch-render only (see pkg/render).
package engine

import (
	"context"

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
		var r render.Rendering
		switch t.Kind {
		case render.Helm:
			r = renderChart(t)
		case render.Kustomize:
			r = buildKustomization(t)
		default:
			r = render.Rendering{Errors: []render.Error{{File: t.Dir, Msg: "unknown kind of directory " + string(t.Kind)}}}
		}
		r.Target = t
		out = append(out, r)
	}
	return out, nil
}

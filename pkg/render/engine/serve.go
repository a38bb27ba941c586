package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/meshbatch/meshbatch/pkg/render"
)

// Serve reads a render.Request from r, renders it and writes the
// render.Response to w: what cmd/meshbatch-render does.
func Serve(ctx context.Context, r io.Reader, w io.Writer) error {
	var req render.Request
	if err := json.NewDecoder(r).Decode(&req); err != nil {
		return fmt.Errorf("reading the request: %v", err)
	}
	out, err := Engine{}.Render(ctx, req.Targets)
	if err != nil {
		return err
	}
	if err := json.NewEncoder(w).Encode(render.Response{Renderings: out}); err != nil {
		return fmt.Errorf("writing the response: %v", err)
	}
	return nil
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/render"
)

// renderBinary renders charts and builds Kustomize directories
// (cmd/meshbatch-render). Helm and Kustomize bring client-go and package
// initialisation that would cost every meshbatch run at start; linked
// into a binary of their own, they cost only the runs whose input holds a
// chart or a kustomization.
const renderBinary = "meshbatch-render"

// execRenderer runs meshbatch-render once for all the targets of a run.
type execRenderer struct{}

func (execRenderer) Render(ctx context.Context, targets []render.Target) ([]render.Rendering, error) {
	bin, err := findRenderBinary(renderBinary)
	if err != nil {
		return nil, err
	}
	req, err := json.Marshal(render.Request{Targets: targets})
	if err != nil {
		return nil, err
	}
	var stdout, stderr bytes.Buffer
	c := exec.CommandContext(ctx, bin)
	c.Stdin, c.Stdout, c.Stderr = bytes.NewReader(req), &stdout, &stderr
	if err := c.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("%s failed: %s", bin, msg)
	}
	var resp render.Response
	if err := json.Unmarshal(stdout.Bytes(), &resp); err != nil {
		return nil, fmt.Errorf("%s: reading its output: %v", bin, err)
	}
	if len(resp.Renderings) != len(targets) {
		return nil, fmt.Errorf("%s answered for %d of %d directories; is it the same version as meshbatch?", bin, len(resp.Renderings), len(targets))
	}
	return resp.Renderings, nil
}

// findRenderBinary finds meshbatch-render (name) with lookHelperBinary;
// the error says how to install it.
func findRenderBinary(name string) (string, error) {
	if p, err := lookHelperBinary(name); err == nil {
		return p, nil
	} else if !errors.Is(err, exec.ErrNotFound) {
		return "", err
	}
	return "", fmt.Errorf("rendering charts and Kustomize directories runs %s, which is neither next to meshbatch nor on PATH: "+
		"install it with `go install github.com/meshbatch/meshbatch/cmd/%s@%s` "+
		"(make build puts it in bin/, the release archives hold it), or leave the directory out with --exclude", name, name, installVersion())
}

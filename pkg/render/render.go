// Package render is what meshbatch knows of Helm charts and Kustomize
// directories without linking Helm or Kustomize: how to recognise them in
// a walk, the request a renderer takes and the documents it returns, and
// how a line of a rendered document is found again in its source file.
// The rendering itself lives in pkg/render/engine, linked only into
// cmd/meshbatch-render: Helm and Kustomize pull in client-go and a few
// megabytes of package initialisation that lint and version must not pay.
package render

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Kind is what a directory holds.
type Kind string

const (
	Helm      Kind = "helm"
	Kustomize Kind = "kustomize"
)

// Target is one chart or Kustomize directory to render.
type Target struct {
	Kind Kind   `json:"kind"`
	Dir  string `json:"dir"` // as the walk reached it
	// Values are the values files of a chart, applied after the chart's
	// own values.yaml, in order; Set are key=value strings as helm's
	// --set takes them, applied last.
	Values      []string `json:"values,omitempty"`
	Set         []string `json:"set,omitempty"`
	ReleaseName string   `json:"releaseName,omitempty"`
	Namespace   string   `json:"namespace,omitempty"`
	// KubeVersion is the cluster version charts see in .Capabilities,
	// "" for Helm's default.
	KubeVersion string `json:"kubeVersion,omitempty"`
	// Environment names the rendering when a chart is rendered once for
	// each of several environments (charts: in .meshbatch.yaml), "" when
	// it is rendered once.
	Environment string `json:"environment,omitempty"`
}

// Rendering is what one Target rendered to, or why it did not.
type Rendering struct {
	Target Target `json:"target"`
	Docs   []Doc  `json:"docs,omitempty"`
	// Errors are render errors: a template that failed, a required value
	// not given, a kustomization that does not build. Each names the file
	// and position it is about where the library says.
	Errors []Error `json:"errors,omitempty"`
}

// Doc is one rendered YAML document.
type Doc struct {
	// Source is the file the document came from, as a path joined to the
	// target's Dir: the template of a chart, the resource file of a
	// Kustomize build.
	Source  string `json:"source"`
	Content string `json:"content"`
	// Patches are the files of the patches Kustomize applied to the
	// document, in the order applied.
	Patches []string `json:"patches,omitempty"`
}

// Error is a render error and where it is, Line 0 when the library does
// not say.
type Error struct {
	File string `json:"file"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"col,omitempty"`
	Msg  string `json:"message"`
}

// Renderer renders targets. The command runs cmd/meshbatch-render for it;
// tests call pkg/render/engine directly.
type Renderer interface {
	Render(ctx context.Context, targets []Target) ([]Rendering, error)
}

// Request and Response are what cmd/meshbatch-render reads on standard
// input and writes on standard output, as JSON.
type Request struct {
	Targets []Target `json:"targets"`
}

type Response struct {
	Renderings []Rendering `json:"renderings"`
}

// KustomizationNames are the file names that make a Kustomize directory,
// in the order kustomize looks for them.
var KustomizationNames = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// KindOf says whether dir is a chart (it holds Chart.yaml) or a Kustomize
// directory, "" when neither. A chart wins: its templates are not YAML.
func KindOf(dir string) Kind {
	if isFile(filepath.Join(dir, "Chart.yaml")) {
		return Helm
	}
	if KustomizationFile(dir) != "" {
		return Kustomize
	}
	return ""
}

// IsLibraryChart reports whether the chart in dir is a library chart
// (type: library in Chart.yaml): it holds helpers for other charts and
// renders nothing on its own.
func IsLibraryChart(dir string) bool {
	data, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return false
	}
	var c struct {
		Type string `yaml:"type"`
	}
	return yaml.Unmarshal(data, &c) == nil && c.Type == "library"
}

// MarkerFile is the file that makes dir a chart or a Kustomize
// directory: Chart.yaml, or its kustomization file.
func MarkerFile(dir string, k Kind) string {
	if k == Helm {
		return filepath.Join(dir, "Chart.yaml")
	}
	return KustomizationFile(dir)
}

// KustomizationFile is the path of dir's kustomization file, "" when it
// has none.
func KustomizationFile(dir string) string {
	for _, n := range KustomizationNames {
		if p := filepath.Join(dir, n); isFile(p) {
			return p
		}
	}
	return ""
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// Enclosing returns the chart or Kustomize directory a file belongs to:
// the nearest directory above it that is one, no higher than stop (the
// working directory), and its kind; "" when there is none. A file of a
// subchart (CHART/charts/SUB/...) belongs to the outer chart, which
// renders it.
func Enclosing(file, stop string) (string, Kind) {
	stopAbs, err := filepath.Abs(stop)
	if err != nil {
		return "", ""
	}
	for dir := filepath.Dir(file); ; dir = filepath.Dir(dir) {
		abs, err := filepath.Abs(dir)
		if err != nil || !within(abs, stopAbs) {
			return "", ""
		}
		if k := KindOf(dir); k != "" {
			if k == Helm {
				for {
					outer := filepath.Dir(filepath.Dir(dir))
					outerAbs, err := filepath.Abs(outer)
					if err != nil || filepath.Base(filepath.Dir(dir)) != "charts" || !within(outerAbs, stopAbs) || KindOf(outer) != Helm {
						break
					}
					dir = outer
				}
			}
			return dir, k
		}
		if abs == stopAbs || filepath.Dir(abs) == abs {
			return "", ""
		}
	}
}

// within reports whether dir is stop or below it.
func within(dir, stop string) bool {
	rel, err := filepath.Rel(stop, dir)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

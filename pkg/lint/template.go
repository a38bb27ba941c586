package lint

import (
	"bytes"
	"fmt"

	"github.com/meshbatch/meshbatch/pkg/manifest"
)

// templateHint adds to the first problem of a document that holds Go
// template syntax ({{ ... }}) that the document is most likely a template
// (a Helm chart's templates/), which is not YAML until rendered, and how to
// lint it: the YAML error alone ("did not find expected key") does not say
// why the file is broken. The problem keeps its message and position: the
// braces may also sit in a string of a broken manifest.
func templateHint(c manifest.Chunk, probs []manifest.Problem) []manifest.Problem {
	if len(probs) == 0 {
		return probs
	}
	open := bytes.Index(c.Data, []byte("{{"))
	if open < 0 || !bytes.Contains(c.Data[open:], []byte("}}")) {
		return probs
	}
	line := c.StartLine + bytes.Count(c.Data[:open], []byte("\n"))
	probs[0].Msg += fmt.Sprintf("; the document holds template syntax ({{ ... }} at line %d): "+
		"a Helm chart's templates are not YAML until rendered, so lint what they render: "+
		"meshbatch renders a chart whose directory holds Chart.yaml (docs/charts.md), or pipe it (helm template CHART | meshbatch lint -) "+
		"and leave the templates out with exclude: [\"charts/*/templates/**\"] in .meshbatch.yaml or --exclude", line)
	return probs
}

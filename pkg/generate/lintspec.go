package generate

import (
	"errors"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/manifest"
)

var _ lint.SpecChecker = CheckSpec

// CheckSpec validates a job spec that meshbatch lint found in its input,
// exactly as generate would (Load: decoding, validation and the lint of
// what it generates), with the same messages. doc is the spec's document,
// which starts on line startLine of file; positions are the file's.
func CheckSpec(file string, doc []byte, startLine int) []lint.SpecProblem {
	_, err := Load(file, doc)
	if err == nil {
		return nil
	}
	var se *SpecError
	if !errors.As(err, &se) {
		return []lint.SpecProblem{{Pos: manifest.Pos{Line: startLine, Col: 1}, Msg: err.Error()}}
	}
	out := make([]lint.SpecProblem, len(se.Problems))
	for i, p := range se.Problems {
		p.Pos.Line += startLine - 1
		out[i] = lint.SpecProblem{Pos: p.Pos, Msg: p.Msg}
	}
	return out
}

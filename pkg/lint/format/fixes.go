package format

import (
	"slices"

	"github.com/meshbatch/meshbatch/pkg/lint"
)

// ShowsFixes reports whether one of the outputs carries the findings'
// fixes (JSON and SARIF do), so that the run computes them.
func ShowsFixes(outputs []Output) bool {
	return slices.ContainsFunc(outputs, func(o Output) bool { return o.Format == "json" || o.Format == "sarif" })
}

// jsonFix is a finding's fix in the JSON report: edits of the finding's
// file, each a byte range of the file as read and the text that replaces
// it, with the same range as lines and columns (columns count characters).
type jsonFix struct {
	Description string     `json:"description"`
	Edits       []jsonEdit `json:"edits"`
}

type jsonEdit struct {
	Start       int    `json:"start"`
	End         int    `json:"end"`
	StartLine   int    `json:"startLine"`
	StartColumn int    `json:"startColumn"`
	EndLine     int    `json:"endLine"`
	EndColumn   int    `json:"endColumn"`
	NewText     string `json:"newText"`
}

func jsonFixOf(f lint.Finding) *jsonFix {
	if f.Fix == nil {
		return nil
	}
	out := &jsonFix{Description: f.Fix.Description, Edits: []jsonEdit{}}
	for _, e := range f.Fix.Edits {
		out.Edits = append(out.Edits, jsonEdit{Start: e.Start, End: e.End,
			StartLine: e.StartPos.Line, StartColumn: e.StartPos.Col, EndLine: e.EndPos.Line, EndColumn: e.EndPos.Col,
			NewText: e.New})
	}
	return out
}

// sarifFix is SARIF's fix object: one artifactChange for the finding's
// file, a replacement per edit, whose deletedRegion is empty for an
// insertion. Regions count columns in code points, as the run says
// (columnKind).
type sarifFix struct {
	Description     sarifText           `json:"description"`
	ArtifactChanges []sarifArtifactEdit `json:"artifactChanges"`
}

type sarifArtifactEdit struct {
	ArtifactLocation sarifArtifact      `json:"artifactLocation"`
	Replacements     []sarifReplacement `json:"replacements"`
}

type sarifReplacement struct {
	DeletedRegion   sarifEditRegion `json:"deletedRegion"`
	InsertedContent *sarifText      `json:"insertedContent,omitempty"`
}

type sarifEditRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
	EndLine     int `json:"endLine"`
	EndColumn   int `json:"endColumn"`
}

func sarifFixesOf(f lint.Finding) []sarifFix {
	if f.Fix == nil || len(f.Fix.Edits) == 0 {
		return nil
	}
	change := sarifArtifactEdit{ArtifactLocation: sarifArtifactOf(f.Fix.Edits[0].File)}
	for _, e := range f.Fix.Edits {
		r := sarifReplacement{DeletedRegion: sarifEditRegion{
			StartLine: e.StartPos.Line, StartColumn: e.StartPos.Col, EndLine: e.EndPos.Line, EndColumn: e.EndPos.Col}}
		if e.New != "" {
			r.InsertedContent = &sarifText{Text: e.New}
		}
		change.Replacements = append(change.Replacements, r)
	}
	return []sarifFix{{Description: sarifText{Text: f.Fix.Description}, ArtifactChanges: []sarifArtifactEdit{change}}}
}

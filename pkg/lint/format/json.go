package format

import (
	"encoding/json"
	"io"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// JSONSchemaVersion is the version of the JSON report's shape, published
// as docs/schemas/lint-report.v1.schema.json. Adding a field keeps the
// version; renaming, removing or changing the meaning of one bumps it.
const JSONSchemaVersion = 1

// JSON writes the whole result as one JSON document (see
// docs/schemas/lint-report.v1.schema.json).
type JSON struct {
	Version string
	FailOn  rules.Severity
}

var _ Formatter = (*JSON)(nil)

type jsonReport struct {
	SchemaVersion int           `json:"schemaVersion"`
	Tool          jsonTool      `json:"tool"`
	Findings      []jsonFinding `json:"findings"`
	Suppressed    []jsonFinding `json:"suppressed"`
	InputErrors   []string      `json:"inputErrors"`
	Notices       []string      `json:"notices"`
	Summary       jsonSummary   `json:"summary"`
}

type jsonTool struct {
	Name           string `json:"name"`
	Version        string `json:"version"`
	InformationURI string `json:"informationUri"`
}

type jsonFinding struct {
	RuleID      string           `json:"ruleId"`
	Slug        string           `json:"slug"`
	Severity    string           `json:"severity"`
	Message     string           `json:"message"`
	Remediation string           `json:"remediation"`
	DocURL      string           `json:"docUrl"`
	File        string           `json:"file"`
	Line        int              `json:"line"`
	Column      int              `json:"column"`
	FieldPath   string           `json:"fieldPath"`
	Object      jsonObject       `json:"object"`
	Related     []jsonRelated    `json:"related,omitempty"`
	Suppression *jsonSuppression `json:"suppression,omitempty"`
}

// jsonRelated is another object the finding is about: the line its
// document starts on.
type jsonRelated struct {
	File   string     `json:"file"`
	Line   int        `json:"line"`
	Object jsonObject `json:"object"`
}

// jsonObject always has its four keys; "" when unknown (a document that
// does not parse) or unset (a namespace the manifest does not name).
type jsonObject struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
}

type jsonSuppression struct {
	By     string `json:"by"`     // annotation, config or flag
	Origin string `json:"origin"` // where: "annotation meshbatch.dev/ignore on Job batch/etl", ".meshbatch.yaml:12", "--suppress MB301=Job batch/*"
	Reason string `json:"reason,omitempty"`
}

type jsonSummary struct {
	Errors         int            `json:"errors"`
	Warnings       int            `json:"warnings"`
	Infos          int            `json:"infos"`
	Files          int            `json:"files"`
	Objects        int            `json:"objects"`
	Suppressed     int            `json:"suppressed"`
	Hidden         int            `json:"hidden"`
	SkippedObjects int            `json:"skippedObjects"`
	NotManifests   int            `json:"notManifests"`
	Silenced       int            `json:"silenced"`
	SilencedByRule map[string]int `json:"silencedByRule"`
	FailOn         string         `json:"failOn"`
	Failed         bool           `json:"failed"`
}

// Format implements Formatter.
func (j *JSON) Format(w io.Writer, res *lint.Result) error {
	c := res.Counts()
	rep := jsonReport{
		SchemaVersion: JSONSchemaVersion,
		Tool:          jsonTool{Name: ToolName, Version: j.Version, InformationURI: InformationURI},
		Findings:      jsonFindings(res.Findings),
		Suppressed:    jsonFindings(res.Suppressed),
		InputErrors:   []string{},
		Notices:       append([]string{}, res.Notices...),
		Summary: jsonSummary{
			Errors: c[rules.Error], Warnings: c[rules.Warning], Infos: c[rules.Info],
			Files: res.Stats.Files, Objects: res.Stats.Objects,
			Suppressed: len(res.Suppressed), Hidden: res.Stats.Hidden,
			SkippedObjects: res.Stats.Skipped, NotManifests: res.Stats.NotManifests,
			Silenced: res.Stats.Silenced, SilencedByRule: map[string]int{},
			FailOn: "none", Failed: res.Failed(j.FailOn),
		},
	}
	if j.FailOn > 0 {
		rep.Summary.FailOn = j.FailOn.String()
	}
	for id, n := range res.Stats.SilencedByRule {
		rep.Summary.SilencedByRule[id] = n
	}
	for _, e := range res.InputErrors {
		rep.InputErrors = append(rep.InputErrors, e.Error())
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(rep)
}

func jsonFindings(fs []lint.Finding) []jsonFinding {
	out := make([]jsonFinding, 0, len(fs))
	for _, f := range fs {
		jf := jsonFinding{
			RuleID: f.RuleID, Slug: f.Slug, Severity: f.Severity.String(),
			Message: f.Message, Remediation: f.Remediation, DocURL: f.URL,
			File: f.File, Line: f.Line, Column: f.Column, FieldPath: f.FieldPath,
			Object: jsonObject(f.Object),
		}
		for _, r := range f.Related {
			jf.Related = append(jf.Related, jsonRelated{File: r.File, Line: r.Line, Object: jsonObject(r.Object)})
		}
		if f.Suppressed != "" {
			jf.Suppression = &jsonSuppression{By: f.SuppressedBy, Origin: f.Suppressed, Reason: f.SuppressReason}
		}
		out = append(out, jf)
	}
	return out
}

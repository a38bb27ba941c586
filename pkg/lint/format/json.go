package format

import (
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
	Context     string           `json:"context,omitempty"` // a live object's cluster
	Related     []jsonRelated    `json:"related,omitempty"`
	Suppression *jsonSuppression `json:"suppression,omitempty"`
	// Rendered is where a finding on a rendered chart or Kustomize build
	// was in the rendered document (additive: absent otherwise).
	Rendered *lint.RenderedFrom `json:"rendered,omitempty"`
	// Environments are the chart environments a finding on a plain file
	// was found with, when not all of them (additive: absent otherwise).
	Environments []string `json:"environments,omitempty"`
	Fix          *jsonFix `json:"fix,omitempty"`
}

// jsonRelated is another object the finding is about: the line its
// document starts on.
type jsonRelated struct {
	File    string     `json:"file"`
	Line    int        `json:"line"`
	Object  jsonObject `json:"object"`
	Context string     `json:"context,omitempty"`
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
	Baselined      int            `json:"baselined"`
	Stale          int            `json:"stale"`
	Hidden         int            `json:"hidden"`
	SkippedObjects int            `json:"skippedObjects"`
	NotManifests   int            `json:"notManifests"`
	Silenced       int            `json:"silenced"`
	SilencedByRule map[string]int `json:"silencedByRule"`
	FailOn         string         `json:"failOn"`
	Failed         bool           `json:"failed"`
}

// Format implements Formatter. The report's members, in this order, are
// those of docs/schemas/lint-report.v1.schema.json; the findings are
// written one at a time (see jsonWriter).
func (j *JSON) Format(w io.Writer, res *lint.Result) error {
	c := res.Counts()
	summary := jsonSummary{
		Errors: c[rules.Error], Warnings: c[rules.Warning], Infos: c[rules.Info],
		Files: res.Stats.Files, Objects: res.Stats.Objects,
		Suppressed: res.Suppressed.Len(), Hidden: res.Stats.Hidden,
		Baselined: res.Baselined.Len(), Stale: len(res.Stale),
		SkippedObjects: res.Stats.Skipped, NotManifests: res.Stats.NotManifests,
		Silenced: res.Stats.Silenced, SilencedByRule: map[string]int{},
		FailOn: "none", Failed: res.Failed(j.FailOn),
	}
	if j.FailOn > 0 {
		summary.FailOn = j.FailOn.String()
	}
	for id, n := range res.Stats.SilencedByRule {
		summary.SilencedByRule[id] = n
	}
	inputErrors := []string{}
	for _, e := range res.InputErrors {
		inputErrors = append(inputErrors, e.Error())
	}
	jw := newJSONWriter(w)
	jw.open("", '{')
	jw.member("schemaVersion", JSONSchemaVersion)
	jw.member("tool", jsonTool{Name: ToolName, Version: j.Version, InformationURI: InformationURI})
	for _, list := range []struct {
		key      string
		findings lint.Findings
	}{{"findings", res.Findings}, {"suppressed", res.Suppressed}, {"baselined", res.Baselined}} {
		jw.open(list.key, '[')
		for f := range list.findings.All() {
			jw.member("", jsonFindingOf(f))
		}
		jw.close(']')
	}
	jw.member("stale", jsonStaleOf(res.Stale))
	jw.member("inputErrors", inputErrors)
	if len(res.FixErrors) > 0 { // only with fixes asked for, and then rare: a bug
		fixErrors := []string{}
		for _, e := range res.FixErrors {
			fixErrors = append(fixErrors, e.Error())
		}
		jw.member("fixErrors", fixErrors)
	}
	jw.member("notices", append([]string{}, res.Notices...))
	jw.member("summary", summary)
	jw.close('}')
	return jw.finish()
}

func jsonFindingOf(f lint.Finding) jsonFinding {
	jf := jsonFinding{
		RuleID: f.RuleID, Slug: f.Slug, Severity: f.Severity.String(),
		Message: f.Message, Remediation: f.Remediation, DocURL: f.URL,
		File: f.File, Line: f.Line, Column: f.Column, FieldPath: f.FieldPath,
		Object: jsonObject(f.Object), Rendered: f.Rendered, Environments: f.Environments, Context: f.Context, Fix: jsonFixOf(f),
	}
	for _, r := range f.Related {
		jf.Related = append(jf.Related, jsonRelated{File: r.File, Line: r.Line, Object: jsonObject(r.Object), Context: r.Context})
	}
	if f.Suppressed != "" {
		jf.Suppression = &jsonSuppression{By: f.SuppressedBy, Origin: f.Suppressed, Reason: f.SuppressReason}
	}
	return jf
}

// jsonStale is a baseline entry that matched no finding, in the shape of
// the baseline file's entries (docs/baseline.md).
type jsonStale struct {
	Rule      string `json:"rule"`
	Kind      string `json:"kind,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name,omitempty"`
	File      string `json:"file,omitempty"`
	FieldPath string `json:"fieldPath,omitempty"`
	Message   string `json:"message"`
	Count     int    `json:"count"`
}

func jsonStaleOf(stale []lint.StaleEntry) []jsonStale {
	out := []jsonStale{}
	for _, s := range stale {
		out = append(out, jsonStale{Rule: s.RuleID, Kind: s.Kind, Namespace: s.Namespace, Name: s.Name,
			File: s.File, FieldPath: s.FieldPath, Message: s.Message, Count: s.Count})
	}
	return out
}

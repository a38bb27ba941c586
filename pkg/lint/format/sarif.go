package format

import (
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/rules"
	"github.com/meshbatch/meshbatch/pkg/rules/checks"
)

// SARIF writes SARIF 2.1.0 for GitHub code scanning and other SARIF
// consumers. The output is checked against the official schema in
// testdata/sarif-schema-2.1.0.json by the tests.
//
// GitHub specifics honoured: every rule appears in tool.driver.rules with
// help text (GitHub shows help, not helpUri); each result has one
// physicalLocation with a relative uri and region.startLine/startColumn;
// a partialFingerprint keyed on rule, object and field path (not on the
// line) keeps alerts stable when lines move.
//
// An object of a cluster (lint --cluster) has no file: its results have a
// logicalLocation only, named "CONTEXT/NAMESPACE/KIND/NAME"
// ("CONTEXT/KIND/NAME" for a cluster-scoped object), and their
// fingerprint is keyed on that name instead of a file. SARIF allows a
// location without a physicalLocation; GitHub code scanning shows only
// results in files of the repository.
type SARIF struct {
	Version string
	Rules   []*rules.Rule
}

var _ Formatter = (*SARIF)(nil)

const (
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion = "2.1.0"
	// srcRoot is the uriBaseId of every file: the directory meshbatch
	// ran in, which should be the repository root for code scanning.
	srcRoot = "%SRCROOT%"
)

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifMultiText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifMultiText `json:"help"`
	HelpURI              string         `json:"helpUri"`
	DefaultConfiguration sarifRuleConf  `json:"defaultConfiguration"`
	Properties           sarifRuleProps `json:"properties"`
}

type sarifRuleConf struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	Tags []string `json:"tags"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level   string    `json:"level"`
	Message sarifText `json:"message"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations"`
	RelatedLocations    []sarifRelated     `json:"relatedLocations,omitempty"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	Properties          *sarifResultProps  `json:"properties,omitempty"`
	Fixes               []sarifFix         `json:"fixes,omitempty"`
}

type sarifResultProps struct {
	FieldPath   string `json:"fieldPath,omitempty"`
	Remediation string `json:"remediation"`
	// Rendered is where a finding on a rendered chart or Kustomize build
	// was in the rendered document; the location is in its source.
	Rendered *lint.RenderedFrom `json:"rendered,omitempty"`
	// Environments are the chart environments a finding on a plain file
	// was found with, when not all of them (lint.Finding.Environments).
	Environments []string `json:"environments,omitempty"`
}

// sarifRelated is another object a result is about (SARIF's location
// object with an id and a message).
type sarifRelated struct {
	ID               int            `json:"id"`
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
	Message          sarifText      `json:"message"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI         string     `json:"uri"`
	URIBaseID   string     `json:"uriBaseId,omitempty"`
	Description *sarifText `json:"description,omitempty"`
}

// sarifArtifactOf locates a file of the input. SARIF has no URI for
// standard input, and a URI reference cannot hold "<" or ">" (RFC 3986;
// the schema asserts format uri-reference): standard input is the
// relative reference "%3Cstdin%3E", which viewers decode to <stdin>,
// without the %SRCROOT% base (it is no file of the checkout) and with
// the description "<stdin>" for those that show the URI as it is.
func sarifArtifactOf(file string) sarifArtifact {
	if file == lint.StdinName {
		return sarifArtifact{URI: sarifURI(file), Description: &sarifText{Text: lint.StdinName + " (standard input)"}}
	}
	return sarifArtifact{URI: sarifURI(file), URIBaseID: srcRoot}
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

type sarifLogical struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"` // inSource (annotation) or external (config, flag)
	Justification string `json:"justification,omitempty"`
}

// Format implements Formatter.
func (s *SARIF) Format(w io.Writer, res *lint.Result) error {
	driver := sarifDriver{Name: ToolName, Version: s.Version, InformationURI: InformationURI, Rules: []sarifRule{}}
	index := map[string]int{}
	for _, r := range s.Rules {
		index[r.ID] = len(driver.Rules)
		driver.Rules = append(driver.Rules, sarifRuleOf(r))
	}
	invocation := sarifInvocation{ExecutionSuccessful: len(res.InputErrors) == 0 && len(res.FixErrors) == 0}
	for _, e := range slices.Concat(res.InputErrors, res.FixErrors) {
		invocation.ToolExecutionNotifications = append(invocation.ToolExecutionNotifications,
			sarifNotification{Level: "error", Message: sarifText{Text: e.Error()}})
	}
	for _, st := range res.Stale {
		invocation.ToolExecutionNotifications = append(invocation.ToolExecutionNotifications,
			sarifNotification{Level: "note", Message: sarifText{Text: "stale baseline entry: " + st.String()}})
	}
	// Rules come before the results that point into them: first the rules
	// of findings outside the catalogue given, then the results, one at a
	// time (see jsonWriter).
	all := []lint.Findings{res.Findings, res.Suppressed, res.Baselined}
	for _, fs := range all {
		for f := range fs.All() {
			if _, ok := index[f.RuleID]; ok {
				continue
			}
			r := checks.Lookup(f.RuleID)
			if r == nil { // still a valid result
				r = &rules.Rule{ID: f.RuleID, Slug: f.Slug, Severity: f.Severity, Summary: f.Slug, Remediation: f.Remediation}
			}
			index[f.RuleID] = len(driver.Rules)
			driver.Rules = append(driver.Rules, sarifRuleOf(r))
		}
	}
	jw := newJSONWriter(w)
	jw.open("", '{')
	jw.member("$schema", sarifSchema)
	jw.member("version", sarifVersion)
	jw.open("runs", '[')
	jw.open("", '{')
	jw.member("tool", sarifTool{Driver: driver})
	jw.member("invocations", []sarifInvocation{invocation})
	jw.open("results", '[')
	for _, fs := range all {
		for f := range fs.All() {
			jw.member("", sarifResultOf(f, index[f.RuleID]))
		}
	}
	jw.close(']')
	jw.member("columnKind", "unicodeCodePoints")
	jw.close('}')
	jw.close(']')
	jw.close('}')
	return jw.finish()
}

func sarifRuleOf(r *rules.Rule) sarifRule {
	text := r.Summary + ".\n\n" + r.Rationale + "\n\nFix: " + r.Remediation + "\n\nDocumentation: " + r.URL()
	md := "**" + r.Summary + "**\n\n" + r.Rationale + "\n\n**Fix:** " + r.Remediation +
		"\n\n[" + r.ID + " " + r.Slug + "](" + r.URL() + ")"
	return sarifRule{
		ID:                   r.ID,
		Name:                 r.Slug,
		ShortDescription:     sarifText{Text: r.Summary},
		FullDescription:      sarifText{Text: r.Rationale},
		Help:                 sarifMultiText{Text: text, Markdown: md},
		HelpURI:              r.URL(),
		DefaultConfiguration: sarifRuleConf{Level: sarifLevel(r.Severity)},
		Properties:           sarifRuleProps{Tags: ruleTags(r)},
	}
}

// ruleTags are shown as filters in code scanning: the kinds a rule reads.
func ruleTags(r *rules.Rule) []string {
	tags := []string{"kubernetes", "istio"}
	for _, k := range r.Kinds {
		if k != "*" {
			tags = append(tags, k)
		}
	}
	return tags
}

func sarifResultOf(f lint.Finding, ruleIndex int) sarifResult {
	msg := f.Message + "\nFix: " + f.Remediation
	var loc sarifLocation
	if f.Live() {
		loc.LogicalLocations = []sarifLogical{{FullyQualifiedName: liveName(f.Context, f.Object), Kind: "object"}}
	} else {
		loc.PhysicalLocation = &sarifPhysical{
			ArtifactLocation: sarifArtifactOf(f.File),
			Region:           sarifRegion{StartLine: max(f.Line, 1), StartColumn: f.Column},
		}
		if ref := f.Object.String(); ref != "" {
			loc.LogicalLocations = []sarifLogical{{FullyQualifiedName: ref, Kind: "object"}}
		}
	}
	res := sarifResult{
		RuleID: f.RuleID, RuleIndex: ruleIndex, Level: sarifLevel(f.Severity),
		Message:             sarifText{Text: msg},
		Locations:           []sarifLocation{loc},
		PartialFingerprints: map[string]string{"meshbatchFinding/v1": fingerprint(f)},
		Properties:          &sarifResultProps{FieldPath: f.FieldPath, Remediation: f.Remediation, Rendered: f.Rendered, Environments: f.Environments},
		Fixes:               sarifFixesOf(f),
	}
	for i, r := range f.Related {
		rel := sarifRelated{ID: i + 1, Message: sarifText{Text: r.Object.String()}}
		if r.File == "" && r.Context != "" {
			rel.LogicalLocations = []sarifLogical{{FullyQualifiedName: liveName(r.Context, r.Object), Kind: "object"}}
		} else {
			rel.PhysicalLocation = &sarifPhysical{
				ArtifactLocation: sarifArtifactOf(r.File),
				Region:           sarifRegion{StartLine: max(r.Line, 1)},
			}
		}
		res.RelatedLocations = append(res.RelatedLocations, rel)
	}
	if f.Suppressed != "" {
		kind := "external"
		if f.SuppressedBy == lint.SuppressedByAnnotation {
			kind = "inSource"
		}
		just := f.Suppressed
		if f.SuppressReason != "" {
			just += ": " + f.SuppressReason
		}
		res.Suppressions = []sarifSuppression{{Kind: kind, Justification: just}}
	}
	return res
}

// fingerprint identifies a finding across line shifts: rule, file, object
// and field path (plus the message for findings without an object, and
// the environment of a chart rendered for several). It leaves out the
// environments that alone found a plain file's or a cluster's finding:
// the same rule on the same object at the same place is one alert, which
// adding an environment, or one that stops finding it, must not close
// and open anew (losing its dismissal); properties.environments names
// them. One run never reports two findings that differ only in them
// (checkEnvironments reports a finding once with every environment that
// found it); two messages of one rule at one place are one alert, with
// environments or without.
func fingerprint(f lint.Finding) string {
	var parts []string
	if f.Live() {
		parts = []string{f.RuleID, liveName(f.Context, f.Object), f.FieldPath}
	} else {
		parts = []string{f.RuleID, filepath.ToSlash(f.File), f.Object.String(), f.FieldPath}
		if f.Object.Kind == "" {
			parts = append(parts, f.MessageWithoutEnvironments())
		}
	}
	if f.Rendered != nil && f.Rendered.Environment != "" {
		// Each environment's rendering is an object of its own, usually
		// of the same name: one alert each.
		parts = append(parts, "environment="+f.Rendered.Environment)
	}
	return lint.Fingerprint(parts...)
}

// liveName is the fully qualified name of an object of a cluster:
// "CONTEXT/NAMESPACE/KIND/NAME", or "CONTEXT/KIND/NAME" when it has no
// namespace.
func liveName(context string, o lint.ObjectRef) string {
	if o.Namespace == "" {
		return context + "/" + o.Kind + "/" + o.Name
	}
	return context + "/" + o.Namespace + "/" + o.Kind + "/" + o.Name
}

func sarifLevel(s rules.Severity) string {
	switch s {
	case rules.Error:
		return "error"
	case rules.Warning:
		return "warning"
	}
	return "note"
}

// sarifURI turns a file path into a relative URI reference: slashes,
// percent-encoded segments ("my dir/a.yaml" is "my%20dir/a.yaml"), no
// leading "./". Absolute paths below the working directory are made
// relative to it, other absolute paths become file: URIs; standard input is
// "%3Cstdin%3E" (see sarifArtifactOf).
func sarifURI(file string) string {
	p := filepath.Clean(file)
	if filepath.IsAbs(p) {
		wd, err := os.Getwd()
		rel, err2 := filepath.Rel(wd, p)
		if err != nil || err2 != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return (&url.URL{Scheme: "file", Path: filepath.ToSlash(p)}).String()
		}
		p = rel
	}
	segs := strings.Split(filepath.ToSlash(p), "/")
	for i, s := range segs {
		segs[i] = strings.ReplaceAll(url.PathEscape(s), ":", "%3A")
	}
	return strings.Join(segs, "/")
}

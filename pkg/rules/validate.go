package rules

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/manifest"
)

// DocsBase is where each rule's page lives; a finding's URL is DocsBase +
// ID + ".md".
const DocsBase = "https://github.com/meshbatch/meshbatch/blob/main/docs/rules/"

// URL returns the rule's documentation page.
func (r *Rule) URL() string { return DocsBase + r.ID + ".md" }

// InvalidInput is reported by the engine, not by a check: a document that
// does not parse or does not decode strictly into its kind.
var InvalidInput = &Rule{
	ID:       "MB001",
	Slug:     "invalid-input",
	Severity: Error,
	Summary:  "A document is not valid YAML, does not decode into its kind, or has a value the API server refuses",
	Rationale: "A manifest the API server would reject never reaches the cluster, and a field the decoder " +
		"does not know is a typo the cluster ignores or refuses: Istio's own Go types accept unknown fields " +
		"silently, so `kubectl apply` of a misspelt PeerAuthentication field fails only at admission time. " +
		"meshbatch decodes Kubernetes kinds the way the API server does with strict field validation, and " +
		"Istio specs with protobuf's strict JSON decoder, so unknown fields and bad enum values are caught here. " +
		"The other documents of the file are still linted, and so is the rest of an object with a field that does not " +
		"decode, when the decoder names the field: MB001 points at the field, and the object's other findings say they " +
		"come from a partly invalid object. An object of a kind meshbatch reads with neither metadata.name nor " +
		"metadata.generateName is invalid input too (the API server refuses it); it is linted as \"unnamed <kind> at " +
		"<file>:<line>\". So is a CronJob with an empty spec.schedule (\"Required value\"; a missing or null one is " +
		"left alone, as a kustomize patch has it), and one whose spec.schedule the API server refuses (validateScheduleFormat in Kubernetes' " +
		"pkg/apis/batch/validation): it must be read by robfig/cron's ParseStandard exactly as written, nothing trimmed, so " +
		"day of week 7 (Kubernetes reads 0 to 6, Sunday is 0), \"@daily \" with a space, or a sixth field are refused; " +
		"and since Kubernetes 1.29 a new CronJob's schedule must not contain TZ (a TZ= or CRON_TZ= prefix: spec.timeZone " +
		"names the zone; an update may keep one the stored schedule had; when --kubernetes-version names an older API server, " +
		"which takes it with a warning, MB001 is a warning, unless spec.timeZone is set too, which every version refuses). MB001 points at the schedule with the API " +
		"server's words and how to write it; the rules that read schedules (MB104, MB703) cannot read such a one and say " +
		"nothing of it. A CronJob read from a cluster (lint --cluster) was validated when it was stored and is not checked " +
		"again. The API server takes @every <duration>, and MB104 and MB703 read it as its constant delay.",
	Remediation: "Fix the YAML syntax or the field named in the message; `kubectl explain <kind>.<field>` shows the valid fields.",
	Kinds:       []string{"*"},
	Sources: []string{"istio/api *_json.gen.go (AllowUnknownFields: true)", "istio/istio pkg/util/protomarshal ApplyYAMLStrict",
		"kubernetes/kubernetes pkg/apis/batch/validation/validation.go (validateCronJobSpec, validateScheduleFormat)",
		"kubernetes/kubernetes pkg/util/parsers ParseCronScheduleWithPanicRecovery (robfig/cron/v3 ParseStandard)",
		"kubernetes/kubernetes#116252 (TZ and CRON_TZ refused on create, Kubernetes 1.29)"},
	Bad:  "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: default\n  namespace: batch\nspec:\n  mtls:\n    mode: STRICTT\n",
	Good: "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: default\n  namespace: batch\nspec:\n  mtls:\n    mode: STRICT\n",
}

var (
	idRE   = regexp.MustCompile(`^MB\d{3}$`)
	slugRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
)

// Validate checks a rule set for what users and docs rely on: well-formed
// unique ids and slugs, and documentation that is present.
func Validate(rs []*Rule) error {
	ids, slugs := map[string]bool{}, map[string]bool{}
	known := manifest.KnownKinds()
	for i, r := range rs {
		switch {
		case !idRE.MatchString(r.ID):
			return fmt.Errorf("rule %q: id must look like MB123", r.ID)
		case i > 0 && r.ID < rs[i-1].ID:
			return fmt.Errorf("rule %s: listed after %s; keep the registry ordered by id", r.ID, rs[i-1].ID)
		case !slugRE.MatchString(r.Slug):
			return fmt.Errorf("rule %s: slug %q must be kebab-case", r.ID, r.Slug)
		case ids[r.ID]:
			return fmt.Errorf("rule %s: duplicate id", r.ID)
		case slugs[r.Slug]:
			return fmt.Errorf("rule %s: duplicate slug %q", r.ID, r.Slug)
		case r.Severity < Info || r.Severity > Error:
			return fmt.Errorf("rule %s: no severity", r.ID)
		case r.Summary == "" || strings.HasSuffix(r.Summary, "."):
			return fmt.Errorf("rule %s: summary must be one line without a final period", r.ID)
		case r.Rationale == "":
			return fmt.Errorf("rule %s: no rationale", r.ID)
		case !strings.HasSuffix(r.Remediation, "."):
			return fmt.Errorf("rule %s: remediation must be a sentence ending with a period", r.ID)
		case len(r.Kinds) == 0:
			return fmt.Errorf("rule %s: no kinds", r.ID)
		case len(r.Sources) == 0:
			return fmt.Errorf("rule %s: no sources", r.ID)
		case r.Bad == "" || r.Good == "":
			return fmt.Errorf("rule %s: needs a bad and a good example", r.ID)
		case r.Check == nil && r != InvalidInput:
			return fmt.Errorf("rule %s: no check", r.ID)
		}
		if err := validateReads(r, known); err != nil {
			return err
		}
		ids[r.ID], slugs[r.Slug] = true, true
	}
	return nil
}

// validateReads checks that a rule's Reads name kinds meshbatch decodes:
// a misspelt kind would leave the objects it reads released.
// known is manifest.KnownKinds(), sorted.
func validateReads(r *Rule, known []string) error {
	for _, list := range [][]string{r.Reads.Loop, r.Reads.Spec, r.Reads.Labels, r.Reads.Annotations} {
		for _, k := range list {
			if _, ok := slices.BinarySearch(known, k); !ok {
				return fmt.Errorf("rule %s: Reads names kind %q, which meshbatch does not decode", r.ID, k)
			}
		}
	}
	return nil
}

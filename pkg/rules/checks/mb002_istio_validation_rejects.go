package checks

import (
	"fmt"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/meshbatch/meshbatch/pkg/istiovalid"
	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// IstioValidationRejects reports what istiod's validating webhook says of
// the Istio objects meshbatch reads.
var IstioValidationRejects = &rules.Rule{
	ID:       "MB002",
	Slug:     "istio-validation-rejects",
	Severity: rules.Error,
	Summary:  "Istio's validating webhook (of --istio-version's release, else 1.31) rejects the object, or accepts it with a warning",
	Rationale: "istiod registers a validating webhook for its configuration kinds. Before an object is stored it runs the " +
		"kind's validation (istio/istio pkg/config/validation): a ServiceEntry with resolution DNS, no endpoints and a " +
		"host that is not a fully qualified name (*.example.com), a Sidecar with nothing in it, an egress host without " +
		"its namespace/ part, a DestinationRule with an empty trafficPolicy, a DENY AuthorizationPolicy without rules, a " +
		"port name that is not a DNS label. An error makes kubectl apply, Helm and Argo CD fail on the whole object, so " +
		"the policy or entry the Job counts on never exists; a warning is printed and the object is stored. The CRD " +
		"schema does not catch these, so a dry run against a cluster without istiod passes. istioctl analyze reports " +
		"them as IST0106. meshbatch reports every error and warning Istio's validation returns, at the field; an " +
		"e2e test holds its checks to Istio's own functions (e2e/istiovalid) at the version e2e/go.mod pins, which " +
		"is Istio as of 1.31. Istio adds, drops and relaxes checks between releases and sometimes between patches, " +
		"and its CRDs gain fields, which an older API server refuses under strict field validation (kubectl apply's default) or else drops before the webhook sees the object. With " +
		"--istio-version (1.22 or later) MB002 follows that release, as docs/istio-validation-versions.md lists: " +
		"what every patch of it rejects is an error; what only some patches reject is a warning naming them when the " +
		"version gives no patch (1.24), and an error or nothing when it does (1.24.3); what only newer releases or " +
		"later patches reject is a warning that applying will fail after an upgrade, naming the releases; a field the release's CRD lacks is an error (strict field validation refuses it). Without the " +
		"version, Istio 1.31's checks; before 1.22, 1.22's, as warnings. An object read " +
		"from a cluster (lint --cluster) is stored already: it got in while validation was off or under another " +
		"Istio version, and re-applying it fails. What MB503 (portLevelMtls), MB509 (serviceAccounts), MB611 " +
		"(MUTUAL without a client certificate) and MB602 (a TCP port without addresses, which releases before 1.25 " +
		"warn about) report is left to them when they run, and reported here when they do not.",
	Remediation: "Fix the field the finding points at as its message says; the message is Istio's reason.",
	Kinds:       istiovalid.Kinds,
	// validateMetadata reads every kind's annotations, ServiceEntry
	// validation the entry's labels; a kind another rule reads by its spec
	// keeps only the declared maps
	Reads: rules.Reads{Loop: istiovalid.Kinds, Annotations: istiovalid.Kinds, Labels: []string{"ServiceEntry"}},
	Sources: []string{
		"istio/istio pkg/config/validation/validation.go (ValidateServiceEntry, ValidateSidecar, ValidateDestinationRule, " +
			"ValidateAuthorizationPolicy, ValidatePeerAuthentication, validateMetadata)",
		"istio/istio pkg/config/validation/agent/validation.go (ValidateTLS, ValidateLocalityLbSetting, host checks)",
		"istio/istio pkg/webhooks/validation/server/server.go (the webhook denies on an error, passes warnings on)",
		"istioctl analyze IST0106 SchemaValidationError",
		"e2e/go.mod (the istio.io/istio version the checks are held to: main of 2026-08-27, after the 1.31 branch)",
		"istio/istio pkg/config/validation, pkg/config/security, pilot/pkg/model/credentials and " +
			"manifests/charts/base crd-all.gen.yaml at every patch tag from 1.22.0 to 1.31.0-rc.0 (the differences: " +
			"docs/istio-validation-versions.md, pkg/istiovalid/releases.go)",
	},
	Bad: `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: partner-api, namespace: etl}
spec:
  hosts: ["*.partner.example.com"]
  ports:
    - {number: 443, name: tls, protocol: TLS}
  resolution: DNS
  location: MESH_EXTERNAL
`,
	Good: `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: partner-api, namespace: etl}
spec:
  hosts: ["api.partner.example.com"]
  ports:
    - {number: 443, name: tls, protocol: TLS}
  resolution: DNS
  location: MESH_EXTERNAL
`,
	Check: checkIstioValidation,
}

// reportedElsewhere are the beginnings of Istio's messages that other
// rules report at the same field, with their own explanation, by kind;
// MB002 reports them itself when the other rule is not run.
var reportedElsewhere = map[string][]struct {
	rule     string
	prefixes []string
	// fields: the CRD's "unknown field" errors at paths ending so
	fields []string
}{
	"PeerAuthentication": {{"MB503", []string{
		"mesh/namespace peer authentication cannot have port level mTLS", "port must be in range 1..65535", "port cannot be 0",
	}, nil}},
	"AuthorizationPolicy": {{"MB509", []string{
		"cannot set serviceAccounts with namespaces or principals", "may not have more than 16 values",
		"wildcard not allowed, found in", "expected format 'serviceAccount' or 'namespace/serviceAccount'",
	}, []string{".serviceAccounts", ".notServiceAccounts"}}},
	"DestinationRule": {{"MB611", []string{
		"client certificate required for mutual tls", "private key required for mutual tls",
	}, nil}},
	// the warning of releases before 1.25, whose istiod does not allocate
	// addresses by default
	"ServiceEntry": {{"MB602", []string{"addresses are required for ports serving TCP"}, nil}},
}

// leftToOthers says whether a rule of the run reports i itself.
func leftToOthers(p *rules.Pass, kind string, i istiovalid.Issue) bool {
	for _, other := range reportedElsewhere[kind] {
		if !p.RuleRuns(other.rule) {
			continue
		}
		if slices.ContainsFunc(other.prefixes, func(m string) bool { return strings.HasPrefix(i.Msg, m) }) ||
			i.Schema && slices.ContainsFunc(other.fields, func(f string) bool { return strings.HasSuffix(i.Path, f) }) {
			return true
		}
	}
	return false
}

// validatedRelease is the release whose validation MB002 follows: the
// facts' Istio version (at its patch when the facts give one), AsOf's
// when it is unknown or later; exact is false for a release older than
// any istiovalid knows.
func validatedRelease(p *rules.Pass) (r istiovalid.Release, exact bool) {
	v := p.Facts.IstioVersion
	if !v.Known() || v.Major != 1 {
		return istiovalid.Latest, true
	}
	if v.Minor < istiovalid.OldestMinor {
		// ReleaseOf reads minor 0 as unknown; 1.0 is older than any it knows
		return istiovalid.ReleaseOf(istiovalid.OldestMinor), false
	}
	if patch, ok := v.Patch(); ok {
		return istiovalid.ReleaseAt(v.Minor, patch), v.Minor >= istiovalid.OldestMinor
	}
	return istiovalid.ReleaseOf(v.Minor), v.Minor >= istiovalid.OldestMinor
}

func checkIstioValidation(p *rules.Pass) {
	r, exact := validatedRelease(p)
	for _, kind := range istiovalid.Kinds {
		for _, o := range p.Index.OfKind(kind) {
			var spec proto.Message
			if kind == "AuthorizationPolicy" {
				spec = &rules.AuthorizationPolicy(o).Spec
			} else {
				spec, _ = rules.Spec(o).(proto.Message)
			}
			if spec == nil {
				continue
			}
			meta := istiovalid.Meta{Namespace: rules.NamespaceOf(o), Name: o.Name, Labels: o.Labels, Annotations: o.Annotations}
			// istiod allocates addresses by default from 1.25, which
			// decides a warning about TCP ports (MB602's when it runs)
			is, _ := istiovalid.ConfigAt(r, meta, spec, r.Minor() >= 25)
			rejected := map[string]bool{}
			for _, i := range is {
				if !i.Warning {
					rejected[pathOf(i)] = true
				}
				if !leftToOthers(p, kind, i) {
					reportIssue(p, o, r, exact, i)
				}
			}
			for _, n := range newerRejections(r, meta, spec) {
				if rejected[pathOf(n.Issue)] || leftToOthers(p, kind, n.Issue) {
					continue
				}
				rejected[pathOf(n.Issue)] = true
				p.ReportSeverityf(rules.Warning, o, pathOf(n.Issue), "%s: newer Istio's validating webhook (%s) rejects it: %s; %s",
					o.Ref(), n.releases(), n.Msg, newerConsequence(p, o, n))
			}
		}
	}
}

// newerRejection is an error of releases after the validated one.
type newerRejection struct {
	istiovalid.Issue
	in []releasePatches // ascending
}

// releasePatches is a release, and its patches when only some make the
// check.
type releasePatches struct {
	r       istiovalid.Release
	patches string
}

// last is the last release that makes the check.
func (n newerRejection) last() istiovalid.Release { return n.in[len(n.in)-1].r }

// releases names n's releases: "from 1.26", "1.24 to 1.30", "1.23 in
// patches before 1.23.6, 1.24 in patches before 1.24.4".
func (n newerRejection) releases() string {
	var parts []string
	for i := 0; i < len(n.in); {
		rp := n.in[i]
		if rp.patches != "" {
			parts = append(parts, fmt.Sprintf("%s in patches %s", rp.r, rp.patches))
			i++
			continue
		}
		j := i
		for j+1 < len(n.in) && n.in[j+1].patches == "" && n.in[j+1].r.Minor() == n.in[j].r.Minor()+1 {
			j++
		}
		switch {
		case n.in[j].r.Minor() == istiovalid.AsOfMinor:
			parts = append(parts, "from "+rp.r.String())
		case j > i:
			parts = append(parts, fmt.Sprintf("%s to %s", rp.r, n.in[j].r))
		default:
			parts = append(parts, rp.r.String())
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// newerRejections are the errors of the releases after r up to AsOf
// (the later patches of r's minor first, when r's patch is known), each
// with the releases that make it, in the order they come.
func newerRejections(r istiovalid.Release, meta istiovalid.Meta, spec proto.Message) []newerRejection {
	return laterRejections(r, func(m istiovalid.Release) istiovalid.Issues {
		is, _ := istiovalid.ConfigAt(m, meta, spec, m.Minor() >= 25)
		return is
	}, func(istiovalid.Issue) bool { return false })
}

// laterRejections are the errors issuesAt gives for the releases after r
// (its later patches when r's patch is known, then each later minor up
// to AsOf) that skip does not leave out, each with the releases that make
// it, in the order they come.
func laterRejections(r istiovalid.Release, issuesAt func(istiovalid.Release) istiovalid.Issues, skip func(istiovalid.Issue) bool) []newerRejection {
	var ns []newerRejection
	at := map[string]int{}
	var later []istiovalid.Release
	laterPatches, samePatchKnown := r.LaterPatches()
	if samePatchKnown {
		later = append(later, laterPatches)
	}
	for m := r.Next(); m.Minor() <= istiovalid.AsOfMinor; m = m.Next() {
		later = append(later, m)
	}
	for _, m := range later {
		for _, i := range issuesAt(m) {
			if i.Warning || skip(i) {
				continue
			}
			if samePatchKnown && m == laterPatches && i.Patches == "" {
				// every later patch: name them, not the minor
				after, _ := r.Patch()
				i.Patches = fmt.Sprintf("from 1.%d.%d", r.Minor(), after+1)
			}
			k := i.Path + "\x00" + i.Msg
			if n, ok := at[k]; ok {
				ns[n].in = append(ns[n].in, releasePatches{m, i.Patches})
				continue
			}
			at[k] = len(ns)
			ns = append(ns, newerRejection{Issue: i, in: []releasePatches{{m, i.Patches}}})
		}
	}
	return ns
}

func pathOf(i istiovalid.Issue) string {
	if i.Path == "" {
		return "spec"
	}
	return i.Path
}

// reportIssue reports what release r's API server or webhook says: an
// error where every patch of r rejects the object, a warning otherwise.
func reportIssue(p *rules.Pass, o *manifest.Object, r istiovalid.Release, exact bool, i istiovalid.Issue) {
	who := whose(p, r, exact, i)
	patches := ""
	if i.Patches != "" {
		patches = fmt.Sprintf(" in patches %s (the facts give no patch)", i.Patches)
	}
	switch {
	case i.Warning:
		p.ReportSeverityf(rules.Warning, o, pathOf(i), "%s: %s warns%s: %s", o.Ref(), who, patches, i.Msg)
	case !exact || i.Patches != "":
		p.ReportSeverityf(rules.Warning, o, pathOf(i), "%s: %s rejects it%s: %s; %s", o.Ref(), who, patches, i.Msg, mayConsequence(p, o, exact))
	default:
		p.ReportSeverityf(rules.Error, o, pathOf(i), "%s: %s rejects it: %s; %s", o.Ref(), who, i.Msg, consequence(o))
	}
}

// whose names the validation that says i: the webhook when it rejects,
// its validation when it warns.
func whose(p *rules.Pass, r istiovalid.Release, exact bool, i istiovalid.Issue) string {
	v := p.Facts.IstioVersion
	what := "validating webhook"
	if i.Warning {
		what = "validation"
	}
	switch {
	case !v.Known() || v.Major != 1:
		if i.Schema {
			return fmt.Sprintf("the API server (Istio's CRDs as of %s)", istiovalid.AsOf)
		}
		return fmt.Sprintf("Istio's %s (as of %s)", what, istiovalid.AsOf)
	case !exact:
		return fmt.Sprintf("Istio %s's validation (the oldest meshbatch knows; istiod %s may differ)", r, v)
	case i.Schema:
		return fmt.Sprintf("the API server (Istio %s's CRDs)", r)
	case v.Minor > istiovalid.AsOfMinor:
		return fmt.Sprintf("Istio's %s (as of %s; istiod %s may have more checks)", what, istiovalid.AsOf, v)
	}
	return fmt.Sprintf("istiod %s's %s", r, what)
}

// consequence says what a rejection does to the object: one in a file
// fails to apply; one read from a cluster is stored already.
func consequence(o *manifest.Object) string {
	if o.IsLive() {
		return "it is stored, so it got in while validation was off or under another Istio version; re-applying it fails"
	}
	return "kubectl apply fails and the object is never stored"
}

// mayConsequence is consequence where only some patches reject the
// object, or the release is older than any istiovalid knows.
func mayConsequence(p *rules.Pass, o *manifest.Object, exact bool) string {
	what := "on those patches"
	if !exact {
		what = fmt.Sprintf("if istiod %s makes the check", p.Facts.IstioVersion)
	}
	if o.IsLive() {
		return "it is stored; re-applying it fails " + what
	}
	return "kubectl apply fails " + what + ", leaving the object unstored"
}

// newerConsequence: istiod of the facts accepts the object, the newer
// releases of n do not.
func newerConsequence(p *rules.Pass, o *manifest.Object, n newerRejection) string {
	after := "after an upgrade"
	if n.last().Minor() != istiovalid.AsOfMinor {
		after = "after an upgrade to one of those releases"
	}
	if o.IsLive() {
		return fmt.Sprintf("istiod %s accepts it, but re-applying it will fail %s", p.Facts.IstioVersion, after)
	}
	return fmt.Sprintf("istiod %s accepts it, but kubectl apply will fail %s, leaving the object unstored", p.Facts.IstioVersion, after)
}

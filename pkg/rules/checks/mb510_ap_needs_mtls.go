package checks

import (
	"fmt"

	securityv1beta1 "istio.io/api/security/v1beta1"

	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// APNeedsMTLS catches identity-based authorization on workloads that
// receive plaintext.
var APNeedsMTLS = &rules.Rule{
	ID:       "MB510",
	Slug:     "ap-needs-mtls",
	Severity: rules.Error,
	Summary:  "AuthorizationPolicy matches on peer identity but its workloads accept only plaintext",
	Rationale: "principals, namespaces and serviceAccounts (and the when keys source.principal, source.namespace, " +
		"source.serviceAccount and connection.sni) are read from the client's mTLS certificate. On a workload whose " +
		"effective PeerAuthentication is DISABLE there is no certificate: an ALLOW rule on them never matches, so " +
		"every client is denied, and a DENY rule with notPrincipals or notNamespaces matches every request. The rule " +
		"applies PeerAuthentication precedence (workload, namespace, mesh-wide; port-level settings for the ports the " +
		"rule names) to the pod templates the policy selects, or to its selector when none is loaded. Ambient workloads " +
		"are skipped: ztunnel keeps mTLS under DISABLE. PERMISSIVE is not reported, though identity rules only hold " +
		"for the clients that do use mTLS. Kiali reports this on live clusters (KIA0105).",
	Remediation: "Make the selected workloads' PeerAuthentication STRICT (or at least PERMISSIVE for mesh clients), or write " +
		"the rule with ipBlocks or request attributes that do not need mTLS.",
	Kinds: []string{"AuthorizationPolicy", "PeerAuthentication", "Deployment", "StatefulSet", "Job", "CronJob", "Pod"},
	Reads: rules.Reads{
		Loop:   []string{"AuthorizationPolicy"},
		Spec:   []string{"PeerAuthentication"},
		Labels: []string{"Namespace"},
	},
	Sources: []string{
		"istio.io docs/concepts/security (Dependency on mutual TLS)",
		"kiali/kiali business/checkers/authorization/mtls_enabled_checker.go (KIA0105)",
	},
	Bad: `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: database}
spec:
  mtls: {mode: DISABLE}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: etl-to-postgres, namespace: database}
spec:
  selector:
    matchLabels: {app: postgres}
  action: ALLOW
  rules:
    - from:
        - source:
            principals: ["cluster.local/ns/batch/sa/etl"]
`,
	Good: `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: database}
spec:
  mtls: {mode: STRICT}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: etl-to-postgres, namespace: database}
spec:
  selector:
    matchLabels: {app: postgres}
  action: ALLOW
  rules:
    - from:
        - source:
            principals: ["cluster.local/ns/batch/sa/etl"]
`,
	Check: checkAPNeedsMTLS,
}

// mtlsWhenKeys are condition keys read from the peer certificate.
var mtlsWhenKeys = map[string]bool{
	"source.principal": true, "source.namespace": true, "source.serviceAccount": true, "connection.sni": true,
}

func checkAPNeedsMTLS(p *rules.Pass) {
	// Selector-less policies of one namespace share their verdict per port
	// set: remember it instead of walking the namespace again.
	type verdict struct {
		target string
		m      rules.MTLS
	}
	nsWide := map[string]verdict{}
	for _, o := range p.Index.OfKind("AuthorizationPolicy") {
		ap := rules.AuthorizationPolicy(o)
		if rules.TargetsByRef(&ap.Spec) || ap.Spec.GetAction() == securityv1beta1.AuthorizationPolicy_CUSTOM {
			continue
		}
		ns := rules.NamespaceOf(o)
		sel := ap.Spec.GetSelector().GetMatchLabels()
		for i, r := range ap.Spec.GetRules() {
			path := mtlsFieldPath(r, i)
			if path == "" {
				continue
			}
			ports := rulePorts(r)
			var target string
			var m rules.MTLS
			if len(sel) == 0 {
				key := fmt.Sprint(ns, ports)
				v, ok := nsWide[key]
				if !ok {
					v.target, v.m = disabledTarget(p, ns, sel, ports)
					nsWide[key] = v
				}
				target, m = v.target, v.m
			} else {
				target, m = disabledTarget(p, ns, sel, ports)
			}
			if m.Source != nil {
				what := "never matches, so the rule admits no one"
				if ap.Spec.GetAction() == securityv1beta1.AuthorizationPolicy_DENY {
					what = "cannot be evaluated: a DENY rule on identity then matches every request or none"
				}
				p.Because(m.Objects()...).Reportf(o, path,
					"%s matches on peer identity, but mTLS is off for %s (%s): without mTLS there is no peer identity, so the rule %s",
					o.Ref(), target, m.Describe(), what)
			}
		}
	}
}

// mtlsFieldPath returns the path of the rule's first field that needs mTLS.
func mtlsFieldPath(r *securityv1beta1.Rule, i int) string {
	for j, from := range r.GetFrom() {
		src := from.GetSource()
		base := fmt.Sprintf("spec.rules[%d].from[%d].source", i, j)
		for _, f := range []struct {
			name string
			n    int
		}{
			{"principals", len(src.GetPrincipals())}, {"notPrincipals", len(src.GetNotPrincipals())},
			{"namespaces", len(src.GetNamespaces())}, {"notNamespaces", len(src.GetNotNamespaces())},
			{"serviceAccounts", len(src.GetServiceAccounts())}, {"notServiceAccounts", len(src.GetNotServiceAccounts())},
		} {
			if f.n > 0 {
				return base + "." + f.name
			}
		}
	}
	for j, c := range r.GetWhen() {
		if mtlsWhenKeys[c.GetKey()] {
			return fmt.Sprintf("spec.rules[%d].when[%d].key", i, j)
		}
	}
	return ""
}

// rulePorts returns the numeric ports a rule's operations name (none: all).
func rulePorts(r *securityv1beta1.Rule) []uint32 {
	var out []uint32
	for _, to := range r.GetTo() {
		for _, s := range to.GetOperation().GetPorts() {
			if n := rules.PortOr(s, 0); n != 0 {
				out = append(out, n)
			}
		}
	}
	return out
}

// disabledTarget finds a workload the policy applies to whose effective
// mTLS is DISABLE on one of the ports (or on the workload as a whole).
func disabledTarget(p *rules.Pass, ns string, sel map[string]string, ports []uint32) (string, rules.MTLS) {
	if len(ports) == 0 {
		ports = []uint32{0}
	}
	check := func(labels map[string]string) rules.MTLS {
		for _, port := range ports {
			var m rules.MTLS
			if ns == p.Facts.Root() && len(sel) == 0 && labels == nil {
				m = p.Index.MeshMTLS(p.Facts)
			} else {
				m = p.Index.EffectiveMTLS(ns, labels, port, p.Facts)
			}
			if m.Mode == "DISABLE" {
				return m
			}
		}
		return rules.MTLS{}
	}
	if ns == p.Facts.Root() && len(sel) == 0 {
		return "every workload of the mesh", check(nil)
	}
	if nsObj := p.Index.Namespace(ns); nsObj != nil && nsObj.Labels[mesh.LabelDataplaneMode] == "ambient" {
		return "", rules.MTLS{}
	}
	found := false
	for _, w := range p.Index.SelectedWorkloads(ns, sel) {
		found = true
		if p.Index.Injection(w).Ambient {
			continue
		}
		if m := check(w.Labels().ToMap()); m.Source != nil {
			return w.Object().Ref(), m
		}
	}
	if found {
		return "", rules.MTLS{}
	}
	if len(sel) == 0 {
		return "namespace " + ns, check(nil)
	}
	return fmt.Sprintf("the workloads it selects (%s)", selectorKey(sel)), check(sel)
}

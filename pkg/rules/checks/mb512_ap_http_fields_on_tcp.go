package checks

import (
	"fmt"
	"strings"

	securityv1beta1 "istio.io/api/security/v1beta1"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// APHTTPFieldsOnTCP catches authorization rules written for HTTP that land
// on TCP ports, where Istio cannot evaluate them.
var APHTTPFieldsOnTCP = &rules.Rule{
	ID:       "MB512",
	Slug:     "ap-http-fields-on-tcp",
	Severity: rules.Warning,
	Summary:  "AuthorizationPolicy rule with HTTP-only fields applies to a TCP port, where it denies everything",
	Rationale: "methods, paths, hosts, requestPrincipals and request.* conditions exist only for HTTP. For TCP traffic " +
		"(databases, message brokers, TLS passthrough) Istio cannot evaluate them: a DENY rule drops the HTTP-only " +
		"fields and then matches every connection to the workload, unless the rule is scoped with ports; an ALLOW " +
		"rule with them is ignored, so the TCP port it names is denied. A batch Job reaching Postgres through a " +
		"namespace where someone added \"deny DELETE /admin\" is the typical victim. The rule looks for Services of " +
		"the policy's namespace that select the same pods and have a TCP port (by port name or appProtocol tcp, tls, " +
		"https, mysql, mongo, redis, or a well-known database port when the protocol is left to detection).",
	Remediation: "Scope DENY rules with HTTP-only fields to the HTTP ports (to.operation.ports), and write rules for TCP ports " +
		"with source and port fields only.",
	Kinds: []string{"AuthorizationPolicy", "Service"},
	Reads: rules.Reads{Loop: []string{"AuthorizationPolicy"}, Spec: []string{"Service"}},
	Sources: []string{
		"istio/api security/v1beta1/authorization_policy.proto (HTTP-only fields)",
		"istio.io docs/tasks/security/authorization/authz-tcp (DENY with HTTP-only fields denies all TCP traffic)",
		"istio.io docs/concepts/security (Using Istio authorization on plain TCP protocols)",
	},
	Bad: `apiVersion: v1
kind: Service
metadata: {name: postgres, namespace: database}
spec:
  selector: {app: postgres}
  ports:
    - {name: tcp-postgres, port: 5432}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-admin, namespace: database}
spec:
  action: DENY
  rules:
    - to:
        - operation:
            paths: ["/admin*"]
`,
	Good: `apiVersion: v1
kind: Service
metadata: {name: postgres, namespace: database}
spec:
  selector: {app: postgres}
  ports:
    - {name: tcp-postgres, port: 5432}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-admin, namespace: database}
spec:
  action: DENY
  rules:
    - to:
        - operation:
            ports: ["8080"]
            paths: ["/admin*"]
`,
	Check: checkAPHTTPFieldsOnTCP,
}

// tcpTarget is a TCP port of a Service, as the workload sees it.
type tcpTarget struct {
	svc        *manifest.Object
	Selector   map[string]string
	port       uint32 // Service port
	targetPort uint32 // container port (0 when unknown)
	proto      string
}

func (t tcpTarget) String() string {
	proto := t.proto
	if proto == "" {
		proto = "a database port left to protocol detection"
	}
	return fmt.Sprintf("%s port %d (%s)", t.svc.Ref(), t.port, proto)
}

// wellKnownTCP are ports whose traffic Istio's protocol detection sees as
// TCP: databases, brokers and server-first protocols.
var wellKnownTCP = map[uint32]bool{
	25: true, 53: true, 1433: true, 3306: true, 5432: true, 5672: true, 6379: true, 9042: true,
	9092: true, 11211: true, 27017: true,
}

// tcpTargets returns the TCP ports of the Services that select pods, by
// namespace: a lookup over every Service, built once for the index and
// its views (the policies come a part at a time).
func tcpTargets(ix *rules.Index) map[string][]tcpTarget {
	return ix.Shared(tcpTargetsKey{}, func() any { return findTCPTargets(ix) }).(map[string][]tcpTarget)
}

// tcpTargetsKey is the key of tcpTargets in Index.Shared.
type tcpTargetsKey struct{}

func findTCPTargets(ix *rules.Index) map[string][]tcpTarget {
	out := map[string][]tcpTarget{}
	for _, o := range ix.Every("Service") {
		svc := rules.ServiceSpec(o)
		if len(svc.Selector) == 0 {
			continue
		}
		for _, sp := range svc.Ports {
			proto := rules.ServicePortProtocol(sp)
			switch {
			case proto == "TCP" || proto == "TLS" || proto == "HTTPS" || proto == "MYSQL" || proto == "MONGO" || proto == "REDIS":
			case proto == "" && wellKnownTCP[uint32(sp.Port)]:
				proto = ""
			default:
				continue
			}
			ns := rules.NamespaceOf(o)
			out[ns] = append(out[ns], tcpTarget{svc: o, Selector: svc.Selector, port: uint32(sp.Port),
				targetPort: ix.ServiceTargetPort(o, uint32(sp.Port)), proto: proto})
		}
	}
	return out
}

func checkAPHTTPFieldsOnTCP(p *rules.Pass) {
	var targets map[string][]tcpTarget
	for _, o := range p.Index.OfKind("AuthorizationPolicy") {
		ap := rules.AuthorizationPolicy(o)
		action := ap.Spec.GetAction()
		if rules.TargetsByRef(&ap.Spec) || (action != securityv1beta1.AuthorizationPolicy_DENY && action != securityv1beta1.AuthorizationPolicy_ALLOW) {
			continue
		}
		for i, r := range ap.Spec.GetRules() {
			field := httpOnlyField(r, i)
			if field == "" {
				continue
			}
			if targets == nil {
				targets = tcpTargets(p.Index)
			}
			t, ok := tcpTargetOf(p, targets, o, &ap.Spec, r, action)
			if !ok {
				continue
			}
			if action == securityv1beta1.AuthorizationPolicy_DENY {
				p.Reportf(o, field,
					"%s: this DENY rule uses HTTP-only fields without ports, and it applies to %s, which is TCP: Istio drops "+
						"the HTTP-only fields for TCP traffic and the rule then denies every connection to it", o.Ref(), t)
				continue
			}
			p.Reportf(o, field,
				"%s: this ALLOW rule uses HTTP-only fields for port %d of %s, which is TCP: Istio ignores the rule for TCP "+
					"traffic, so it admits no one there", o.Ref(), t.targetPort, t)
		}
	}
}

// httpOnlyField returns the path of a rule's first HTTP-only field.
func httpOnlyField(r *securityv1beta1.Rule, i int) string {
	for j, to := range r.GetTo() {
		op := to.GetOperation()
		for _, f := range []struct {
			name string
			n    int
		}{
			{"methods", len(op.GetMethods())}, {"notMethods", len(op.GetNotMethods())},
			{"paths", len(op.GetPaths())}, {"notPaths", len(op.GetNotPaths())},
			{"hosts", len(op.GetHosts())}, {"notHosts", len(op.GetNotHosts())},
		} {
			if f.n > 0 {
				return fmt.Sprintf("spec.rules[%d].to[%d].operation.%s", i, j, f.name)
			}
		}
	}
	for j, from := range r.GetFrom() {
		src := from.GetSource()
		if len(src.GetRequestPrincipals()) > 0 {
			return fmt.Sprintf("spec.rules[%d].from[%d].source.requestPrincipals", i, j)
		}
		if len(src.GetNotRequestPrincipals()) > 0 {
			return fmt.Sprintf("spec.rules[%d].from[%d].source.notRequestPrincipals", i, j)
		}
	}
	for j, c := range r.GetWhen() {
		if strings.HasPrefix(c.GetKey(), "request.") {
			return fmt.Sprintf("spec.rules[%d].when[%d].key", i, j)
		}
	}
	return ""
}

// tcpTargetOf finds a TCP port the rule applies to: for DENY, any TCP port
// of the selected pods when no operation names ports; for ALLOW, a named
// port that is TCP.
func tcpTargetOf(p *rules.Pass, targets map[string][]tcpTarget, o *manifest.Object, ap *securityv1beta1.AuthorizationPolicy,
	r *securityv1beta1.Rule, action securityv1beta1.AuthorizationPolicy_Action) (tcpTarget, bool) {
	var ports []uint32
	scoped := false
	for _, to := range r.GetTo() {
		op := to.GetOperation()
		if len(op.GetPorts()) > 0 || len(op.GetNotPorts()) > 0 {
			scoped = true
		}
		for _, s := range op.GetPorts() {
			if n := rules.PortOr(s, 0); n != 0 {
				ports = append(ports, n)
			}
		}
	}
	if action == securityv1beta1.AuthorizationPolicy_DENY && scoped {
		return tcpTarget{}, false
	}
	if action == securityv1beta1.AuthorizationPolicy_ALLOW && len(ports) == 0 {
		return tcpTarget{}, false
	}
	ns := rules.NamespaceOf(o)
	sel := ap.GetSelector().GetMatchLabels()
	candidates := targets[ns]
	if ns == p.Facts.Root() && len(sel) == 0 {
		candidates = nil
		for _, k := range keysInOrder(targets) {
			candidates = append(candidates, targets[k]...)
		}
	}
	for _, t := range candidates {
		if !labelsCompatible(sel, t.Selector) {
			continue
		}
		if action == securityv1beta1.AuthorizationPolicy_DENY {
			return t, true
		}
		for _, port := range ports {
			if port == t.targetPort {
				return t, true
			}
		}
	}
	return tcpTarget{}, false
}

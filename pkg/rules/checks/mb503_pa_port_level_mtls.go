package checks

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// PAPortLevelMTLS checks portLevelMtls, whose keys people get wrong in
// three ways: on a policy without a selector, out of range, and as the
// Service port instead of the container port.
var PAPortLevelMTLS = &rules.Rule{
	ID:       "MB503",
	Slug:     "pa-port-level-mtls",
	Severity: rules.Error,
	Summary:  "PeerAuthentication portLevelMtls is rejected, out of range, or keyed by a Service port",
	Rationale: "portLevelMtls only works on a workload policy: the CRD validation rejects it without a non-empty " +
		"selector (\"portLevelMtls requires selector\", IST0106), so the whole PeerAuthentication is refused and the " +
		"mTLS mode it was meant to set never applies. Keys must be ports 1-65535. The keys are the workload's container " +
		"ports, not Service ports: a Service port 80 that targets container port 8080 must be written 8080, otherwise " +
		"the exception silently matches nothing and the port keeps the policy-wide mode (a Job without a sidecar is " +
		"still refused on a port meant to be PERMISSIVE). The Service-port case is a warning and needs the Service " +
		"and the selected workloads in the input.",
	Remediation: "Add a selector to the policy (port-level settings need one), use ports 1-65535, and key each entry by the " +
		"container port (the Service's targetPort).",
	Kinds: []string{"PeerAuthentication", "Service", "Deployment", "StatefulSet", "Job", "CronJob", "Pod"},
	Reads: rules.Reads{Loop: []string{"PeerAuthentication"}, Spec: []string{"Service"}},
	Sources: []string{
		"istio/api security/v1beta1/peer_authentication.proto (portLevelMtls requires selector; port must be between 1-65535)",
		"istio/api peer_authentication.proto port_level_mtls (\"the workload port, not the Kubernetes service port\")",
		"istioctl analyze IST0106 (exp)",
	},
	Bad: `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: database}
spec:
  mtls: {mode: STRICT}
  portLevelMtls:
    5432: {mode: PERMISSIVE}
`,
	Good: `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: postgres, namespace: database}
spec:
  selector:
    matchLabels: {app: postgres}
  mtls: {mode: STRICT}
  portLevelMtls:
    5432: {mode: PERMISSIVE}
`,
	Check: checkPAPortLevelMTLS,
}

func checkPAPortLevelMTLS(p *rules.Pass) {
	for _, o := range p.Index.OfKind("PeerAuthentication") {
		pa := rules.PeerAuthentication(o)
		levels := pa.GetPortLevelMtls()
		if len(levels) == 0 {
			continue
		}
		sel := pa.GetSelector().GetMatchLabels()
		if len(sel) == 0 {
			p.Reportf(o, "spec.portLevelMtls",
				"%s sets portLevelMtls without a selector: the API server rejects the policy (\"portLevelMtls requires selector\"), "+
					"so none of its mTLS settings apply", o.Ref())
			continue
		}
		ns := rules.NamespaceOf(o)
		for _, port := range sortedPorts(levels) {
			path := "spec.portLevelMtls" + pathKey(strconv.Itoa(int(port)))
			if port == 0 || port > 65535 {
				p.Reportf(o, path, "%s sets portLevelMtls for port %d: ports must be 1-65535, so the API server rejects the policy", o.Ref(), port)
				continue
			}
			if svc, target := servicePortTarget(p.Index, ns, sel, port); svc != nil {
				p.Because(svc).ReportSeverityf(rules.Warning, o, path,
					"%s keys portLevelMtls by %d, which is a port of %s that targets container port %d: portLevelMtls takes the "+
						"container port, so this entry matches nothing and port %d keeps the policy-wide mode",
					o.Ref(), port, svc.Ref(), target, target)
			}
		}
	}
}

// servicePortTarget finds a Service in ns whose port `port` targets another
// container port of the workloads sel picks, when the input shows those
// workloads and none of them declares `port` as a container port.
func servicePortTarget(ix *rules.Index, ns string, sel map[string]string, port uint32) (*manifest.Object, uint32) {
	picked := ix.SelectedWorkloads(ns, sel)
	if len(picked) == 0 {
		return nil, 0
	}
	for _, w := range picked {
		for _, cp := range w.Ports() {
			if uint32(cp.Port) == port {
				return nil, 0
			}
		}
	}
	for _, so := range ix.InNamespace("Service", ns) {
		svc := rules.ServiceSpec(so)
		if len(svc.Selector) == 0 || !picked[0].Labels().Matches(svc.Selector) {
			continue
		}
		if target := ix.ServiceTargetPort(so, port); target != 0 && target != port && hasServicePort(svc, port) {
			return so, target
		}
	}
	return nil, 0
}

func hasServicePort(svc *corev1.ServiceSpec, port uint32) bool {
	for _, p := range svc.Ports {
		if uint32(p.Port) == port {
			return true
		}
	}
	return false
}

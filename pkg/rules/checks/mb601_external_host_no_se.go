package checks

import (
	"fmt"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// ExternalHostNoSE catches external dependencies the mesh does not know
// about: blocked under REGISTRY_ONLY, unmanaged passthrough otherwise.
var ExternalHostNoSE = &rules.Rule{
	ID:       "MB601",
	Slug:     "external-host-no-se",
	Severity: rules.Error,
	Summary:  "Job or Sidecar egress names an external host that no visible ServiceEntry declares",
	Rationale: "A sidecar only knows hosts in its registry: Kubernetes Services and ServiceEntries exported to its " +
		"namespace. Traffic to any other host is blocked when the outbound traffic policy is REGISTRY_ONLY (the mesh " +
		"setting, or the Sidecar resource's outboundTrafficPolicy): the Job fails with connection reset or 502 " +
		"BlackHoleCluster. Under ALLOW_ANY (Istio's default) it leaves through PassthroughCluster: it works, but no " +
		"DestinationRule applies (no TLS origination, timeouts or connection limits) and telemetry shows no host. " +
		"A ServiceEntry that exists but is exported elsewhere (exportTo \".\" in another namespace), or that lacks the " +
		"port, does not help. The rule reads external dependencies from the Job's env values, args and commands " +
		"(URLs with a network scheme such as https://, postgres://, jdbc:mysql://; host= settings; *_HOST values; " +
		"env values that are host:port lists, such as Kafka bootstrap servers), " +
		"counting as external only names that end in a public top-level domain and are not name.namespace of a " +
		"namespace in the input, and from the egress hosts of Sidecar resources. Severity: error under REGISTRY_ONLY, " +
		"warning under ALLOW_ANY or when the policy is unknown (--outbound-policy not given; Istio's default " +
		"ALLOW_ANY is assumed), one level lower when the Job's injection is assumed (its namespace is not in the input " +
		"and its pod template carries Istio settings). Jobs without a sidecar (not injected or ambient) are not reported, " +
		"nor are Jobs in a namespace not in the input whose template shows no Istio setting: Istio's default there is no injection. Every verdict rests on a ServiceEntry being absent, so the rule is " +
		"silent in --partial mode.",
	Remediation: "Add a ServiceEntry for the host (location: MESH_EXTERNAL, resolution: DNS, the port and its protocol) in the " +
		"Job's namespace with exportTo: [\".\"], or export an existing one to that namespace.",
	Kinds: []string{"Job", "CronJob", "ServiceEntry", "Sidecar"},
	Reads: rules.Reads{
		Loop:   []string{"Sidecar"},
		Spec:   []string{"Service", "ServiceEntry", "Sidecar"},
		Labels: []string{"Namespace"},
	},
	Sources: []string{
		"istio/api mesh/v1alpha1/config.proto (outboundTrafficPolicy REGISTRY_ONLY, ALLOW_ANY default)",
		"istio/api networking/v1alpha3/sidecar.proto (egress hosts, outboundTrafficPolicy)",
		"istio.io docs/tasks/traffic-management/egress/egress-control",
	},
	Bad: `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: batch}
spec:
  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
---
apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
          env:
            - {name: RATES_URL, value: "https://api.exchangerate.example.com/v1/latest"}
`,
	Good: `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: batch}
spec:
  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: rates-api, namespace: batch}
spec:
  hosts: [api.exchangerate.example.com]
  location: MESH_EXTERNAL
  resolution: DNS
  exportTo: ["."]
  ports:
    - {number: 443, name: https, protocol: HTTPS}
---
apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
          env:
            - {name: RATES_URL, value: "https://api.exchangerate.example.com/v1/latest"}
`,
	Check: checkExternalHostNoSE,
}

func checkExternalHostNoSE(p *rules.Pass) {
	for _, w := range p.Index.BatchWorkloads() {
		m := rules.MeshOf(p, w)
		side := m.Injected() // a sidecar that is only possible does not count (see PodMesh.Injected)
		if side == mesh.No {
			continue
		}
		pol := p.Index.OutboundPolicyFor(w, p.Facts)
		seen := map[string]bool{}
		for _, r := range w.HostRefs() {
			if class, _ := p.Index.ClassifyHost(r.Host, w.Namespace); class != rules.HostExternal {
				continue
			}
			key := hostPort(r.Host, r.Port)
			if seen[key] {
				continue
			}
			seen[key] = true
			problem := missingSE(p.Index, r.Host, r.Port, w.Namespace)
			if problem == "" {
				continue
			}
			sev, why := outboundSeverity(pol)
			if side == mesh.Unknown {
				sev = lower(sev)
				why += "; " + m.InjectionAssumption()
			}
			p.MissingSeverityf(sev, w.Object, r.Path,
				"%s calls %s (%s), but %s: %s", w.Object.Ref(), hostPort(r.Host, r.Port), r.Where, problem, why)
		}
	}
	for _, o := range p.Index.OfKind("Sidecar") {
		checkSidecarEgress(p, o)
	}
}

// missingSE says what is wrong with the ServiceEntries for host:port as
// seen from clientNS, "" when a visible one declares it.
func missingSE(ix *rules.Index, host string, port uint32, clientNS string) string {
	visible := ix.VisibleServiceEntries(host, clientNS)
	if len(visible) == 0 {
		// every entry for the host is hidden from clientNS
		if o := ix.FirstServiceEntryFor(host); o != nil {
			return fmt.Sprintf("%s is exported to %s, not to namespace %s", o.Ref(), exportNamespaces(seExportTo(o), rules.NamespaceOf(o)), clientNS)
		}
		return "no ServiceEntry declares that host"
	}
	if port == 0 {
		return ""
	}
	var ports []string
	for _, o := range visible {
		if sePort(o, port) != nil {
			return ""
		}
		for _, sp := range rules.ServiceEntry(o).GetPorts() {
			ports = append(ports, fmt.Sprint(sp.GetNumber()))
		}
	}
	return fmt.Sprintf("%s declares only port %s", visible[0].Ref(), strings.Join(ports, ", "))
}

// outboundSeverity turns an outbound policy into the rule's severity and
// the reason for messages.
func outboundSeverity(pol rules.OutboundPolicy) (rules.Severity, string) {
	switch pol.Mode {
	case "REGISTRY_ONLY":
		return rules.Error, "under REGISTRY_ONLY (" + pol.Source + ") the sidecar blocks the traffic"
	case "ALLOW_ANY":
		return rules.Warning, "under ALLOW_ANY (" + pol.Source + ") it leaves unmanaged through PassthroughCluster, without TLS origination or telemetry"
	}
	return rules.Warning, "assumed ALLOW_ANY, Istio's default (pass --outbound-policy): it leaves unmanaged through PassthroughCluster, " +
		"and under REGISTRY_ONLY it is blocked"
}

// checkSidecarEgress reports egress hosts of a Sidecar resource that name an
// external host no ServiceEntry in the named namespace declares.
func checkSidecarEgress(p *rules.Pass, o *manifest.Object) {
	sc := rules.Sidecar(o)
	ns := rules.NamespaceOf(o)
	pol := rules.OutboundPolicy{}
	if m := sc.GetOutboundTrafficPolicy(); m != nil {
		pol = rules.OutboundPolicy{Mode: m.GetMode().String(), Source: o.Ref()}
	} else if p.Facts.OutboundPolicy != "" {
		pol = rules.OutboundPolicy{Mode: p.Facts.OutboundPolicy, Source: "the mesh-wide setting, --outbound-policy"}
	}
	for i, eg := range sc.GetEgress() {
		for j, hv := range eg.GetHosts() {
			from, host, ok := strings.Cut(hv, "/")
			if !ok || host == "*" || strings.HasPrefix(host, "*") {
				continue
			}
			if class, _ := p.Index.ClassifyHost(host, ns); class != rules.HostExternal {
				continue
			}
			if seInNamespace(p.Index, host, from, ns) {
				continue
			}
			sev, why := outboundSeverity(pol)
			where := "namespace " + from
			switch from {
			case ".":
				where = "the Sidecar's namespace " + ns
			case "*":
				where = "any namespace"
			}
			p.MissingSeverityf(sev, o, fmt.Sprintf("spec.egress[%d].hosts[%d]", i, j),
				"%s imports %s, but no ServiceEntry in %s exported to namespace %s declares it, so the egress entry imports "+
					"nothing: %s", o.Ref(), host, where, ns, why)
		}
	}
}

// seInNamespace reports whether a ServiceEntry for host in namespace from
// ("." the client's, "*" any) is exported to clientNS.
func seInNamespace(ix *rules.Index, host, from, clientNS string) bool {
	for _, o := range ix.VisibleServiceEntries(host, clientNS) {
		switch from {
		case "*":
			return true
		case ".":
			if rules.NamespaceOf(o) == clientNS {
				return true
			}
		default:
			if rules.NamespaceOf(o) == from {
				return true
			}
		}
	}
	return false
}

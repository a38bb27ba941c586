package checks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// NoSidecarToStrict is the "fix" for the never-completing Job that breaks
// the Job differently: turning injection off takes it out of the mesh, and
// STRICT servers refuse plaintext.
var NoSidecarToStrict = &rules.Rule{
	ID:       "MB501",
	Slug:     "no-sidecar-to-strict",
	Severity: rules.Error,
	Summary:  "Job without a sidecar calls in-mesh services that require STRICT mTLS",
	Rationale: "Turning injection off (sidecar.istio.io/inject: \"false\", hostNetwork, or a namespace without " +
		"injection) is the common workaround for Jobs that never complete, and it takes the Job out of the mesh: it " +
		"sends plaintext and has no identity. A server whose effective PeerAuthentication is STRICT (workload policy, " +
		"else namespace policy, else the mesh-wide policy in the root namespace) resets every plaintext connection, " +
		"and an ALLOW AuthorizationPolicy that names the Job's identity can never match it. The rule reads the Job's " +
		"in-mesh upstreams from what the files show: URLs and host settings in env values, args and commands that " +
		"name Services (name.namespace, name.namespace.svc.cluster.local, or a loaded Service's short name); " +
		"egress hosts of the Sidecar resource that selects the Job; DestinationRules annotated meshbatch.dev/job " +
		"for the Job, or exported only to its namespace (exportTo \".\") for a Service of another namespace when " +
		"the Job is the only one there; and ALLOW AuthorizationPolicies that name " +
		"the Job's identity or are annotated for it. It reports only when a loaded PeerAuthentication makes the " +
		"upstream STRICT. Ambient Jobs are in the mesh (ztunnel does the mTLS) and are not reported.",
	Remediation: "Put the Job back in the mesh with a native sidecar (sidecar.istio.io/nativeSidecar: \"true\") or ambient mode " +
		"instead of disabling injection; if it must stay outside, give the server a workload PeerAuthentication with " +
		"PERMISSIVE on that port and an AuthorizationPolicy that does not rely on identity.",
	Kinds: []string{"Job", "CronJob", "Namespace", "PeerAuthentication", "Service", "Sidecar", "DestinationRule", "AuthorizationPolicy"},
	Reads: rules.Reads{
		Spec:        []string{"DestinationRule", "PeerAuthentication", "Service", "Sidecar"},
		Labels:      []string{"Namespace"},
		Annotations: []string{"DestinationRule"},
	},
	Sources: []string{
		"istio.io about/faq/security/non-istio-to-istio",
		"istio/api security/v1beta1/peer_authentication.proto (STRICT, precedence)",
		"istio.io docs/concepts/security (Dependency on mutual TLS)",
	},
	Bad: `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: database}
spec:
  mtls: {mode: STRICT}
---
apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "false"}
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
          env:
            - {name: DATABASE_HOST, value: postgres.database.svc.cluster.local}
            - {name: DATABASE_PORT, value: "5432"}
`,
	Good: `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: database}
spec:
  mtls: {mode: STRICT}
---
apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
      annotations: {sidecar.istio.io/nativeSidecar: "true"}
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
          env:
            - {name: DATABASE_HOST, value: postgres.database.svc.cluster.local}
            - {name: DATABASE_PORT, value: "5432"}
`,
	Check: checkNoSidecarToStrict,
}

// upstream is an in-mesh destination a Job is known to call, and where the
// files say so.
type upstream struct {
	Key    string // dedup key
	Name   string // for messages
	Ref    string // what declares it, for messages
	Path   string // field path in the Job, "" when declared elsewhere
	MTLS   rules.MTLS
	Policy *manifest.Object // an ALLOW policy that expects the Job's identity
}

func checkNoSidecarToStrict(p *rules.Pass) {
	for _, w := range p.Index.BatchWorkloads() {
		inj := p.Index.Injection(w)
		if inj.Sidecar != mesh.No || inj.Ambient {
			continue
		}
		for _, u := range strictUpstreams(p, w, p.Index.BatchCount(w.Namespace) == 1) {
			path := u.Path
			if path == "" {
				path = injectionField(w)
			}
			id := identityString(p.Facts, w.Namespace, w.ServiceAccount())
			switch {
			case u.Policy != nil && u.MTLS.Mode == "STRICT":
				p.Because(append([]*manifest.Object{u.Policy}, u.MTLS.Objects()...)...).Reportf(w.Object, path,
					"%s gets no sidecar (%s) but %s admits it by its identity %s to %s, where %s: the plaintext "+
						"connection is reset, and a pod without a sidecar presents no identity anyway",
					w.Object.Ref(), inj.Reason, u.Policy.Ref(), id, u.Name, u.MTLS.Describe())
			case u.Policy != nil:
				p.Because(u.Policy).Reportf(w.Object, path,
					"%s gets no sidecar (%s) but %s admits it only by its identity %s, which a pod without a sidecar "+
						"never presents: every request of the Job to %s is denied",
					w.Object.Ref(), inj.Reason, u.Policy.Ref(), id, u.Name)
			default:
				p.Because(u.MTLS.Objects()...).Reportf(w.Object, path,
					"%s gets no sidecar (%s) but calls %s (%s), where %s: the plaintext connection is reset",
					w.Object.Ref(), inj.Reason, u.Name, u.Ref, u.MTLS.Describe())
			}
		}
	}
}

// strictUpstreams lists the Job's declared in-mesh upstreams whose servers
// require STRICT mTLS, and the ALLOW policies that expect the Job's
// identity, one per destination. soleJob says the Job is the only batch
// workload of its namespace, so the namespace's DestinationRules are its.
func strictUpstreams(p *rules.Pass, w *rules.Workload, soleJob bool) []upstream {
	ix, f := p.Index, p.Facts
	var out []upstream
	seen := map[string]bool{}
	add := func(u upstream) {
		if seen[u.Key] || (u.MTLS.Mode != "STRICT" && u.Policy == nil) {
			return
		}
		seen[u.Key] = true
		out = append(out, u)
	}
	service := func(h rules.ClusterHost, port uint32, ref, path string) {
		add(upstream{Key: h.FQDN(), Name: "Service " + hostPort(h.FQDN(), port), Ref: ref, Path: path, MTLS: ix.ServiceMTLS(h, port, f)})
	}

	// 1. Hosts in env values, args and commands.
	for _, r := range w.HostRefs() {
		if class, h := ix.ClassifyHost(r.Host, w.Namespace); class == rules.HostCluster {
			service(h, r.Port, r.Where, r.Path)
		}
	}
	// 2. Egress hosts of the Sidecar resource that scopes the Job.
	if sc := ix.SidecarFor(w, f); sc != nil {
		for _, eg := range rules.Sidecar(sc).GetEgress() {
			port := eg.GetPort().GetNumber()
			for _, hv := range eg.GetHosts() {
				_, host, ok := strings.Cut(hv, "/")
				if !ok || strings.Contains(host, "*") {
					continue
				}
				if class, h := ix.ClassifyHost(host, w.Namespace); class == rules.HostCluster {
					service(h, port, "egress host "+hv+" of "+sc.Ref(), "")
				}
			}
		}
	}
	// 3. DestinationRules meant for the Job.
	jobKey := w.Namespace + "/" + w.Object.Name
	for _, o := range ix.InNamespace("DestinationRule", w.Namespace) {
		mine := o.Annotations[mesh.AnnotJob] == jobKey
		private := slices.Equal(drExportTo(o), []string{"."})
		if !mine && !(soleJob && private && o.Annotations[mesh.AnnotJob] == "") {
			continue
		}
		if class, h := ix.ClassifyHost(rules.DestinationRule(o).GetHost(), w.Namespace); class == rules.HostCluster && (mine || h.Namespace != w.Namespace) {
			service(h, 0, o.Ref(), "")
		}
	}
	// 4. ALLOW policies that expect the Job's identity: their targets are
	// upstreams, and the policy itself can never match the Job.
	// The default service account is shared by every pod of the namespace
	// that names none: a policy naming it is not evidence about this Job.
	policies := append([]*manifest.Object{}, ix.PoliciesForJob(w.Namespace, w.Object.Name, f)...)
	if sa := w.ServiceAccount(); sa != "default" {
		policies = append(policies, ix.PoliciesNaming(w.Namespace, sa, f)...)
	}
	for _, o := range policies {
		pol := rules.PolicyOf(o) // the policy may be released: what lookups read is in its summary
		if !pol.Allow || pol.ByRef {
			continue
		}
		ns, sel := rules.NamespaceOf(o), pol.Selector.ToMap()
		m := ix.EffectiveMTLS(ns, sel, pol.Port, f)
		if ns == f.Root() && len(sel) == 0 {
			m = ix.MeshMTLS(f)
		}
		name := "the workloads of namespace " + ns
		if len(sel) > 0 {
			name = fmt.Sprintf("the workloads it selects in namespace %s (%s)", ns, selectorKey(sel))
		}
		add(upstream{Key: "policy:" + ns + "/" + o.Name, Name: name, Ref: o.Ref(), MTLS: m, Policy: o})
	}
	return out
}

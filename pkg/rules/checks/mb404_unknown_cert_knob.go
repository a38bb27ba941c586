package checks

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// UnknownCertKnob catches certificate settings copied from blog posts that
// do nothing where they are set: a variable no Istio component reads, an
// istiod setting put on a workload, or an agent setting put where no agent
// reads it.
var UnknownCertKnob = &rules.Rule{
	ID:       "MB404",
	Slug:     "unknown-cert-knob",
	Severity: rules.Warning,
	Summary:  "A certificate setting does not exist, or is set where no Istio component reads it",
	Rationale: "Workload certificate lifetime has exactly two knobs: SECRET_TTL, which pilot-agent (the istio-proxy " +
		"container) requests in each CSR, and MAX_WORKLOAD_CERT_TTL, istiod's cap. Tutorials spread others. " +
		"PILOT_CERT_DURATION does not exist anywhere in Istio. PILOT_CERT_PROVIDER selects who signs istiod's own " +
		"serving certificate, not workload certificates. MAX_WORKLOAD_CERT_TTL, DEFAULT_WORKLOAD_CERT_TTL and " +
		"CITADEL_SELF_SIGNED_CA_CERT_TTL are istiod environment variables and do nothing in a pod's proxyMetadata or " +
		"an app container. The Citadel flags --workload-cert-ttl and --max-workload-cert-ttl were removed with Citadel " +
		"(istiod does not accept them). SECRET_TTL itself only works in the proxy: in an app container's env, or on " +
		"a pod that gets no sidecar (not injected, or ambient, where ztunnel holds the certificates), it is ignored. " +
		"Each of these looks like a fix and changes nothing.",
	Remediation: "Set the certificate lifetime with proxyMetadata SECRET_TTL in the pod's proxy.istio.io/config (or " +
		"meshConfig.defaultConfig.proxyMetadata), cap it with MAX_WORKLOAD_CERT_TTL on istiod, and delete the other settings.",
	Kinds: []string{"Job", "CronJob", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod", "ConfigMap"},
	Reads: rules.Reads{Loop: []string{"ConfigMap"}, Labels: []string{"Namespace"}},
	Sources: []string{
		"istio/istio (no PILOT_CERT_DURATION at HEAD)",
		"istio/istio pilot/pkg/features/pilot.go (PILOT_CERT_PROVIDER)",
		"istio/istio pilot/pkg/bootstrap/istio_ca.go (MAX_WORKLOAD_CERT_TTL, DEFAULT_WORKLOAD_CERT_TTL)",
		"istio/istio pilot/cmd/pilot-agent/options/options.go (SECRET_TTL)",
		"istio.io about/faq/security/cert-lifetime-config (stale Citadel flags)",
	},
	Bad: `apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
      annotations:
        proxy.istio.io/config: '{"proxyMetadata": {"PILOT_CERT_DURATION": "72h"}}'
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
	Good: `apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
      annotations:
        proxy.istio.io/config: '{"proxyMetadata": {"SECRET_TTL": "72h"}}'
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
	AutoFix: "Renames PILOT_CERT_DURATION to SECRET_TTL where that is the knob meant: a proxyMetadata key of " +
		"proxy.istio.io/config (its text edited in place), or an environment variable of the istio-proxy container. No " +
		"fix when SECRET_TTL is set too, for an app container's variable (the knob lives in proxyMetadata), for a " +
		"ConfigMap, an istiod setting or a Citadel flag.",
	Check: checkUnknownCertKnob,
}

// agentOnlyEnv are pilot-agent settings: only the istio-proxy container
// reads them.
var agentOnlyEnv = []string{"SECRET_TTL", "SECRET_GRACE_PERIOD_RATIO", "SECRET_GRACE_PERIOD_RATIO_JITTER"}

func checkUnknownCertKnob(p *rules.Pass) {
	for _, w := range p.Index.Workloads {
		checkCertEnv(p, w)
		checkCertProxyMetadata(p, w)
	}
	for _, o := range p.Index.OfKind("ConfigMap") {
		cm := o.Typed.(*corev1.ConfigMap)
		for _, k := range keysInOrder(cm.Data) {
			if strings.Contains(cm.Data[k], "PILOT_CERT_DURATION") {
				p.Reportf(o, "data"+pathKey(k),
					"%s sets PILOT_CERT_DURATION, which no Istio component reads: workload certificate lifetime is "+
						"SECRET_TTL (proxyMetadata), capped by istiod's MAX_WORKLOAD_CERT_TTL", o.Ref())
			}
		}
	}
}

func pathKey(k string) string { return fmt.Sprintf("[%q]", k) }

func checkCertEnv(p *rules.Pass, w *rules.Workload) {
	spec := &w.Template.Spec
	for i := range spec.InitContainers {
		checkContainerCertEnv(p, w, &spec.InitContainers[i], "initContainers", i)
	}
	for i := range spec.Containers {
		checkContainerCertEnv(p, w, &spec.Containers[i], "containers", i)
	}
}

var citadelFlags = []string{"--workload-cert-ttl", "--max-workload-cert-ttl"}

// checkContainerCertEnv checks one container, the list'th entry of the pod
// spec's list; its field path is built only for a finding.
func checkContainerCertEnv(p *rules.Pass, w *rules.Workload, c *corev1.Container, list string, i int) {
	cpath := ""
	containerPath := func() string {
		if cpath == "" {
			cpath = w.PodPath(list, i)
		}
		return cpath
	}
	istiod := isIstiodContainer(c.Name, c.Image)
	for j, e := range c.Env {
		if e.Name != "PILOT_CERT_DURATION" && istiodOnlyEnv[e.Name] == "" && !slices.Contains(agentOnlyEnv, e.Name) {
			continue
		}
		path := fmt.Sprintf("%s.env[%d].name", containerPath(), j)
		switch {
		case e.Name == "PILOT_CERT_DURATION":
			p.ReportFixf(rules.Offer{Description: "rename it SECRET_TTL, which pilot-agent reads", Build: func(ed *manifest.Editor) error {
				if c.Name != "istio-proxy" || slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == mesh.EnvSecretTTL }) {
					return manifest.ErrNoEdit // an app container: the knob lives in proxyMetadata, another place
				}
				return ed.ReplaceScalar(path, mesh.EnvSecretTTL)
			}}, w.Object, path,
				"%s sets PILOT_CERT_DURATION in container %s, a variable no Istio component reads: workload certificate "+
					"lifetime is SECRET_TTL (proxyMetadata), capped by istiod's MAX_WORKLOAD_CERT_TTL", w.Object.Ref(), c.Name)
		case istiodOnlyEnv[e.Name] != "" && !istiod:
			p.Reportf(w.Object, path,
				"%s sets %s in container %s, but that is an istiod setting (%s): it does nothing in this pod",
				w.Object.Ref(), e.Name, c.Name, istiodOnlyEnv[e.Name])
		case slices.Contains(agentOnlyEnv, e.Name) && c.Name != "istio-proxy" && !istiod:
			p.Reportf(w.Object, path,
				"%s sets %s in container %s, but only pilot-agent in the istio-proxy container reads it: "+
					"put it in proxyMetadata of the pod's %s annotation", w.Object.Ref(), e.Name, c.Name, mesh.AnnotProxyConfig)
		}
	}
	for _, l := range [2]struct {
		field string
		args  []string
	}{{"command", c.Command}, {"args", c.Args}} {
		for j, a := range l.args {
			for _, flag := range citadelFlags {
				if strings.Contains(a, flag) {
					p.Reportf(w.Object, fmt.Sprintf("%s.%s[%d]", containerPath(), l.field, j),
						"%s passes %s to container %s: that was a Citadel flag, removed with Citadel; istiod caps workload "+
							"certificates with the MAX_WORKLOAD_CERT_TTL environment variable", w.Object.Ref(), flag, c.Name)
				}
			}
		}
	}
}

func checkCertProxyMetadata(p *rules.Pass, w *rules.Workload) {
	pc, err := w.ProxyConfig()
	if err != nil || pc == nil {
		return
	}
	path := w.TemplateAnnotationPath(mesh.AnnotProxyConfig)
	md := pc.GetProxyMetadata()
	for _, k := range keysInOrder(md) {
		switch {
		case k == "PILOT_CERT_DURATION":
			p.ReportFixf(rules.Offer{Description: "rename it SECRET_TTL in proxyMetadata", Build: func(ed *manifest.Editor) error {
				if _, ok := md[mesh.EnvSecretTTL]; ok {
					return manifest.ErrNoEdit // both set: which lifetime was meant is not certain
				}
				raw := w.Template.Annotations[mesh.AnnotProxyConfig]
				if strings.Count(raw, "PILOT_CERT_DURATION") != 1 {
					return manifest.ErrNoEdit
				}
				return ed.ReplaceInScalar(path, "PILOT_CERT_DURATION", mesh.EnvSecretTTL)
			}}, w.Object, path,
				"%s sets proxyMetadata PILOT_CERT_DURATION, a variable no Istio component reads: the certificate "+
					"lifetime is proxyMetadata SECRET_TTL, capped by istiod's MAX_WORKLOAD_CERT_TTL", w.Object.Ref())
		case istiodOnlyEnv[k] != "":
			p.Reportf(w.Object, path,
				"%s sets proxyMetadata %s, but that is an istiod setting (%s): the proxy ignores it",
				w.Object.Ref(), k, istiodOnlyEnv[k])
		}
	}
	if _, ok := md[mesh.EnvSecretTTL]; ok && p.Index.HasSidecar(w) == mesh.No {
		inj := p.Index.Injection(w)
		why := inj.Reason
		if inj.Ambient {
			why = "it is an ambient pod, whose certificates ztunnel requests"
		}
		p.Reportf(w.Object, path,
			"%s sets proxyMetadata SECRET_TTL, but the pod gets no istio-proxy sidecar (%s): nothing reads it", w.Object.Ref(), why)
	}
}

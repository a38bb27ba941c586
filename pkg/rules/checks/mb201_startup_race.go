package checks

import (
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// StartupRace is the "connection refused" problem.
var StartupRace = &rules.Rule{
	ID:       "MB201",
	Slug:     "startup-race",
	Severity: rules.Warning,
	Summary:  "The app can start before its classic istio-proxy sidecar is ready and get connection refused",
	Rationale: "istio-init (or Istio CNI) redirects the pod's outbound traffic to the sidecar before any app container " +
		"starts, but a classic istio-proxy is an ordinary container that starts alongside the app: until Envoy has its " +
		"configuration and certificate, the app's first connections are refused or reset. A batch job usually connects " +
		"first thing and fails (istio/istio#11130, the most upvoted Istio issue). holdApplicationUntilProxyStarts makes " +
		"the injector start istio-proxy first and block the app containers until the proxy is ready; set it per pod with " +
		"proxy.istio.io/config or mesh-wide (Istio's default is false). Native sidecars (Kubernetes 1.29+) start and " +
		"become ready before the app by design and need nothing.",
	Remediation: "Annotate the pod template with proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": true}', or use sidecar.istio.io/nativeSidecar: \"true\" (Istio 1.24+, Kubernetes 1.29+); pass --hold-application when the mesh already holds apps.",
	Kinds:       []string{"Job", "CronJob", "Namespace"},
	Reads:       rules.Reads{Labels: []string{"Namespace"}},
	Sources: []string{
		"istio/istio#11130, #29766",
		"istio.io content/en/docs/ops/common-problems/injection (holdApplicationUntilProxyStarts)",
		"istio/api mesh/v1alpha1/proxy.proto (holdApplicationUntilProxyStarts, default false)",
		"istio/istio pkg/kube/inject/webhook.go reorderPod (proxy first when holding)",
	},
	Bad: `# facts: istioVersion=1.22 kubernetesVersion=1.30 holdApplicationUntilProxyStarts=false
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
          command: ["/bin/sh", "-c", "/app/etl; rc=$?; curl -fsS -X POST http://127.0.0.1:15020/quitquitquit; exit $rc"]
`,
	Good: `# facts: istioVersion=1.22 kubernetesVersion=1.30 holdApplicationUntilProxyStarts=false
apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
      annotations:
        proxy.istio.io/config: '{"holdApplicationUntilProxyStarts": true}'
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
          command: ["/bin/sh", "-c", "/app/etl; rc=$?; curl -fsS -X POST http://127.0.0.1:15020/quitquitquit; exit $rc"]
`,
	AutoFix: "Sets holdApplicationUntilProxyStarts: true in the pod's proxy.istio.io/config: adds the annotation " +
		"({\"holdApplicationUntilProxyStarts\":true}), or merges the setting into the one there, as a line of its YAML " +
		"block or a member of its JSON object. No fix for a pre-injected pod, a config Istio cannot read, one that sets " +
		"the hold to false, or a pod MB101's fix makes native; nor, while the pod keeps its proxy running (MB101), before " +
		"the facts that decide between a native sidecar and a classic one are known (--istio-version, --kubelet-version): " +
		"a hold would keep MB101's native sidecar out.",
	Check: checkStartupRace,
}

func checkStartupRace(p *rules.Pass) {
	for _, w := range p.Index.BatchWorkloads() {
		m := rules.MeshOf(p, w)
		if m.Classic() == mesh.No || !m.Relevant() || m.Wrapper || w.WaitsForProxy() {
			continue
		}
		hold := rules.HoldsApplication(p.Facts, w)
		if hold == mesh.Yes {
			continue
		}
		as := m.Assumptions()
		if hold == mesh.Unknown {
			as = append(as, "assumed the mesh-wide holdApplicationUntilProxyStarts is Istio's default, false")
		}
		path := m.FirstAppPath()
		setting := "nothing sets holdApplicationUntilProxyStarts"
		if _, _, pre := rules.InjectedProxy(w); pre {
			setting = "the injected istio-proxy container has no postStart \"pilot-agent wait\" hook"
		} else if _, ok := w.Template.Annotations[mesh.AnnotProxyConfig]; ok {
			path = w.TemplateAnnotationPath(mesh.AnnotProxyConfig)
			if pc, err := w.ProxyConfig(); err == nil && pc.GetHoldApplicationUntilProxyStarts() != nil {
				setting = "proxy.istio.io/config sets holdApplicationUntilProxyStarts: false"
			} else {
				setting = "proxy.istio.io/config does not set holdApplicationUntilProxyStarts"
			}
		}
		exits := neverExits(m) != mesh.No
		p.ReportSeverityFixf(rules.Offer{Description: "add holdApplicationUntilProxyStarts: true to " + mesh.AnnotProxyConfig, Build: func(ed *manifest.Editor) error {
			if exits {
				// The facts choose MB101's fix: a native sidecar, which
				// orders the proxy first and which a hold would keep out
				// (nativeFacts), or a classic one, held here.
				if native, missing := nativeFacts(p.Facts, w); native {
					return manifest.ErrNoEdit
				} else if missing != nil {
					return &rules.NeedsFacts{Facts: missing}
				}
			}
			return addHold(ed, w)
		}}, sev(p.Rule, m.Classic() == mesh.Yes && hold == mesh.No), w.Object, path,
			"%s: the app can start before its classic istio-proxy sidecar is ready (%s), and its first connections, "+
				"already redirected to the proxy, are refused%s", w.Object.Ref(), setting, assumed(as))
	}
}

const holdKey = "holdApplicationUntilProxyStarts"

// addHold sets holdApplicationUntilProxyStarts: true in the pod's
// proxy.istio.io/config, adding the annotation, a line to its YAML block,
// or a member to its JSON object, in the style it is written in. No fix
// for a pre-injected pod (the annotation no longer matters), a config
// Istio cannot read, or one that sets the hold to false on purpose.
func addHold(ed *manifest.Editor, w *rules.Workload) error {
	if _, _, pre := rules.InjectedProxy(w); pre {
		return manifest.ErrNoEdit
	}
	raw, ok := w.Template.Annotations[mesh.AnnotProxyConfig]
	if !ok {
		return ed.Set(w.TemplateField("metadata.annotations"), mesh.AnnotProxyConfig, `{"`+holdKey+`":true}`)
	}
	pc, err := w.ProxyConfig()
	if err != nil || pc == nil || pc.GetHoldApplicationUntilProxyStarts() != nil {
		return manifest.ErrNoEdit
	}
	path := w.TemplateAnnotationPath(mesh.AnnotProxyConfig)
	style, _ := ed.ScalarStyle(path)
	body := strings.TrimSpace(raw)
	switch {
	case body == "" || body == "{}":
		return ed.ReplaceScalar(path, `{"`+holdKey+`":true}`)
	case strings.HasPrefix(body, "{"):
		member := holdKey + ": true, "
		if strings.HasPrefix(strings.TrimLeft(body[1:], " \t\n"), `"`) { // JSON: quote the key too
			q := `"`
			if style&yaml.DoubleQuotedStyle != 0 {
				q = `\"`
			}
			member = q + holdKey + q + ": true, "
		}
		return ed.InsertInScalar(path, "{", member)
	case style&yaml.LiteralStyle != 0:
		return ed.AppendToBlock(path, holdKey+": true")
	}
	return manifest.ErrNoEdit
}

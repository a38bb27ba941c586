package checks

import (
	"regexp"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// AppInitContainerNetwork catches init containers that run before the
// classic proxy exists.
var AppInitContainerNetwork = &rules.Rule{
	ID:       "MB203",
	Slug:     "app-initcontainer-network",
	Severity: rules.Warning,
	Summary:  "An app init container runs before the classic istio-proxy sidecar exists, so its traffic fails or bypasses mTLS",
	Rationale: "Init containers run one after another before the pod's containers start, so with a classic sidecar every " +
		"app init container runs while there is no proxy; holdApplicationUntilProxyStarts does not help, it only orders " +
		"the main containers. Without Istio CNI the injector orders istio-init last \"so we do not blackhole init " +
		"containers\": their traffic leaves the pod in plaintext with no Istio identity, and a server under STRICT mTLS " +
		"rejects it. With Istio CNI the redirection exists before any init container runs and points at a proxy that has " +
		"not started, so every connection fails. A migration, schema check or download in an init container therefore " +
		"fails in the mesh. With a native sidecar the injector puts istio-proxy before the app's init containers and " +
		"they run inside the mesh.",
	Remediation: "Use a native sidecar (sidecar.istio.io/nativeSidecar: \"true\", Istio 1.24+ on Kubernetes 1.29+), or move the work into the main container; " +
		"the workarounds traffic.sidecar.istio.io/excludeOutboundIPRanges, excludeOutboundPorts or running the init container as UID 1337 send its traffic around the mesh, without mTLS.",
	Kinds: []string{"Job", "CronJob", "Namespace"},
	Reads: rules.Reads{Labels: []string{"Namespace"}},
	Sources: []string{
		"istio/istio pkg/kube/inject/webhook.go reorderPod (init container ordering, native and classic)",
		"istio.io docs/setup/additional-setup/cni (compatibility with application init containers)",
		"istio.io blog/2023/native-sidecars",
	},
	Bad: `# facts: istioVersion=1.22 kubernetesVersion=1.30
apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
    spec:
      restartPolicy: Never
      initContainers:
        - name: migrate
          image: registry.example.com/etl-migrate:1.4.2
          command: ["/app/migrate", "--database-url", "postgres://orders.db.svc.cluster.local:5432/orders"]
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
	Good: `# facts: istioVersion=1.26 kubernetesVersion=1.31
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
      initContainers:
        - name: migrate
          image: registry.example.com/etl-migrate:1.4.2
          command: ["/app/migrate", "--database-url", "postgres://orders.db.svc.cluster.local:5432/orders"]
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
	Check: checkAppInitContainerNetwork,
}

func checkAppInitContainerNetwork(p *rules.Pass) {
	for _, w := range p.Index.BatchWorkloads() {
		m := rules.MeshOf(p, w)
		if m.Classic() == mesh.No || !m.Relevant() {
			continue
		}
		a := w.Template.Annotations
		if a["traffic.sidecar.istio.io/excludeOutboundIPRanges"] != "" || a["traffic.sidecar.istio.io/excludeOutboundPorts"] != "" {
			continue // the documented workaround, chosen knowingly
		}
		for _, c := range w.Containers() {
			if !c.Init {
				continue
			}
			if uid, _, ok := runAsUser(w, c); ok && uid == 1337 {
				continue // the other documented workaround
			}
			net := usesNetwork(c)
			s := sev(p.Rule, m.Classic() == mesh.Yes && net)
			as := m.Assumptions()
			if !net {
				as = append(as, "nothing in its command or env shows network use")
			}
			p.ReportSeverityf(s, w.Object, c.Path,
				"%s: init container %s runs before the classic istio-proxy sidecar exists: any connection it makes "+
					"bypasses mTLS without Istio CNI (refused by STRICT servers) or fails with Istio CNI%s",
				w.Object.Ref(), c.Container.Name, assumed(as))
		}
	}
}

var (
	netWordRE = regexp.MustCompile(`(?i)(://|(^|[\s/;&|])(curl|wget|nc|ncat|psql|pg_isready|pg_dump|mysql|mysqladmin|mongosh|mongo|redis-cli|kubectl|helm|aws|gsutil|gcloud|az|git|flyway|liquibase|alembic|migrate|nslookup|dig|ping|grpcurl)(\s|$))`)
	netEnvRE  = regexp.MustCompile(`(?i)(_URL|_URI|_HOST|_ADDR|_ADDRESS|_ENDPOINT|_DSN)$|^(DATABASE|DB|KAFKA|REDIS|AMQP)_`)
)

// usesNetwork guesses whether a container talks to the network from its
// command line and environment variable names (never their values).
func usesNetwork(c rules.ContainerRef) bool {
	text := strings.Join(append(append([]string{c.Container.Image}, c.Container.Command...), c.Container.Args...), " ")
	if netWordRE.MatchString(text) {
		return true
	}
	for _, e := range c.Container.Env {
		if netEnvRE.MatchString(e.Name) {
			return true
		}
	}
	return false
}

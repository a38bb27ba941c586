// Package corpusgen writes synthetic but realistic manifest corpora for
// benchmarks: every file is one team namespace of batch jobs with the
// objects around them (service accounts, mTLS and authorization policies,
// an external database, RBAC), and a share of the objects carry the
// mistakes meshbatch's rules exist for, so that the rules do real work.
//
// The output is deterministic: file k depends only on the seed and k, so a
// corpus of 10,000 objects is a prefix of one of 100,000.
package corpusgen

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// PerFile is the number of documents in a full file: one namespace's worth.
const PerFile = 20

// Options say how much to write.
type Options struct {
	Objects int    // total documents (objects); the last file may be short
	Seed    uint64 // 0 means 1
	// FindingsHeavy writes a repository adopting meshbatch on its first
	// day: most Jobs and CronJobs carry one to three findings instead of a
	// share of them one. Of their pod templates, 55 % set no
	// activeDeadlineSeconds (15 %), 30 % no proxy resources and a quarter
	// of the rest only one of the four (8 %), 20 % the default service
	// account (5 %). Same files and kinds; about 56,000 findings at 100k
	// objects with facts, against 30,000.
	FindingsHeavy bool
}

// File is one generated manifest file.
type File struct {
	Name string // relative path, e.g. "team-00042/manifests.yaml"
	Data []byte
}

// Generate returns the corpus in memory, in file order.
func Generate(opts Options) []File {
	seed := opts.Seed
	if seed == 0 {
		seed = 1
	}
	var files []File
	for k := 0; k*PerFile < opts.Objects; k++ {
		n := min(PerFile, opts.Objects-k*PerFile)
		files = append(files, File{
			Name: fmt.Sprintf("team-%05d/manifests.yaml", k),
			Data: namespaceFile(seed, k, n, opts.FindingsHeavy),
		})
	}
	return files
}

// WriteDir writes the corpus under dir, creating it, and returns the
// number of files written and their total size.
func WriteDir(dir string, opts Options) (files int, bytes int64, err error) {
	for _, f := range Generate(opts) {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return files, bytes, err
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return files, bytes, err
		}
		files++
		bytes += int64(len(f.Data))
	}
	return files, bytes, nil
}

// gen writes one file's documents.
type gen struct {
	buf  bytes.Buffer
	rng  *rand.Rand
	ns   string
	team int
	left int // documents still to write
	// heavy is Options.FindingsHeavy. It changes the odds only, never the
	// number of random draws of the default corpus, which stays as it was.
	heavy bool
}

// chance reports true with probability pct percent.
func (g *gen) chance(pct int) bool { return g.rng.IntN(100) < pct }

// odds is def percent, or heavy percent in a findings-heavy corpus.
func (g *gen) odds(def, heavy int) int {
	if g.heavy {
		return heavy
	}
	return def
}

func (g *gen) pick(options ...string) string { return options[g.rng.IntN(len(options))] }

// doc starts a document, or reports false when the file is full.
func (g *gen) doc() bool {
	if g.left == 0 {
		return false
	}
	g.left--
	if g.buf.Len() > 0 {
		g.buf.WriteString("---\n")
	}
	return true
}

func (g *gen) f(format string, args ...any) { fmt.Fprintf(&g.buf, format, args...) }

// namespaceFile is team k's namespace: 20 documents (or the first n).
func namespaceFile(seed uint64, k, n int, heavy bool) []byte {
	g := &gen{rng: rand.New(rand.NewPCG(seed, uint64(k))), team: k, left: n, ns: fmt.Sprintf("team-%05d", k), heavy: heavy}
	g.buf.Grow(n * 1100)
	g.f("# Rendered for %s by the platform chart; do not edit by hand.\n", g.ns)
	mode := g.pick("enabled", "enabled", "enabled", "enabled", "rev", "ambient", "off")
	g.namespace(mode)
	sas := []string{"etl-runner", "report-runner"}
	for _, sa := range sas {
		g.serviceAccount(sa)
	}
	g.peerAuthentication()
	g.authorizationPolicy("allow-batch", sas)
	g.authorizationPolicy("allow-monitoring", nil)
	db := fmt.Sprintf("db-%d.%s.example.internal", k%97, g.pick("eu", "us", "ap"))
	g.serviceEntry(db)
	g.destinationRule(db)
	g.sidecar(db)
	g.service()
	g.configMap(db)
	g.role()
	g.roleBinding(sas)
	for i := range 4 {
		g.job(fmt.Sprintf("etl-%d", i), sas[0], db)
	}
	for i := range 3 {
		g.cronJob(fmt.Sprintf("report-%d", i), sas[1], db)
	}
	return g.buf.Bytes()
}

func (g *gen) namespace(mode string) {
	if !g.doc() {
		return
	}
	g.f("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n  labels:\n    team: t%d\n    cost-center: \"%d\"\n", g.ns, g.team, 4000+g.team%50)
	switch mode {
	case "enabled":
		g.f("    istio-injection: enabled\n")
	case "rev":
		g.f("    istio.io/rev: stable\n")
	case "ambient":
		g.f("    istio.io/dataplane-mode: ambient\n")
	}
	g.f("  annotations:\n    owner: team-%d@example.com\n", g.team)
}

func (g *gen) serviceAccount(name string) {
	if !g.doc() {
		return
	}
	g.f("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: %s\n  namespace: %s\n  labels:\n    app.kubernetes.io/part-of: batch\n", name, g.ns)
	if g.chance(30) {
		g.f("automountServiceAccountToken: false\n")
	}
}

func (g *gen) peerAuthentication() {
	if !g.doc() {
		return
	}
	g.f("apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: default\n  namespace: %s\nspec:\n", g.ns)
	switch {
	case g.chance(3): // a typo in the enum: strict decoding refuses it
		g.f("  mtls:\n    mode: STRICTT\n")
	case g.chance(5): // portLevelMtls without a selector is ignored by Istio
		g.f("  mtls:\n    mode: STRICT\n  portLevelMtls:\n    8080:\n      mode: PERMISSIVE\n")
	case g.chance(10):
		g.f("  mtls:\n    mode: PERMISSIVE\n")
	default:
		g.f("  mtls:\n    mode: STRICT\n")
	}
}

func (g *gen) authorizationPolicy(name string, sas []string) {
	if !g.doc() {
		return
	}
	g.f("apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n", name, g.ns)
	if sas == nil {
		g.f("  selector:\n    matchLabels:\n      app: api\n  action: ALLOW\n  rules:\n    - from:\n        - source:\n            namespaces: [\"monitoring\"]\n      to:\n        - operation:\n            methods: [\"GET\"]\n            paths: [\"/metrics\"]\n")
		return
	}
	if !g.chance(5) { // a policy without a selector applies to every workload
		g.f("  selector:\n    matchLabels:\n      app: api\n")
	}
	g.f("  action: ALLOW\n  rules:\n    - from:\n        - source:\n            principals:\n")
	for _, sa := range sas {
		prefix := "cluster.local"
		if g.chance(4) {
			prefix = "spiffe://cluster.local" // principals never carry the scheme
		}
		g.f("              - %s/ns/%s/sa/%s\n", prefix, g.ns, sa)
	}
	g.f("      to:\n        - operation:\n            ports: [\"8080\"]\n            methods: [\"POST\", \"PUT\"]\n")
}

func (g *gen) serviceEntry(db string) {
	if !g.doc() {
		return
	}
	proto := "TCP"
	if g.chance(6) {
		proto = "TLS" // Postgres negotiates TLS in-protocol: TLS here breaks it
	}
	g.f("apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: orders-db\n  namespace: %s\nspec:\n  hosts:\n    - %s\n", g.ns, db)
	if !g.chance(10) {
		g.f("  addresses:\n    - 10.%d.%d.%d/32\n", 20+g.team%200, g.team/200%250, 10+g.team%200)
	}
	g.f("  location: MESH_EXTERNAL\n  resolution: DNS\n  ports:\n    - number: 5432\n      name: tcp-postgres\n      protocol: %s\n  exportTo:\n    - \".\"\n", proto)
}

func (g *gen) destinationRule(db string) {
	if !g.doc() {
		return
	}
	g.f("apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: orders-db\n  namespace: %s\nspec:\n  host: %s\n  trafficPolicy:\n    connectionPool:\n      tcp:\n        maxConnections: %d\n        connectTimeout: 5s\n", g.ns, db, 10+g.rng.IntN(90))
	switch {
	case g.chance(5):
		g.f("    tls:\n      mode: ISTIO_MUTUAL\n") // an external host has no Istio certificate
	case g.chance(5):
		g.f("    tls:\n      mode: SIMPLE\n      sni: %s\n", db) // wraps the in-protocol TLS again
	case g.chance(3):
		g.f("    tls:\n      mode: SIMPLE\n      insecureSkipVerify: true\n")
	}
	g.f("  exportTo:\n    - \".\"\n")
}

func (g *gen) sidecar(db string) {
	if !g.doc() {
		return
	}
	g.f("apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata:\n  name: default\n  namespace: %s\nspec:\n  egress:\n    - hosts:\n        - \"./*\"\n        - \"istio-system/*\"\n        - \"./%s\"\n", g.ns, db)
	if g.chance(20) {
		g.f("  outboundTrafficPolicy:\n    mode: REGISTRY_ONLY\n")
	}
}

func (g *gen) service() {
	if !g.doc() {
		return
	}
	g.f("apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  namespace: %s\n  labels:\n    app: api\nspec:\n  selector:\n    app: api\n  ports:\n    - name: http\n      port: 80\n      targetPort: 8080\n      protocol: TCP\n", g.ns)
	if g.chance(10) {
		g.f("    - name: mysql\n      port: 3306\n      protocol: TCP\n") // server-first protocol without a tcp- name
	}
}

func (g *gen) configMap(db string) {
	if !g.doc() {
		return
	}
	g.f("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: etl-config\n  namespace: %s\ndata:\n  DB_HOST: %s\n  DB_PORT: \"5432\"\n  DB_SSLMODE: verify-full\n  BATCH_SIZE: \"%d\"\n  settings.yaml: |\n    retries: 3\n    backoff: 30s\n    tables:\n      - orders\n      - customers\n      - invoices\n", g.ns, db, 500+g.rng.IntN(5000))
}

// role and roleBinding are kinds no rule reads: the loader skips them
// after reading their metadata.
func (g *gen) role() {
	if !g.doc() {
		return
	}
	g.f("apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: batch-reader\n  namespace: %s\nrules:\n  - apiGroups: [\"\"]\n    resources: [\"configmaps\", \"secrets\"]\n    verbs: [\"get\", \"list\", \"watch\"]\n  - apiGroups: [\"batch\"]\n    resources: [\"jobs\"]\n    verbs: [\"get\", \"list\"]\n", g.ns)
}

func (g *gen) roleBinding(sas []string) {
	if !g.doc() {
		return
	}
	g.f("apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: batch-reader\n  namespace: %s\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: batch-reader\nsubjects:\n", g.ns)
	for _, sa := range sas {
		g.f("  - kind: ServiceAccount\n    name: %s\n    namespace: %s\n", sa, g.ns)
	}
}

func (g *gen) job(name, sa, db string) {
	if !g.doc() {
		return
	}
	g.f("apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: %s\n  namespace: %s\n  labels:\n    app: %s\n    app.kubernetes.io/part-of: batch\n", name, g.ns, name)
	if g.chance(3) { // ignored here: injection reads the pod template
		g.f("  annotations:\n    sidecar.istio.io/inject: \"true\"\n")
	}
	g.f("spec:\n")
	g.jobSpec(name, sa, db, "  ")
}

func (g *gen) cronJob(name, sa, db string) {
	if !g.doc() {
		return
	}
	g.f("apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: %s\n  namespace: %s\n  labels:\n    app: %s\nspec:\n  schedule: \"%d %d * * *\"\n  concurrencyPolicy: %s\n  successfulJobsHistoryLimit: 3\n  failedJobsHistoryLimit: 1\n  jobTemplate:\n    spec:\n",
		name, g.ns, name, g.rng.IntN(60), g.rng.IntN(24), g.pick("Forbid", "Forbid", "Replace", "Allow"))
	g.jobSpec(name, sa, db, "      ")
}

// jobSpec writes a JobSpec at the given indent. Most pod templates follow
// the recommended shape; the rest carry one of the classic mistakes.
func (g *gen) jobSpec(name, sa, db, in string) {
	w := func(format string, args ...any) { g.buf.WriteString(in); g.f(format, args...) }
	if !g.chance(g.odds(15, 55)) {
		w("activeDeadlineSeconds: %d\n", 600*(1+g.rng.IntN(12)))
	}
	w("backoffLimit: %d\n", g.rng.IntN(4))
	w("ttlSecondsAfterFinished: 86400\n")
	w("template:\n")
	w("  metadata:\n")
	w("    labels:\n")
	w("      app: %s\n", name)
	w("      sidecar.istio.io/inject: \"true\"\n")
	// The lifecycle choice: native sidecar (the fix), quitquitquit by hand,
	// or nothing (the pod never completes).
	lifecycle := g.rng.IntN(100)
	native := lifecycle < 70
	quit := lifecycle >= 70 && lifecycle < 88
	w("    annotations:\n")
	if native {
		w("      sidecar.istio.io/nativeSidecar: \"true\"\n")
	}
	switch {
	case g.chance(4):
		w("      proxy.istio.io/config: '{ \"holdApplicationUntilProxyStart\": true }'\n") // typo
	case !native:
		w("      proxy.istio.io/config: '{ \"holdApplicationUntilProxyStarts\": true }'\n")
	}
	switch {
	case g.heavy && g.chance(30):
		// none: the mesh-wide defaults, sized for services
	case g.chance(g.odds(8, 25)):
		w("      sidecar.istio.io/proxyMemory: \"128Mi\"\n") // only one of four: the others' defaults go
	default:
		w("      sidecar.istio.io/proxyCPU: \"50m\"\n")
		w("      sidecar.istio.io/proxyMemory: \"64Mi\"\n")
		w("      sidecar.istio.io/proxyCPULimit: \"500m\"\n")
		w("      sidecar.istio.io/proxyMemoryLimit: \"256Mi\"\n")
	}
	w("  spec:\n")
	if g.chance(g.odds(5, 20)) {
		w("    serviceAccountName: default\n")
	} else {
		w("    serviceAccountName: %s\n", sa)
	}
	w("    restartPolicy: %s\n", g.pick("Never", "Never", "OnFailure"))
	if g.chance(2) { // a misspelt field: strict decoding refuses it
		w("    terminationGracePeriodSecond: 30\n")
	}
	w("    securityContext:\n")
	w("      runAsNonRoot: true\n")
	if g.chance(3) {
		w("      runAsUser: 1337\n") // the proxy's uid: traffic bypasses the sidecar
	} else {
		w("      runAsUser: %d\n", 10000+g.rng.IntN(1000))
	}
	w("      fsGroup: 2000\n")
	if g.chance(10) {
		w("    initContainers:\n")
		w("      - name: migrate\n")
		w("        image: registry.example.com/%s/migrate:%d.%d.%d\n", g.ns, 1+g.rng.IntN(3), g.rng.IntN(20), g.rng.IntN(10))
		w("        command: [\"/bin/migrate\", \"--host\", \"%s\"]\n", db)
	}
	w("    containers:\n")
	w("      - name: %s\n", name)
	w("        image: registry.example.com/%s/%s:%d.%d.%d\n", g.ns, name, 1+g.rng.IntN(3), g.rng.IntN(20), g.rng.IntN(10))
	w("        imagePullPolicy: IfNotPresent\n")
	if quit {
		port := "15020"
		if g.chance(15) {
			port = "15000" // Envoy's admin port, not the agent's
		}
		w("        command: [\"/bin/sh\", \"-c\"]\n")
		w("        args:\n")
		w("          - |\n")
		w("            /app/run --config /etc/etl/settings.yaml\n")
		w("            rc=$?\n")
		w("            curl -fsS -X POST http://127.0.0.1:%s/quitquitquit\n", port)
		w("            exit $rc\n")
	} else {
		w("        command: [\"/app/run\"]\n")
		w("        args: [\"--config\", \"/etc/etl/settings.yaml\", \"--parallel\", \"%d\"]\n", 1+g.rng.IntN(8))
	}
	w("        env:\n")
	w("          - name: DB_HOST\n")
	w("            valueFrom:\n")
	w("              configMapKeyRef:\n")
	w("                name: etl-config\n")
	w("                key: DB_HOST\n")
	w("          - name: DB_PASSWORD\n")
	w("            valueFrom:\n")
	w("              secretKeyRef:\n")
	w("                name: etl-db\n")
	w("                key: password\n")
	w("          - name: LOG_LEVEL\n")
	w("            value: %s\n", g.pick("info", "debug", "warn"))
	w("        resources:\n")
	w("          requests:\n")
	w("            cpu: %dm\n", 100*(1+g.rng.IntN(10)))
	w("            memory: %dMi\n", 128*(1+g.rng.IntN(8)))
	w("          limits:\n")
	w("            memory: %dMi\n", 1024*(1+g.rng.IntN(4)))
	w("        volumeMounts:\n")
	w("          - name: config\n")
	w("            mountPath: /etc/etl\n")
	w("            readOnly: true\n")
	w("    volumes:\n")
	w("      - name: config\n")
	w("        configMap:\n")
	w("          name: etl-config\n")
}

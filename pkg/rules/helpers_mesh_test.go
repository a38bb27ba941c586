package rules

import (
	"fmt"
	"strings"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
)

func TestPrincipalMatches(t *testing.T) {
	f := mesh.Facts{TrustDomain: "prod.example.com", TrustAliases: []string{"old.example.com"}}
	for _, c := range []struct {
		pattern string
		want    bool
	}{
		{"cluster.local/ns/batch/sa/etl", true}, // cluster.local always means the local trust domain
		{"prod.example.com/ns/batch/sa/etl", true},
		{"old.example.com/ns/batch/sa/etl", true}, // an alias
		{"other.example.com/ns/batch/sa/etl", false},
		{"spiffe://cluster.local/ns/batch/sa/etl", false},
		{"cluster.local/ns/batch/sa/*", true},
		{"*/ns/batch/sa/etl", true},
		{"cluster.local/ns/*/sa/etl", false}, // "*" in the middle is literal
		{"*", true},
		{"cluster.local/ns/batch/sa/other", false},
	} {
		if got := principalMatches(c.pattern, "batch", "etl", f); got != c.want {
			t.Errorf("principalMatches(%q) = %v, want %v", c.pattern, got, c.want)
		}
	}
	if principalMatches("prod.example.com/ns/batch/sa/etl", "batch", "etl", mesh.Facts{}) {
		t.Error("a foreign trust domain matched without the fact")
	}
}

func TestServiceAccountMatches(t *testing.T) {
	if !serviceAccountMatches("etl", "batch", "batch", "etl") || !serviceAccountMatches("batch/etl", "db", "batch", "etl") {
		t.Error("serviceAccounts entries did not match")
	}
	if serviceAccountMatches("etl", "db", "batch", "etl") {
		t.Error("a bare account matched outside the policy's namespace")
	}
}

func TestClassifyHost(t *testing.T) {
	svc := mustObjects(t, `apiVersion: v1
kind: Service
metadata: {name: api, namespace: batch}
spec:
  selector: {app: api}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Namespace
metadata: {name: io}
`)
	ix := NewIndex(svc)
	for _, c := range []struct {
		host string
		want HostClass
		svc  ClusterHost
	}{
		{"postgres.database.svc.cluster.local", HostCluster, ClusterHost{"postgres", "database"}},
		{"postgres.database.svc", HostCluster, ClusterHost{"postgres", "database"}},
		{"api", HostCluster, ClusterHost{"api", "batch"}}, // a loaded Service of the client's namespace
		{"etl", hostUnknown, ClusterHost{}},               // a word, not a loaded Service
		{"cache.io", HostCluster, ClusterHost{"cache", "io"}},
		{"api.example.com", HostExternal, ClusterHost{}},
		{"orders.cluster-abc.eu-west-1.rds.amazonaws.com", HostExternal, ClusterHost{}},
		{"db.corp.internal", hostUnknown, ClusterHost{}},
		{"10.0.0.7", hostUnknown, ClusterHost{}},
		{"*.example.com", hostUnknown, ClusterHost{}},
		{"minio.storage.local", hostUnknown, ClusterHost{}},
	} {
		got, h := ix.ClassifyHost(c.host, "batch")
		if got != c.want || h != c.svc {
			t.Errorf("classifyHost(%q) = %v %v, want %v %v", c.host, got, h, c.want, c.svc)
		}
	}
}

func TestHostRefs(t *testing.T) {
	objs := mustObjects(t, `apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1
          args: ["--sink=jdbc:mysql://db.example.com/orders", "--bucket=s3://exports.example.com/x"]
          env:
            - {name: DATABASE_URL, value: "postgres://u:p@pg.example.com:6432/db?sslmode=verify-full"}
            - {name: DSN, value: "host=warehouse.example.org port=5439 dbname=w"}
            - {name: CACHE_HOST, value: redis.example.net}
            - {name: CACHE_PORT, value: "6380"}
            - {name: DB_PASSWORD, value: "https://secret.example.com"}
            - {name: PLAIN, value: "hello world"}
`)
	w := WorkloadOf(objs[0])
	var got []string
	for _, r := range findHostRefs(w) {
		got = append(got, fmt.Sprintf("%s:%d @ %s", r.Host, r.Port, r.Path))
	}
	want := []string{
		"pg.example.com:6432 @ spec.template.spec.containers[0].env[0].value",
		"warehouse.example.org:5439 @ spec.template.spec.containers[0].env[1].value",
		"redis.example.net:6380 @ spec.template.spec.containers[0].env[2].value",
		"db.example.com:3306 @ spec.template.spec.containers[0].args[0]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("hostRefs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func mustObjects(t *testing.T, y string) []*manifest.Object {
	t.Helper()
	objs, problems := manifest.ReadFile("in.yaml", []byte(y), manifest.Limits{})
	if len(problems) > 0 {
		t.Fatalf("bad test input: %v", problems)
	}
	return objs
}

// TestServiceTargetPortByName: a Service's named targetPort resolves
// against the pods it selects in its namespace, also when the Service
// names none (it is "default", like its pods).
func TestServiceTargetPortByName(t *testing.T) {
	for _, ns := range []string{"", "default", "data"} {
		docs := strings.ReplaceAll(`apiVersion: v1
kind: Service
metadata: {name: db, namespace: "NS"}
spec: {selector: {app: db}, ports: [{port: 5432, targetPort: pg}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: "NS"}
spec:
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres, ports: [{name: pg, containerPort: 15432}]}]}
`, "NS", ns)
		objs, probs := manifest.ReadFile("db.yaml", []byte(docs), manifest.Limits{})
		if len(probs) > 0 {
			t.Fatal(probs)
		}
		ix := NewIndex(objs)
		if got := ix.ServiceTargetPort(objs[0], 5432); got != 15432 {
			t.Errorf("namespace %q: serviceTargetPort(5432) = %d, want 15432", ns, got)
		}
	}
}

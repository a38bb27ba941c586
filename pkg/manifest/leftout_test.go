package manifest

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	networkingv1 "istio.io/client-go/pkg/apis/networking/v1"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// cronJobCommandString is the CronJob that broke the linter on a real
// repository: containers[1].command given as a string.
const cronJobCommandString = `apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: batch}
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    spec:
      template:
        metadata:
          labels: {sidecar.istio.io/inject: "true"}
        spec:
          restartPolicy: Never
          containers:
            - name: report
              image: registry.example.com/report:2
            - name: upload
              image: registry.example.com/upload:1
              command: /bin/upload --all
`

// TestFieldsLeftOut: a field that does not decode strictly is a problem at
// that field, and the object is read without it: a mapping entry goes, a
// list item becomes empty (the others keep their indexes), a field of an
// anchored node goes from its aliases too. An object with a field that
// cannot be placed, or with too many bad fields, is left out as before.
func TestFieldsLeftOut(t *testing.T) {
	objs, probs := ReadFile("cron.yaml", []byte(cronJobCommandString), Limits{})
	if len(objs) != 1 || !objs[0].PartlyInvalid() || len(probs) != 1 || !probs[0].LeftOut ||
		probs[0].Pos != (Pos{Line: 18, Col: 15}) || !strings.Contains(probs[0].Msg, "spec.jobTemplate.spec.template.spec.containers[1].command: expected a list") {
		t.Fatalf("the CronJob: %v, problems %v; want it linted without containers[1].command, which is a problem at 18:15", objs, probs)
	}
	cs := objs[0].Typed.(*batchv1.CronJob).Spec.JobTemplate.Spec.Template.Spec.Containers
	if len(cs) != 2 || cs[1].Name != "upload" || cs[1].Command != nil || objs[0].Labels != nil {
		t.Errorf("the CronJob read without the field: containers %+v", cs)
	}

	const job = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: etl, namespace: batch}\nspec:\n  template:\n    spec:\n" +
		"      restartPolicy: Never\n      containers:\n%s"
	for _, tc := range []struct {
		name, containers string
		linted           bool
		problems         int
	}{
		{"a list item of the wrong type", "        - just-a-name\n        - {name: b, image: b}\n", true, 1},
		{"several fields", "        - {name: a, image: 1, imagePullPolcy: Always, ports: [{containerPort: http}]}\n", true, 3},
		{"a field no path names", "        - {name: a, image: a, resources: {limits: {cpu: lots}}}\n", false, 1},
		{"a field of an anchored node", "        - &c {name: a, image: 1}\n        - *c\n", true, 1},
		{"too many fields", "        - {name: a, image: a, " + manyUnknown(maxLeftOut+1) + "}\n", false, maxLeftOut + 1},
	} {
		objs, probs := ReadFile("job.yaml", fmt.Appendf(nil, job, tc.containers), Limits{})
		if linted := len(objs) == 1 && objs[0].PartlyInvalid(); linted != tc.linted || len(probs) != tc.problems {
			t.Errorf("%s: %d objects, %d problems %v; want linted %v with %d problems", tc.name, len(objs), len(probs), probs, tc.linted, tc.problems)
		}
		if tc.name == "a list item of the wrong type" && len(objs) == 1 {
			if cs := objs[0].Typed.(*batchv1.Job).Spec.Template.Spec.Containers; len(cs) != 2 || cs[1].Name != "b" {
				t.Errorf("%s: containers %+v, want the second still second", tc.name, cs)
			}
		}
	}

	// Decoded again, the object is partly invalid with the same problems.
	file := filepath.Join(t.TempDir(), "cron.yaml")
	if err := os.WriteFile(file, []byte(cronJobCommandString), 0o644); err != nil {
		t.Fatal(err)
	}
	part, _ := ReadDocumentPartly(file, 0, SplitDocuments([]byte(cronJobCommandString))[0], Limits{}, testFieldsCron)
	if len(part) != 1 || !part[0].Partial() || part[0].PartlyInvalid() {
		t.Fatalf("decoded in part: %v, want one object, Partial and not known to be invalid", part)
	}
	part[0].ReleaseDocument()
	part[0].ReleaseTyped()
	typed, again, err := part[0].Redecode(nil, 0, Limits{})
	if err != nil || typed == nil || !part[0].PartlyInvalid() || len(again) != 1 || again[0].Msg != probs[0].Msg || again[0].Pos != probs[0].Pos {
		t.Errorf("Redecode: %v, %v, %v; want the CronJob, partly invalid, and its problem", typed, again, err)
	}
}

// testFieldsCron decodes CronJobs in part, as the lint engine does with
// workloads past its budget: the containers' names and images only.
var testFieldsCron = func() Fields {
	f := Fields{}
	for k, v := range testFields {
		f[k] = v
	}
	f[reflect.TypeFor[batchv1.CronJob]()] = map[string]bool{"apiVersion": true, "kind": true, "metadata": true, "spec": true}
	f[reflect.TypeFor[batchv1.CronJobSpec]()] = map[string]bool{"jobTemplate": true}
	f[reflect.TypeFor[batchv1.JobTemplateSpec]()] = map[string]bool{"spec": true}
	f[reflect.TypeFor[corev1.Container]()] = map[string]bool{"name": true, "image": true}
	return f
}()

func manyUnknown(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "x%d: 1, ", i)
	}
	return strings.TrimSuffix(b.String(), ", ")
}

// TestIstioSpecFieldsLeftOut: an Istio spec field protojson refuses (an
// unknown field, a value of the wrong type, an unknown enum value) is a
// problem at that field, and the object is linted without it, as
// Kubernetes kinds are.
func TestIstioSpecFieldsLeftOut(t *testing.T) {
	const se = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: partner, namespace: etl}
spec:
  hosts: [api.partner.example.com]
  ports:
    - {number: 443, name: tls, protocol: TLS}
    - number: "8443x"
      name: alt
      protocol: TLS
      targetPorts: 9443
  resolution: DNSX
  locaton: MESH_EXTERNAL
`
	objs, probs := ReadFile("se.yaml", []byte(se), Limits{})
	if len(objs) != 1 || !objs[0].PartlyInvalid() {
		t.Fatalf("objects %v, problems %v: want the ServiceEntry linted without its bad fields", objs, probs)
	}
	want := []Pos{{Line: 8, Col: 7}, {Line: 11, Col: 7}, {Line: 12, Col: 3}, {Line: 13, Col: 3}}
	var got []Pos
	for _, p := range probs {
		if !p.LeftOut {
			t.Errorf("problem %v is not marked as left out", p)
		}
		got = append(got, p.Pos)
	}
	slices.SortFunc(got, func(a, b Pos) int { return a.Line*1000 + a.Col - b.Line*1000 - b.Col })
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems at %v, want %v: %v", got, want, probs)
	}
	spec := &objs[0].Typed.(*networkingv1.ServiceEntry).Spec
	if len(spec.GetHosts()) != 1 || len(spec.GetPorts()) != 2 || spec.GetPorts()[1].GetName() != "alt" || spec.GetPorts()[1].GetNumber() != 0 {
		t.Errorf("the entry read without the fields: %v", spec)
	}
}

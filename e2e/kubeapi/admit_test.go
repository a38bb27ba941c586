package kubeapi

import (
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meshbatch/meshbatch/e2e/internal/manifests"
)

// fieldManager names meshbatch as the owner in server-side apply.
const fieldManager = "meshbatch"

// submit sends o to the API server the two ways users apply manifests,
// kubectl apply (a create for a new object) and kubectl apply --server-side,
// both as dry runs with strict field validation (without Strict the server
// silently prunes unknown fields). Namespaces are created for real instead of
// the dry-run create, since a dry-run Namespace does not persist and the
// objects in it would fail NotFound.
//
// It returns one error per refusal and the server's warnings.
func submit(t *testing.T, o manifests.Object) (errs []error, warns []string) {
	t.Helper()
	ctx := t.Context()
	warnings.take()
	namespaced, err := k8s.IsObjectNamespaced(o.Unstructured)
	if err != nil {
		return []error{fmt.Errorf("kind unknown to the API server: %w", err)}, nil
	}
	if namespaced && o.GetNamespace() == "" {
		return []error{errNoNamespace}, nil
	}
	if isNamespace(o) {
		if err := k8s.Create(ctx, o.DeepCopy(), client.FieldValidation("Strict")); err != nil && !apierrors.IsAlreadyExists(err) {
			errs = append(errs, fmt.Errorf("create: %w", err))
		}
	} else if err := k8s.Create(ctx, o.DeepCopy(), client.DryRunAll, client.FieldValidation("Strict")); err != nil {
		errs = append(errs, fmt.Errorf("dry-run create: %w", err))
	}
	if err := k8s.Patch(ctx, o.DeepCopy(), client.RawPatch(types.ApplyPatchType, o.JSON),
		client.DryRunAll, client.FieldValidation("Strict"), client.FieldOwner(fieldManager), client.ForceOwnership); err != nil {
		errs = append(errs, fmt.Errorf("dry-run server-side apply: %w", err))
	}
	return errs, warnings.take()
}

func isNamespace(o manifests.Object) bool {
	gvk := o.GroupVersionKind()
	return gvk.Group == "" && gvk.Kind == "Namespace"
}

// ensureNamespace creates a bare namespace unless it exists: objects of a case
// may live in namespaces the case does not create (a destination's namespace,
// e.g. the server side of an AuthorizationPolicy).
func ensureNamespace(t *testing.T, name string) {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := k8s.Create(t.Context(), ns); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("creating namespace %s: %v", name, err)
	}
}

// checkAdmitted submits every object of a file and fails on any refusal or
// warning. It returns how many objects it submitted.
func checkAdmitted(t *testing.T, file string) int {
	t.Helper()
	objs := manifests.Load(t, file)
	// The file's own Namespaces first, as kubectl apply orders them.
	for _, o := range objs {
		if isNamespace(o) {
			check(t, o)
		}
	}
	for _, o := range objs {
		if ns := o.GetNamespace(); ns != "" && !isNamespace(o) {
			ensureNamespace(t, ns)
		}
	}
	for _, o := range objs {
		if !isNamespace(o) {
			check(t, o)
		}
	}
	return len(objs)
}

func check(t *testing.T, o manifests.Object) {
	t.Helper()
	errs, warns := submit(t, o)
	for _, err := range errs {
		t.Errorf("%s document %d (%s): the API server refuses it: %v", o.File, o.Doc, o.ID(), err)
	}
	// A warning is something kubectl prints to whoever applies the
	// output (deprecated fields, ignored settings): fix it in the generator.
	for _, w := range warns {
		t.Errorf("%s document %d (%s): the API server warns: %s", o.File, o.Doc, o.ID(), w)
	}
}

// TestGoldensAreAdmitted submits every object of every golden case.
func TestGoldensAreAdmitted(t *testing.T) {
	needServer(t)
	total := 0
	for _, f := range manifests.Goldens(t) {
		t.Run(f, func(t *testing.T) { total += checkAdmitted(t, f) })
	}
	t.Logf("submitted %d objects", total)
}

// TestSampleIsAdmitted keeps the hand-written sample (every kind meshbatch
// emits) admissible, so the broken manifests below differ from a good one by
// their one defect.
func TestSampleIsAdmitted(t *testing.T) {
	needServer(t)
	if n := checkAdmitted(t, "e2e/testdata/sample/want.yaml"); n < 10 {
		t.Fatalf("the sample holds %d objects, want at least 10", n)
	}
}

// TestServerRejectsBrokenManifests shows the server is really checking: each
// manifest has one deliberate defect, and both ways of submitting must refuse
// it with the server's message. Rows without want are defects only istiod's
// webhook catches (see ../istiowebhook); they pin down why both layers run.
func TestServerRejectsBrokenManifests(t *testing.T) {
	needServer(t)
	ensureNamespace(t, "etl")
	ensureNamespace(t, "database")
	for _, tc := range []struct {
		name  string
		yaml  string
		want  string // substring of every refusal; "" = admitted
		apply string // substring of the server-side apply refusal, when it words it differently
	}{
		{
			name:  "Job unknown field",
			yaml:  strings.Replace(job, "imagePullPolicy: IfNotPresent", "imagePullPolcy: IfNotPresent", 1),
			want:  `strict decoding error: unknown field "spec.template.spec.containers[0].imagePullPolcy"`,
			apply: `.spec.template.spec.containers[name="etl"].imagePullPolcy: field not declared in schema`,
		},
		{
			name: "Job restartPolicy Always",
			yaml: strings.Replace(job, "restartPolicy: Never", "restartPolicy: Always", 1),
			want: `spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"`,
		},
		{
			name: "Job in a namespace that does not exist",
			yaml: strings.Replace(job, "namespace: etl", "namespace: nowhere", 1),
			want: `namespaces "nowhere" not found`,
		},
		{
			name: "CronJob bad schedule",
			yaml: `apiVersion: batch/v1
kind: CronJob
metadata: {name: etl-daily, namespace: etl}
spec:
  schedule: "61 2 * * *"
  jobTemplate:
    spec:
` + indent(jobSpec, "      "),
			want: `spec.schedule: Invalid value: "61 2 * * *": end of range (61) above maximum (59)`,
		},
		{
			name:  "ServiceEntry unknown field",
			yaml:  strings.Replace(serviceEntry, "resolution: DNS", "resolutions: DNS", 1),
			want:  `strict decoding error: unknown field "spec.resolutions"`,
			apply: `.spec.resolutions: field not declared in schema`,
		},
		{
			name: "ServiceEntry port 70000 (CEL)",
			yaml: strings.Replace(serviceEntry, "number: 5432", "number: 70000", 1),
			want: "spec.ports[0].number: Invalid value: 70000: port must be between 1-65535",
		},
		{
			name: "PeerAuthentication portLevelMtls without selector (CEL)",
			yaml: manifests.PortLevelMTLSWithoutSelector,
			want: "spec: Invalid value: portLevelMtls requires selector",
		},
		{
			name: "PeerAuthentication unknown mode (enum)",
			yaml: manifests.UnknownMTLSMode,
			want: `spec.mtls.mode: Unsupported value: "STRICTER"`,
		},
		{
			name: "DestinationRule simple and consistentHash load balancer (oneOf)",
			yaml: `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reports-api, namespace: etl}
spec:
  host: reports-api.reports.svc.cluster.local
  trafficPolicy:
    loadBalancer:
      simple: ROUND_ROBIN
      consistentHash: {httpHeaderName: x-user}`,
			want: `"spec.trafficPolicy.loadBalancer" must validate one and only one schema (oneOf)`,
		},
		{
			// istiod's webhook: "host must be of form namespace/dnsName".
			name: "Sidecar egress host without namespace (Istio-only)",
			yaml: manifests.EgressHostWithoutNamespace,
		},
		{
			// istiod's webhook: "`provider` must not be with non CUSTOM action".
			name: "AuthorizationPolicy DENY with provider (Istio-only)",
			yaml: `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: broken, namespace: database}
spec:
  selector:
    matchLabels: {app: postgres}
  action: DENY
  provider: {name: ext-authz}
  rules:
    - to:
        - operation: {ports: ["5432"]}`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := manifests.MustDecode(t, tc.name, tc.yaml)[0]
			errs, warns := submit(t, o)
			if tc.want == "" {
				if len(errs) > 0 {
					t.Fatalf("the server refuses it (%v); if it now catches this, give the row a want", errs)
				}
				return
			}
			if len(errs) != 2 {
				t.Fatalf("%d of 2 submissions refused it (%v), want both", len(errs), errs)
			}
			for i, err := range errs {
				want := tc.want
				if i == 1 && tc.apply != "" {
					want = tc.apply
				}
				if !strings.Contains(err.Error(), want) {
					t.Errorf("refusal %q does not contain %q", err, want)
				}
			}
			t.Logf("refusals: %v; warnings: %q", errs, warns)
		})
	}
}

const jobSpec = `backoffLimit: 2
template:
  metadata:
    labels: {app: etl-daily}
  spec:
    serviceAccountName: etl-daily
    restartPolicy: Never
    containers:
      - name: etl
        image: registry.example.com/etl:1.4.2
        imagePullPolicy: IfNotPresent
`

var job = `apiVersion: batch/v1
kind: Job
metadata: {name: etl-backfill, namespace: etl}
spec:
` + indent(jobSpec, "  ")

const serviceEntry = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: pg-example-com, namespace: etl}
spec:
  hosts: [pg.example.com]
  addresses: [203.0.113.10]
  location: MESH_EXTERNAL
  resolution: DNS
  ports:
    - number: 5432
      name: tcp-postgres
      protocol: TCP
`

func indent(s, prefix string) string {
	lines := strings.SplitAfter(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "") + "\n"
}

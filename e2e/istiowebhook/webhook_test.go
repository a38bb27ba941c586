package istiowebhook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"istio.io/istio/pkg/config/schema/collections"
	"istio.io/istio/pkg/log"
	"istio.io/istio/pkg/webhooks/validation/server"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/meshbatch/meshbatch/e2e/internal/manifests"
)

// webhook is istiod's validation handler, set up as istiod does it
// (pilot/pkg/bootstrap/validation.go) with the default domain suffix.
var webhook = func() http.Handler {
	// It logs every denial at info level; the tests report them instead.
	log.FindScope("validationServer").SetOutputLevel(log.ErrorLevel)
	mux := http.NewServeMux()
	if _, err := server.New(server.Options{
		Schemas:      collections.PilotGatewayAPI(),
		DomainSuffix: "cluster.local",
		Mux:          mux,
	}); err != nil {
		panic(err)
	}
	return mux
}()

// admit sends o to the webhook as the API server would on a dry-run create and
// returns the webhook's warnings, or its denial as an error.
func admit(t testing.TB, o manifests.Object) ([]string, error) {
	t.Helper()
	gvk := o.GroupVersionKind()
	dryRun := true
	review := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID:       types.UID("e2e"),
			Kind:      metav1.GroupVersionKind{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind},
			Name:      o.GetName(),
			Namespace: o.GetNamespace(),
			Operation: admissionv1.Create,
			Object:    runtime.RawExtension{Raw: o.JSON},
			DryRun:    &dryRun,
		},
	}
	body, err := json.Marshal(review)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/validate", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	webhook.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("webhook answered HTTP %d: %s", rec.Code, rec.Body)
	}
	var out admissionv1.AdmissionReview
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("decoding the webhook's answer: %v\n%s", err, rec.Body)
	}
	resp := out.Response
	if resp == nil || resp.UID != "e2e" {
		t.Fatalf("webhook answer without a matching response: %s", rec.Body)
	}
	if !resp.Allowed {
		msg := "denied without a message"
		if resp.Result != nil {
			msg = resp.Result.Message
		}
		return resp.Warnings, fmt.Errorf("%s", msg)
	}
	return resp.Warnings, nil
}

// checkAdmitted validates every Istio object of a file and returns how many
// there were. Warnings fail too: istiod sends them to whoever applies the
// manifest ("Warning: ..." from kubectl), and generated output that makes
// users read warnings is a defect, not a style question.
func checkAdmitted(t *testing.T, file string) int {
	n := 0
	for _, o := range manifests.Load(t, file) {
		if !o.IsIstio() {
			continue
		}
		n++
		warnings, err := admit(t, o)
		if err != nil {
			t.Errorf("%s document %d (%s): istiod's webhook rejects it: %v", file, o.Doc, o.ID(), err)
		}
		for _, w := range warnings {
			t.Errorf("%s document %d (%s): istiod's webhook warns: %s", file, o.Doc, o.ID(), w)
		}
	}
	return n
}

// TestGoldensPassIstioValidation runs every Istio object of every golden case
// through the webhook.
func TestGoldensPassIstioValidation(t *testing.T) {
	total := 0
	for _, f := range manifests.Goldens(t) {
		t.Run(f, func(t *testing.T) { total += checkAdmitted(t, f) })
	}
	if total == 0 {
		t.Fatalf("the goldens (%s) hold no Istio object: nothing was validated", manifests.GoldenGlob)
	}
	t.Logf("validated %d Istio objects", total)
}

// TestSamplePassesIstioValidation keeps the hand-written sample (every Istio
// kind meshbatch emits) valid, so the negative controls below mutate a known
// good shape.
func TestSamplePassesIstioValidation(t *testing.T) {
	if n := checkAdmitted(t, "e2e/testdata/sample/want.yaml"); n < 5 {
		t.Fatalf("the sample holds %d Istio objects, want at least 5", n)
	}
}

// TestWebhookRejectsBrokenManifests shows the webhook is really checking: each
// manifest has one deliberate defect. The rows marked cluster-only are defects
// this layer cannot see (the API server's CRD schema catches them); they pin
// down why both layers run.
func TestWebhookRejectsBrokenManifests(t *testing.T) {
	for _, tc := range []struct {
		name string
		yaml string
		want string // substring of the denial; "" = the webhook admits it
		warn string // substring of a warning, when the defect only warns
	}{
		{
			name: "AuthorizationPolicy DENY with provider",
			yaml: ap(`  action: DENY
  provider:
    name: ext-authz
  rules:
    - to:
        - operation:
            ports: ["5432"]`),
			want: "`provider` must not be with non CUSTOM action",
		},
		{
			name: "AuthorizationPolicy source with only an empty notPrincipals",
			yaml: ap(`  rules:
    - from:
        - source:
            notPrincipals: []`),
			want: "`from.source` must not be empty",
		},
		{
			name: "ServiceEntry port 70000",
			yaml: se(`    - number: 70000
      name: tcp-postgres
      protocol: TCP`),
			want: "port number 70000 must be in the range 1..65535",
		},
		{
			name: "PeerAuthentication portLevelMtls without selector",
			yaml: manifests.PortLevelMTLSWithoutSelector,
			want: "mesh/namespace peer authentication cannot have port level mTLS",
		},
		{
			name: "PeerAuthentication unknown mode",
			yaml: manifests.UnknownMTLSMode,
			want: `unknown value "\"STRICTER\"" for enum`,
		},
		{
			name: "DestinationRule credentialName with caCertificates",
			yaml: `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: kafka, namespace: etl}
spec:
  host: kafka.example.com
  trafficPolicy:
    tls:
      mode: SIMPLE
      credentialName: kafka-ca
      caCertificates: /etc/ssl/certs/ca-certificates.crt`,
			want: "cannot specify client certificates or CA certificate or CA CRL If credentialName is set",
		},
		{
			name: "unknown top-level field",
			yaml: `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: kafka, namespace: etl}
spec: {host: kafka.example.com}
specs: {host: kafka.example.com}`,
			want: `unknown field "specs"`,
		},
		{
			name: "Sidecar egress host without namespace",
			yaml: manifests.EgressHostWithoutNamespace,
			want: "host must be of form namespace/dnsName",
		},
		{
			name: "Sidecar duplicated egress host (warning)",
			yaml: `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: etl, namespace: etl}
spec:
  egress:
    - hosts: ["./*", "./*"]`,
			warn: "duplicated egress host",
		},
		{
			// Cluster-only: the webhook drops unknown fields inside spec; the
			// API server's strict field validation rejects them.
			name: "ServiceEntry unknown spec field (cluster-only)",
			yaml: strings.Replace(se(`    - number: 5432
      name: tcp-postgres
      protocol: TCP`), "resolution: DNS", "resolutions: DNS", 1),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs := manifests.MustDecode(t, tc.name, tc.yaml)
			warnings, err := admit(t, objs[0])
			switch {
			case tc.want != "" && err == nil:
				t.Fatalf("webhook admitted it, want a denial containing %q", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Fatalf("denial %q does not contain %q", err, tc.want)
			case tc.want == "" && err != nil:
				t.Fatalf("webhook denied it (%v); if Istio now catches this, move the row to the rejected ones", err)
			}
			if tc.warn != "" && !strings.Contains(strings.Join(warnings, "\n"), tc.warn) {
				t.Fatalf("warnings %q do not contain %q", warnings, tc.warn)
			}
			t.Logf("denial: %v; warnings: %q", err, warnings)
		})
	}
}

func ap(spec string) string {
	return `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: broken, namespace: database}
spec:
  selector:
    matchLabels: {app: postgres}
` + spec
}

func se(ports string) string {
	return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: pg-example-com, namespace: etl}
spec:
  hosts: [pg.example.com]
  addresses: [203.0.113.10]
  location: MESH_EXTERNAL
  resolution: DNS
  ports:
` + ports
}

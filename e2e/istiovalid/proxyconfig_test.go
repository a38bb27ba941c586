package istiovalid

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	meshv1alpha1 "istio.io/api/mesh/v1alpha1"
	"istio.io/istio/pkg/kube/inject"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/meshbatch/meshbatch/e2e/internal/manifests"
	"github.com/meshbatch/meshbatch/pkg/istiovalid"
)

const proxyConfigAnnotation = "proxy.istio.io/config"

// podAnnotations collects the values of every annotation the injector
// checks, from every pod template and pod of the seeds.
func podAnnotations(t *testing.T) map[string][]string {
	out := map[string][]string{}
	eachDocument(t, func(_ string, o manifests.Object) {
		for _, path := range [][]string{
			{"metadata", "annotations"},
			{"spec", "template", "metadata", "annotations"},
			{"spec", "jobTemplate", "spec", "template", "metadata", "annotations"},
		} {
			anns, _, _ := unstructured.NestedStringMap(o.Object, path...)
			for k, v := range anns {
				if _, ok := inject.AnnotationValidation[k]; ok && !slices.Contains(out[k], v) {
					out[k] = append(out[k], v)
				}
			}
		}
	})
	return out
}

// proxyConfigTexts are written forms the two decoders might read apart:
// Go durations, nulls, numbers as strings, unknown fields, YAML.
var proxyConfigTexts = []string{
	`{}`, ``, `null`, `[]`, `"x"`, `{"drainDuration": "1m"}`, `{"drainDuration": "1.5s"}`, `{"drainDuration": "0s"}`,
	`{"drainDuration": "500ms"}`, `{"drainDuration": 45}`, `{"drainDuration": null}`, `{"discoveryAddress": null}`,
	`{"discoveryAddress": "istiod.istio-system.svc"}`, `{"discoveryAddress": "istiod:15012"}`, `{"discoveryAddress": ""}`,
	`{"statusPort": 0}`, `{"statusPort": "15020"}`, `{"statusPort": 70000}`, `{"proxyAdminPort": -1}`,
	`{"controlPlaneAuthPolicy": "INHERIT"}`, `{"controlPlaneAuthPolicy": 1}`, `{"controlPlaneAuthPolicy": 7}`,
	`{"tracing": {"zipkin": {"address": "zipkin.istio-system:9411"}}}`, `{"tracing": {"zipkin": {"address": "zipkin"}}}`,
	`{"tracing": {"zipkin": {"address": "$(HOST_IP):9411"}}}`, `{"tracing": {"datadog": {"address": "$(HOST_IP):8126"}}}`,
	`{"tracing": {"lightstep": {"address": "ls:443"}}}`, `{"tracing": {"lightstep": {"address": "ls:443", "accessToken": "t"}}}`,
	`{"tracing": {"tlsSettings": {"mode": "MUTUAL"}}}`, `{"tracing": {"tlsSettings": {"mode": "SIMPLE", "credentialName": "configmap://a/b"}}}`,
	`{"tracing": {"customTags": {"a": null}}}`, `{"tracing": {"customTags": {"a": {}}}}`,
	`{"statsdUdpAddress": "statsd:8125"}`, `{"statsdUdpAddress": "statsd"}`, `{"envoyMetricsService": {"address": "ems"}}`,
	`{"envoyAccessLogService": {"address": "als:9000"}}`, `{"envoyMetricsServiceAddress": "x:1"}`,
	`{"proxyMetadata": {"ISTIO_META_DNS_AUTO_ALLOCATE": "true"}}`, `{"holdApplicationUntilProxyStarts": "true"}`,
	`{"holdApplicationUntilProxyStarts": true, "unknownField": 1}`, `{"holdApplicationUntilProxyStart": true}`,
	`{"privateKeyProvider": {}}`, `{"privateKeyProvider": {"cryptomb": {}}}`, `{"privateKeyProvider": {"qat": {"pollDelay": "0s"}}}`,
	`{"privateKeyProvider": {"cryptomb": {"pollDelay": "10ms"}}}`, `{"serviceCluster": ""}`, `{"tracingServiceName": "APP_LABEL_AND_NAMESPACE"}`,
	`{"configPath": ""}`, `{"binaryPath": ""}`, `{"concurrency": 2}`, `{"concurrency": "2"}`, `{"concurrency": 2.5}`,
	`{"connectionSettings": {"httpMaxConcurrentStreams": 0}}`, `{"connectionSettings": {"http2InitialStreamWindowSize": 100}}`,
	`{"connectionSettings": {"httpIdleTimeout": "-1s"}}`, `{"drain_duration": "10s"}`, `{"discovery_address": "x"}`,
	"holdApplicationUntilProxyStarts: yes", "drainDuration: 10s\nstatusPort: 15021", "terminationDrainDuration: 30s",
	"{holdApplicationUntilProxyStarts: true", "statusPort: 1e3", `{"statusPort": 15020.0}`, `{"statusPort": 1.5}`,
	`{"proxyStatsMatcher": {"inclusionRegexps": [".*"]}}`, `{"readinessProbe": {"httpGet": {"port": 15021}}}`,
	`{"image": {"imageType": "distroless"}}`, `{"proxyHeaders": {"server": {"disabled": true}}}`,
}

func proxyConfigSeeds(t *testing.T) []string {
	seeds := slices.Concat(proxyConfigTexts, olderProxyConfigTexts)
	seeds = append(seeds, podAnnotations(t)[proxyConfigAnnotation]...)
	return seeds
}

// TestProxyConfigAgreesWithInjector holds istiovalid.ProxyConfigAnnotation
// to the injector's check of proxy.istio.io/config: the written forms, the
// fixtures' and corpus's values and a seeded stream of mutations.
func TestProxyConfigAgreesWithInjector(t *testing.T) {
	check := inject.AnnotationValidation[proxyConfigAnnotation]
	seeds := proxyConfigSeeds(t)
	disagree := func(v string) string {
		istioErr := check(v)
		ours := istiovalid.ProxyConfigAnnotation(v)
		if ours.Rejected() == (istioErr != nil) {
			return ""
		}
		return fmt.Sprintf("proxy.istio.io/config %q: the injector says %v; meshbatch says %v", v, istioErr, ours)
	}
	for _, s := range seeds {
		if d := disagree(s); d != "" {
			t.Error(d)
		}
	}
	const n = 3000
	rejected, failures := 0, 0
	for _, v := range proxyConfigMutations(seeds, n) {
		if check(v) != nil {
			rejected++
		}
		if d := disagree(v); d != "" {
			failures++
			if failures <= 20 {
				t.Error(d)
			}
		}
	}
	if rejected < n/10 || rejected > n*9/10 {
		t.Errorf("the injector rejected %d of %d mutations: the mutator should give both verdicts often", rejected, n)
	}
	t.Logf("%d seeds, %d mutations, %d rejected by the injector, %d disagreements", len(seeds), n, rejected, failures)
}

// proxyConfigMutations are n seeded mutations of the seeds, as JSON.
func proxyConfigMutations(seeds []string, n int) []string {
	r := rand.New(rand.NewPCG(16, 6))
	out := make([]string, 0, n)
	for i := range n {
		pc := &meshv1alpha1.ProxyConfig{}
		_ = protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal([]byte(jsonOf(seeds[i%len(seeds)])), pc)
		for range 1 + r.IntN(3) {
			mutate(r, pc)
		}
		js, err := protojson.Marshal(pc)
		if err != nil {
			panic(err) // a message protojson made cannot fail to marshal
		}
		out = append(out, string(js))
	}
	return out
}

// olderProxyConfigTexts set the fields and values whose verdict differs
// between releases (docs/istio-validation-versions.md, MB204).
var olderProxyConfigTexts = []string{
	`{"connectionSettings": {"httpIdleTimeout": 5}}`, `{"connectionSettings": {"httpIdleTimeout": "60s"}, "statusPort": 0}`,
	`{"connectionSettings": {"profile": "EDGE", "listenerConnectionLimit": 0}}`, `{"connection_settings": {"http_drain_timeout": "x"}}`,
	`{"fileFlushInterval": "x"}`, `{"fileFlushMinSizeKb": -1}`, `{"statsCompression": "yes"}`,
	`{"proxyHeaders": {"xForwardedHost": {"enabled": "no"}}}`, `{"proxyHeaders": {"xForwardedPort": 1, "server": {"disabled": true}}}`,
	`{"proxyHeaders": {"setCurrentClientCertDetails": {"uri": 3}}}`, `{"proxyHeaders": {"preserveHttp1HeaderCase": "x"}}`,
	`{"tracing": {"enableIstioTags": "maybe", "zipkin": {"address": "zipkin:9411"}}}`,
	`{"tracing": {"tlsSettings": {"mode": "SIMPLE", "credentialName": "configmap://istio-system/ca"}}}`,
	`{"proxyMetadata": {"ISTIO_META_DNS_AUTO_ALLOCATE": "true"}}`,
}

// TestProxyConfigAgreesWithOlderIstio holds ProxyConfigAnnotationAt for an
// older release to that release's injector check, run by the program
// hack/istio-verdict.sh builds (MESHBATCH_ISTIO_VERDICT, as for
// TestValidationAgreesWithOlderIstio), on the seeds and mutations of
// TestProxyConfigAgreesWithInjector, more of them.
func TestProxyConfigAgreesWithOlderIstio(t *testing.T) {
	ver, r, patch, prog := olderIstio(t)
	seeds := proxyConfigSeeds(t)
	const n = 20000
	compared, rejected, failures := 0, 0, 0
	for _, v := range append(slices.Clone(seeds), proxyConfigMutations(seeds, n)...) {
		theirs := prog.proxyConfigVerdict(t, v)
		ours, _ := istiovalid.ProxyConfigAnnotationAt(r, v)
		compared++
		istioRejects := strings.HasPrefix(theirs, "reject")
		if istioRejects {
			rejected++
		}
		if rejectsAt(t, ours, patch) != istioRejects {
			failures++
			if failures <= 20 {
				t.Errorf("proxy.istio.io/config %q: Istio %s says %s; meshbatch says %v", v, ver, theirs, ours)
			}
		}
	}
	if rejected < compared/10 || rejected > compared*9/10 {
		t.Errorf("Istio %s rejected %d of %d values: the mutator should give both verdicts often", ver, rejected, compared)
	}
	t.Logf("Istio %s: %d proxy.istio.io/config values compared, %d rejected, %d disagreements", ver, compared, rejected, failures)
}

// jsonOf is s when it is a JSON object, else "{}".
func jsonOf(s string) string {
	if strings.HasPrefix(strings.TrimSpace(s), "{") {
		return s
	}
	return "{}"
}

// annotationValues are values for the other annotations the injector
// checks.
var annotationValues = []string{
	"", " ", "*", "0", "1", "-1", "15020", "65535", "65536", "1,2", "1, 2", "1,,2", "a", "true", "True", "yes", "0.5",
	"REDIRECT", "TPROXY", "NONE", "redirect", "10.0.0.0/8", "10.0.0.0/8,192.168.0.0/16", "10.0.0.1", "10.0.0.0/33",
	"::/0", "eth0", "eth0,net1", "eth0,", "0eth", "averyveryverylongname", "100m", "1Gi", "1.5", "1e3", "1Ki\n",
	"4294967295", "4294967296", "\u201ctrue\u201d",
}

// TestPodAnnotationsAgreeWithInjector holds istiovalid.PodAnnotationValue to
// the injector's AnnotationValidation for every annotation it checks.
func TestPodAnnotationsAgreeWithInjector(t *testing.T) {
	seen := podAnnotations(t)
	n := 0
	for name, check := range inject.AnnotationValidation {
		if !istiovalid.ChecksPodAnnotation(name) {
			t.Errorf("meshbatch does not check the annotation %s, which the injector checks", name)
			continue
		}
		if name == proxyConfigAnnotation {
			continue // TestProxyConfigAgreesWithInjector
		}
		for _, v := range append(slices.Clone(annotationValues), seen[name]...) {
			n++
			istioErr := check(v)
			ours := istiovalid.PodAnnotationValue(name, v)
			if (ours != nil) != (istioErr != nil) {
				t.Errorf("%s: %q: the injector says %v; meshbatch says %v", name, v, istioErr, ours)
			}
		}
	}
	t.Logf("%d annotation values compared", n)
}

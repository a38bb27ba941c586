package mesh

// Well-known keys, spelled once.
const (
	LabelInject        = "sidecar.istio.io/inject" // pod label (the annotation form is deprecated)
	LabelRev           = "istio.io/rev"            // namespace or pod label
	LabelNSInjection   = "istio-injection"         // namespace label
	LabelDataplaneMode = "istio.io/dataplane-mode" // namespace or pod label: ambient | none
	AnnotNative        = "sidecar.istio.io/nativeSidecar"
	AnnotProxyConfig   = "proxy.istio.io/config"
	AnnotProxyCPU      = "sidecar.istio.io/proxyCPU"
	AnnotProxyMemory   = "sidecar.istio.io/proxyMemory"
	AnnotProxyCPULimit = "sidecar.istio.io/proxyCPULimit"
	AnnotProxyMemLimit = "sidecar.istio.io/proxyMemoryLimit"
	// AnnotStatus is what the injector writes on every pod it injects.
	AnnotStatus = "sidecar.istio.io/status"
	// AnnotStatusPort moves pilot-agent's status server (readiness,
	// /quitquitquit) off DefaultStatusPort; 0 turns it off.
	AnnotStatusPort = "status.sidecar.istio.io/port"
)

// DefaultStatusPort is pilot-agent's status port (global.proxy.statusPort
// in Istio's chart).
const DefaultStatusPort = 15020

// The mesh root certificate that istiod publishes in every namespace it
// serves (pilot/pkg/features CACertConfigMapName, which
// PILOT_CA_CERT_CONFIGMAP may rename; pkg/config/constants
// CACertNamespaceConfigMapDataName).
const (
	RootCertConfigMap = "istio-ca-root-cert"
	RootCertKey       = "root-cert.pem"
)

// ProxyResourceAnnotations are the four pod annotations that replace the
// injector's default proxy resources; setting any of them drops the
// defaults for all four.
var ProxyResourceAnnotations = []string{AnnotProxyCPU, AnnotProxyMemory, AnnotProxyCPULimit, AnnotProxyMemLimit}

// AnnotJob is the annotation `meshbatch generate` puts on the objects it
// makes for one Job, "<namespace>/<job name>": it pairs an
// AuthorizationPolicy in a destination namespace with the Job it admits.
const AnnotJob = "meshbatch.dev/job"

// Well-known Istio keys the mesh rules read.
const (
	MetaDNSCapture      = "ISTIO_META_DNS_CAPTURE"
	MetaDNSAutoAllocate = "ISTIO_META_DNS_AUTO_ALLOCATE"
	EnvSecretTTL        = "SECRET_TTL"
	LabelAutoallocate   = "networking.istio.io/enable-autoallocate-ip"
)

package generate

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// Defaults, documented in docs/jobspec.md.
const (
	// DefaultDeadline bounds a run when maxDuration is not given: a hung
	// app, or a native sidecar that never became ready (kubernetes#125880),
	// would otherwise keep the pod forever.
	DefaultDeadline = 24 * time.Hour
	// DefaultTTLAfterFinished keeps a finished Job a day for its logs.
	DefaultTTLAfterFinished = 24 * time.Hour
	// MinCertTTL and MaxCertTTL bound SECRET_TTL: below an hour the proxy
	// rotates constantly; above MAX_WORKLOAD_CERT_TTL (istiod's default is
	// 90 days) the CSR is refused and the proxy never becomes ready.
	MinCertTTL = time.Hour
	MaxCertTTL = mesh.DefaultMaxCertTTL
)

// DefaultProxy are the proxy resources set when mesh.proxy leaves some
// out: all four annotations are always written, because setting any one
// drops the injector's defaults for the other three.
var DefaultProxy = Resources{CPU: "100m", Memory: "128Mi", CPULimit: "1", MemoryLimit: "256Mi"}

// Mode is how the job's pod joins the mesh.
type Mode int

// Modes, resolved from mesh.dataplane and the versions.
const (
	ModeNativeSidecar  Mode = iota + 1 // istio-proxy as a Kubernetes native sidecar
	ModeClassicSidecar                 // istio-proxy as an ordinary container
	ModeAmbient                        // no sidecar: ztunnel on the node
)

func (m Mode) String() string {
	switch m {
	case ModeNativeSidecar:
		return DataplaneNativeSidecar
	case ModeClassicSidecar:
		return DataplaneSidecar
	case ModeAmbient:
		return DataplaneAmbient
	}
	return "unknown"
}

// Sidecar reports whether the pod gets an istio-proxy container.
func (m Mode) Sidecar() bool { return m == ModeNativeSidecar || m == ModeClassicSidecar }

// Job is a validated job spec with every default applied; the objects are
// built from it alone.
type Job struct {
	Source            string    // the spec file as named on the command line
	Notes             []Problem // warnings about a valid spec, for standard error
	Name, Namespace   string
	Labels            map[string]string // the user's labels, for every job object
	Image             string
	Command, Args     []string
	Env               []corev1.EnvVar
	Schedule          string // "" for a Job
	ServiceAccount    string
	Deadline          time.Duration
	BackoffLimit      *int32
	TTLAfterFinished  time.Duration
	Resources         corev1.ResourceRequirements
	Mode              Mode
	Revision          string // the istio.io/rev of the namespace; "" for the default injector
	IstioVersion      mesh.Version
	KubernetesVersion mesh.Version
	KubeletVersion    mesh.Version // as the spec states it; unknown when not given
	TrustDomain       string
	// Declared are the cluster facts the spec gives (or --facts filled
	// in), written on the job's objects for lint (lint.AnnotFacts).
	Declared       lint.RawFacts
	Proxy          *ProxyResources // nil in ambient mode
	CertTTL        time.Duration   // 0: not set
	OutboundPolicy string          // of the Sidecar resource; "" in ambient mode
	AutoMTLS       bool            // the mesh's enableAutoMtls
	InMesh         []InMeshDestination
	External       []ExternalDestination // spec.destinations, then well-known STS endpoints
	KubernetesAPI  bool                  // the job calls the API server (wellKnownDestinations)
	CloudMetadata  bool                  // the job calls the metadata server (wellKnownDestinations)
}

// ProxyResources are the four proxy resource annotations' values.
type ProxyResources struct {
	CPU, Memory, CPULimit, MemoryLimit resource.Quantity
}

// InMeshDestination is a Kubernetes Service in the mesh.
type InMeshDestination struct {
	Name       string
	Service    string // the Service's name
	Namespace  string // the Service's namespace
	Port       int32  // the Service port the job connects to
	TargetPort int32  // the server pods' port, which the policy matches
	Selector   map[string]string
}

// Host is the Service's FQDN.
func (d InMeshDestination) Host() string {
	return d.Service + "." + d.Namespace + ".svc.cluster.local"
}

// ExternalDestination is a host outside the mesh.
type ExternalDestination struct {
	Name      string
	Host      string
	Port      int32 // the server's port
	Protocol  string
	TLS       string
	AppPort   int32 // with TLS originate: the port the app sends plain text to
	Addresses []string
}

// nativeKubelets says whether every kubelet that may run the pod supports
// native sidecars (1.29 or later, where SidecarContainers is on by
// default). An older kubelet runs an init container with restartPolicy:
// Always as an ordinary one, which never exits, so the pod stays in Init.
// The oldest kubelet decides, not the API server: kubelets may be up to
// three minors older than the API server and never newer (Kubernetes'
// version skew policy). Without the kubelet's version, an API server at
// 1.32 or later implies kubelets at 1.29 or later, one below 1.29 implies
// older kubelets, and anything between is unknown.
func (j *Job) nativeKubelets() mesh.Tri {
	if j.KubeletVersion.Known() {
		return j.KubeletVersion.AtLeast(1, 29)
	}
	api := j.KubernetesVersion
	switch {
	case !api.Known():
		return mesh.Unknown
	case api.AtLeast(1, 29) == mesh.No:
		return mesh.No
	case api.AtLeast(1, 32) == mesh.Yes:
		return mesh.Yes
	}
	return mesh.Unknown
}

// kubeletWords says what the spec tells of the kubelets.
func (j *Job) kubeletWords() string {
	if j.KubeletVersion.Known() {
		return "kubelets from " + j.KubeletVersion.String()
	}
	return "Kubernetes " + j.KubernetesVersion.String()
}

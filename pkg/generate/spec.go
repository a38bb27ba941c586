package generate

// The job spec, as users write it. Field names are the contract (docs,
// JSON Schema, did-you-mean suggestions all come from the json tags), so
// rename nothing. Values stay as written (durations and quantities are
// strings) and are checked in validate.go, which knows their positions.

// APIVersion and Kind of the job spec.
const (
	SpecAPIVersion = "meshbatch.dev/v1alpha1"
	SpecKind       = "BatchJob"
)

// BatchJob is one batch job: a Job or a CronJob and what it talks to.
type BatchJob struct {
	APIVersion string       `json:"apiVersion"`
	Kind       string       `json:"kind"`
	Metadata   SpecMetadata `json:"metadata"`
	Spec       JobSpec      `json:"spec"`
}

// SpecMetadata names the job.
type SpecMetadata struct {
	Name      string            `json:"name"`
	Namespace string            `json:"namespace"`
	Labels    map[string]string `json:"labels,omitempty"`
}

// JobSpec describes the workload and its mesh setup.
type JobSpec struct {
	Image            string        `json:"image"`
	Command          []string      `json:"command,omitempty"`
	Args             []string      `json:"args,omitempty"`
	Env              []EnvVar      `json:"env,omitempty"`
	Schedule         string        `json:"schedule,omitempty"`
	ServiceAccount   string        `json:"serviceAccount,omitempty"`
	MaxDuration      string        `json:"maxDuration,omitempty"`
	Retries          *int32        `json:"retries,omitempty"`
	TTLAfterFinished string        `json:"ttlAfterFinished,omitempty"`
	Resources        *Resources    `json:"resources,omitempty"`
	Mesh             Mesh          `json:"mesh"`
	Destinations     []Destination `json:"destinations,omitempty"`
	// WellKnownDestinations names platform endpoints the job reaches
	// (wellknown.go).
	WellKnownDestinations []string `json:"wellKnownDestinations,omitempty"`
}

// EnvVar is an environment variable of the app container: a literal value
// or a key of a Secret.
type EnvVar struct {
	Name         string        `json:"name"`
	Value        *string       `json:"value,omitempty"`
	SecretKeyRef *SecretKeyRef `json:"secretKeyRef,omitempty"`
}

// SecretKeyRef names one key of a Secret in the job's namespace.
type SecretKeyRef struct {
	Name string `json:"name"`
	Key  string `json:"key"`
}

// Resources are CPU and memory requests and limits, as Kubernetes
// quantities.
type Resources struct {
	CPU         string `json:"cpu,omitempty"`
	Memory      string `json:"memory,omitempty"`
	CPULimit    string `json:"cpuLimit,omitempty"`
	MemoryLimit string `json:"memoryLimit,omitempty"`
}

// Mesh says what the cluster runs and how the job joins the mesh.
type Mesh struct {
	IstioVersion          string     `json:"istioVersion,omitempty"`
	KubernetesVersion     string     `json:"kubernetesVersion,omitempty"`
	KubeletVersion        string     `json:"kubeletVersion,omitempty"`
	Dataplane             string     `json:"dataplane,omitempty"`
	Revision              string     `json:"revision,omitempty"`
	TrustDomain           string     `json:"trustDomain,omitempty"`
	Proxy                 *Resources `json:"proxy,omitempty"`
	CertTTL               string     `json:"certTTL,omitempty"`
	OutboundTrafficPolicy string     `json:"outboundTrafficPolicy,omitempty"`
	AutoMTLS              *bool      `json:"autoMTLS,omitempty"`
}

// Destination is something the job connects to: an in-mesh Service
// (service) or an external host (host).
type Destination struct {
	Name    string `json:"name"`
	Service string `json:"service,omitempty"` // in-mesh: <service>.<namespace>
	Host    string `json:"host,omitempty"`    // external: a DNS name
	Port    int32  `json:"port"`
	// In-mesh destinations only.
	WorkloadSelector map[string]string `json:"workloadSelector,omitempty"`
	TargetPort       int32             `json:"targetPort,omitempty"`
	// External destinations only.
	Protocol  string   `json:"protocol,omitempty"`
	TLS       string   `json:"tls,omitempty"`
	AppPort   int32    `json:"appPort,omitempty"`
	Addresses []string `json:"addresses,omitempty"`
}

// Dataplane values of spec.mesh.dataplane.
const (
	DataplaneAuto          = "auto"
	DataplaneNativeSidecar = "native-sidecar"
	DataplaneSidecar       = "sidecar"
	DataplaneAmbient       = "ambient"
)

// Protocols of external destinations.
const (
	ProtoHTTP     = "HTTP"
	ProtoHTTPS    = "HTTPS"
	ProtoTLS      = "TLS"
	ProtoTCP      = "TCP"
	ProtoGRPC     = "GRPC"
	ProtoPostgres = "POSTGRES"
	ProtoMySQL    = "MYSQL"
)

// TLS modes of external destinations: who speaks TLS to the server.
const (
	TLSApp       = "app"
	TLSOriginate = "originate"
	TLSNone      = "none"
)

// Outbound traffic policies of the job's Sidecar resource.
const (
	OutboundRegistryOnly = "REGISTRY_ONLY"
	OutboundAllowAny     = "ALLOW_ANY"
)

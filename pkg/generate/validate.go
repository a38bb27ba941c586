package generate

import (
	"fmt"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/meshbatch/meshbatch/internal/suggest"
	"github.com/meshbatch/meshbatch/pkg/cron"
	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/manifest"
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

// validator collects problems with their field paths.
type validator struct {
	file  string
	loc   locator
	probs []Problem
	notes []Problem
}

// notef records something the user should know about a valid spec; it
// does not stop generate.
func (v *validator) notef(path, format string, args ...any) {
	v.notes = append(v.notes, Problem{File: v.file, Pos: v.loc.pos(path), Msg: "warning: " + path + ": " + fmt.Sprintf(format, args...)})
}

func (v *validator) errorf(path, format string, args ...any) {
	v.probs = append(v.probs, Problem{File: v.file, Pos: v.loc.pos(path), Msg: path + ": " + fmt.Sprintf(format, args...)})
}

// validate checks the spec and resolves it into a Job.
func validate(file string, s *BatchJob, loc locator) (*Job, error) {
	v := &validator{file: file, loc: loc}
	j := &Job{Source: file}

	switch s.APIVersion {
	case SpecAPIVersion:
	case "":
		v.errorf("apiVersion", "required: write apiVersion: %s", SpecAPIVersion)
	default:
		v.errorf("apiVersion", "%q is not a job spec version; use %s", s.APIVersion, SpecAPIVersion)
	}
	switch s.Kind {
	case SpecKind:
	case "":
		v.errorf("kind", "required: write kind: %s", SpecKind)
	default:
		v.errorf("kind", "%q is not a job spec kind; use %s", s.Kind, SpecKind)
	}

	v.metadata(j, s.Metadata)
	v.workload(j, &s.Spec)
	v.mesh(j, &s.Spec)
	v.destinations(j, s.Spec.Destinations)
	v.wellKnown(j, s.Spec.WellKnownDestinations, s.Spec.Destinations)

	if len(v.probs) > 0 {
		return nil, newSpecError(file, v.probs)
	}
	j.Notes = v.notes
	return j, nil
}

func (v *validator) metadata(j *Job, m SpecMetadata) {
	j.Name, j.Namespace = m.Name, m.Namespace
	v.dnsLabel("metadata.name", m.Name, true)
	if v.dnsLabel("metadata.namespace", m.Namespace, true) {
		switch m.Namespace {
		case "kube-system", "kube-public":
			v.errorf("metadata.namespace", "Istio never injects pods in %s; run the job in a namespace of its own", m.Namespace)
		}
	}
	for _, k := range sortedKeys(m.Labels) {
		path := "metadata.labels" + keySeg(k)
		if reason := reservedLabel(k); reason != "" {
			v.errorf(path, "%s", reason)
			continue
		}
		v.labelPair(path, k, m.Labels[k])
	}
	j.Labels = m.Labels
}

// reservedLabel says why a user label key is not allowed, or "".
func reservedLabel(key string) string {
	switch {
	case key == LabelManagedBy || strings.HasPrefix(key, "meshbatch.dev/"):
		return "meshbatch sets this label itself"
	case key == mesh.LabelInject || key == mesh.LabelNSInjection || key == mesh.LabelDataplaneMode || key == mesh.LabelRev:
		return "mesh enrolment comes from spec.mesh.dataplane; remove this label"
	}
	return ""
}

func (v *validator) workload(j *Job, s *JobSpec) {
	switch {
	case s.Image == "":
		v.errorf("spec.image", "required: the container image to run, e.g. registry.example.com/etl:1.4.2")
	case strings.ContainsAny(s.Image, " \t\n"):
		v.errorf("spec.image", "%q contains whitespace", s.Image)
	}
	j.Image = s.Image
	if len(s.Command) > 0 && s.Command[0] == "" {
		v.errorf("spec.command[0]", "the program to run cannot be empty")
	}
	j.Command, j.Args = s.Command, s.Args
	v.env(j, s.Env)

	var interval time.Duration // the schedule's shortest, 0 when unknown
	if s.Schedule != "" {
		interval = v.schedule(s.Schedule)
	}
	j.Schedule = s.Schedule

	j.ServiceAccount = s.ServiceAccount
	if j.ServiceAccount == "" {
		j.ServiceAccount = j.Name
	} else if j.ServiceAccount == "default" {
		v.errorf("spec.serviceAccount", "the default account is shared by every pod of the namespace that names none, "+
			"so a policy that admits it admits them all; leave serviceAccount out (it defaults to metadata.name) or name a dedicated one")
	} else if errs := validation.IsDNS1123Subdomain(j.ServiceAccount); len(errs) > 0 {
		v.errorf("spec.serviceAccount", "%q is not a valid account name (lowercase letters, digits, '-' and '.')", j.ServiceAccount)
	}

	j.Deadline = DefaultDeadline
	if interval > 0 && interval < j.Deadline {
		// A run that hangs past the next one keeps it from starting
		// (concurrencyPolicy: Forbid): the backstop ends it in time.
		j.Deadline = interval
	}
	if s.MaxDuration != "" {
		if d, ok := v.duration("spec.maxDuration", s.MaxDuration); ok {
			switch {
			case d < time.Second:
				v.errorf("spec.maxDuration", "%q is shorter than a second", s.MaxDuration)
			case interval > 0 && d > interval:
				v.errorf("spec.maxDuration", "%s is longer than the shortest time between two runs of schedule %q (%s): the CronJob forbids concurrent runs, "+
					"so a run that takes longer keeps the next from starting on time, and of the runs that fall due meanwhile all are skipped but one, "+
					"which starts late; set maxDuration to %s or less, or run less often", s.MaxDuration, s.Schedule, formatDuration(interval), formatDuration(interval))
			}
			j.Deadline = d
		}
	}
	j.TTLAfterFinished = DefaultTTLAfterFinished
	if s.TTLAfterFinished != "" {
		if d, ok := v.duration("spec.ttlAfterFinished", s.TTLAfterFinished); ok {
			if d.Seconds() > math.MaxInt32 {
				v.errorf("spec.ttlAfterFinished", "%q is too long for Kubernetes (at most %d seconds)", s.TTLAfterFinished, math.MaxInt32)
			}
			j.TTLAfterFinished = d
		}
	}
	if s.Retries != nil && *s.Retries < 0 {
		v.errorf("spec.retries", "%d is negative", *s.Retries)
	}
	j.BackoffLimit = s.Retries

	if s.Resources != nil {
		j.Resources = v.appResources("spec.resources", *s.Resources)
	}
}

func (v *validator) env(j *Job, env []EnvVar) {
	seen := map[string]int{}
	for i, e := range env {
		path := fmt.Sprintf("spec.env[%d]", i)
		switch {
		case e.Name == "":
			v.errorf(path+".name", "required")
		case strings.ContainsAny(e.Name, "=\x00"):
			v.errorf(path+".name", "%q cannot contain '='", e.Name)
		default:
			if first, dup := seen[e.Name]; dup {
				v.errorf(path+".name", "%q is already set by spec.env[%d]", e.Name, first)
			}
			seen[e.Name] = i
		}
		ev := corev1.EnvVar{Name: e.Name}
		switch {
		case e.Value != nil && e.SecretKeyRef != nil:
			v.errorf(path, "set value or secretKeyRef, not both")
		case e.Value != nil:
			ev.Value = *e.Value
		case e.SecretKeyRef != nil:
			ref := e.SecretKeyRef
			if ref.Name == "" {
				v.errorf(path+".secretKeyRef.name", "required: the Secret's name")
			} else if errs := validation.IsDNS1123Subdomain(ref.Name); len(errs) > 0 {
				v.errorf(path+".secretKeyRef.name", "%q is not a valid Secret name", ref.Name)
			}
			if ref.Key == "" {
				v.errorf(path+".secretKeyRef.key", "required: the key in the Secret")
			} else if errs := validation.IsConfigMapKey(ref.Key); len(errs) > 0 {
				v.errorf(path+".secretKeyRef.key", "%q is not a valid Secret key", ref.Key)
			}
			ev.ValueFrom = &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: ref.Name}, Key: ref.Key,
			}}
		default:
			v.errorf(path, "set value (a string) or secretKeyRef (name and key of a Secret)")
		}
		j.Env = append(j.Env, ev)
	}
}

func (v *validator) appResources(path string, r Resources) corev1.ResourceRequirements {
	var out corev1.ResourceRequirements
	set := func(list *corev1.ResourceList, name corev1.ResourceName, field, value string) *resource.Quantity {
		if value == "" {
			return nil
		}
		q, ok := v.quantity(path+"."+field, value)
		if !ok {
			return nil
		}
		if *list == nil {
			*list = corev1.ResourceList{}
		}
		(*list)[name] = q
		return &q
	}
	cpu := set(&out.Requests, corev1.ResourceCPU, "cpu", r.CPU)
	mem := set(&out.Requests, corev1.ResourceMemory, "memory", r.Memory)
	cpuLim := set(&out.Limits, corev1.ResourceCPU, "cpuLimit", r.CPULimit)
	memLim := set(&out.Limits, corev1.ResourceMemory, "memoryLimit", r.MemoryLimit)
	v.limitAtLeast(path, "cpuLimit", cpuLim, "cpu", cpu)
	v.limitAtLeast(path, "memoryLimit", memLim, "memory", mem)
	return out
}

func (v *validator) limitAtLeast(path, limName string, lim *resource.Quantity, reqName string, req *resource.Quantity) {
	if lim != nil && req != nil && lim.Cmp(*req) < 0 {
		v.errorf(path+"."+limName, "%s is below %s.%s %s: a limit must be at least the request", lim.String(), path, reqName, req.String())
	}
}

func (v *validator) mesh(j *Job, s *JobSpec) {
	m := &s.Mesh
	var ok1, ok2, ok3 bool
	j.IstioVersion, ok1 = v.version("spec.mesh.istioVersion", m.IstioVersion)
	j.KubernetesVersion, ok2 = v.version("spec.mesh.kubernetesVersion", m.KubernetesVersion)
	j.KubeletVersion, ok3 = v.version("spec.mesh.kubeletVersion", m.KubeletVersion)
	versionsOK := ok1 && ok2 && ok3
	if j.IstioVersion.Known() && j.IstioVersion.AtLeast(1, 8) == mesh.No {
		v.errorf("spec.mesh.istioVersion", "Istio %s is too old: per-pod holdApplicationUntilProxyStarts needs Istio 1.8 or later", j.IstioVersion)
	}
	if k, api := j.KubeletVersion, j.KubernetesVersion; k.Known() && api.Known() && k.AtLeast(api.Major, api.Minor+1) == mesh.Yes {
		v.errorf("spec.mesh.kubeletVersion", "%s is newer than the API server (%s), which Kubernetes does not support: kubelets may be older than the API server, never newer; give the oldest node's kubelet version", k, api)
	}

	dp := m.Dataplane
	if dp == "" {
		dp = DataplaneAuto
	}
	bothKnown := j.IstioVersion.Known() && j.KubernetesVersion.Known()
	kubelets := j.nativeKubelets()
	nativeOK := j.IstioVersion.AtLeast(1, 24) == mesh.Yes && kubelets == mesh.Yes
	switch dp {
	case DataplaneAuto:
		switch {
		case versionsOK && !bothKnown:
			v.errorf("spec.mesh", "dataplane auto needs both versions: set mesh.istioVersion and mesh.kubernetesVersion, or choose mesh.dataplane (native-sidecar, sidecar or ambient)")
		case versionsOK && j.IstioVersion.AtLeast(1, 24) == mesh.Yes && kubelets == mesh.Unknown:
			v.errorf("spec.mesh", "dataplane auto cannot choose: a native sidecar needs every kubelet that may run the pod at 1.29 or later, "+
				"and kubelets may be up to three minors older than the API server (%s); set mesh.kubeletVersion to the oldest node's kubelet version "+
				"(kubectl get nodes), or choose mesh.dataplane", j.KubernetesVersion)
		}
		j.Mode = ModeClassicSidecar
		if nativeOK {
			j.Mode = ModeNativeSidecar
		}
	case DataplaneNativeSidecar:
		j.Mode = ModeNativeSidecar
		switch {
		case versionsOK && !bothKnown:
			v.errorf("spec.mesh.dataplane", "native-sidecar needs mesh.istioVersion and mesh.kubernetesVersion, to check that the cluster honours it (Istio 1.24+, Kubernetes 1.29+)")
		case j.KubernetesVersion.Known() && j.KubernetesVersion.AtLeast(1, 29) == mesh.No:
			v.errorf("spec.mesh.dataplane", "native sidecars need Kubernetes 1.29 or later (the SidecarContainers feature is on by default from 1.29), and the cluster runs %s: use dataplane: sidecar, or ambient", j.KubernetesVersion)
		case j.KubeletVersion.Known() && kubelets == mesh.No:
			v.errorf("spec.mesh.dataplane", "native sidecars need every kubelet at 1.29 or later, and the oldest runs %s: it would run istio-proxy as an ordinary init container that never exits, "+
				"so the pod would stay in Init; use dataplane: sidecar, or ambient", j.KubeletVersion)
		case j.IstioVersion.Known() && j.IstioVersion.AtLeast(1, 24) == mesh.No:
			v.errorf("spec.mesh.dataplane", "the sidecar.istio.io/nativeSidecar annotation needs Istio 1.24 or later, and the cluster runs %s: use dataplane: sidecar", j.IstioVersion)
		case versionsOK && kubelets == mesh.Unknown:
			v.errorf("spec.mesh.dataplane", "native sidecars need every kubelet that may run the pod at 1.29 or later, and kubelets may be up to three minors older than "+
				"the API server (%s): set mesh.kubeletVersion to the oldest node's kubelet version (kubectl get nodes)", j.KubernetesVersion)
		}
	case DataplaneSidecar:
		j.Mode = ModeClassicSidecar
	case DataplaneAmbient:
		j.Mode = ModeAmbient
		if j.IstioVersion.Known() && j.IstioVersion.AtLeast(1, 24) == mesh.No {
			v.errorf("spec.mesh.dataplane", "ambient mode is stable from Istio 1.24, and the cluster runs %s: use dataplane: sidecar", j.IstioVersion)
		}
	default:
		v.enumError("spec.mesh.dataplane", dp, []string{DataplaneAuto, DataplaneNativeSidecar, DataplaneSidecar, DataplaneAmbient})
	}

	if v.dnsLabel("spec.mesh.revision", m.Revision, false) && j.Mode == ModeAmbient {
		v.errorf("spec.mesh.revision", "ambient namespaces are enrolled by istio.io/dataplane-mode, not by a revision: "+
			"istio.io/rev next to it is a conflicting label (istioctl analyze IST0123); remove mesh.revision")
	}
	j.Revision = m.Revision

	if j.IstioVersion.Known() {
		j.Declared.IstioVersion = j.IstioVersion.String()
	}
	if j.KubernetesVersion.Known() {
		j.Declared.KubernetesVersion = j.KubernetesVersion.String()
	}
	if j.KubeletVersion.Known() {
		j.Declared.KubeletVersion = j.KubeletVersion.String()
	}
	j.Declared.TrustDomain = m.TrustDomain
	j.TrustDomain = m.TrustDomain
	switch {
	case j.TrustDomain == "":
		j.TrustDomain = mesh.DefaultTrustDomain
	case strings.HasPrefix(j.TrustDomain, "spiffe://"):
		v.errorf("spec.mesh.trustDomain", "write the trust domain without spiffe:// (%s): Istio adds the scheme itself, and a principal that carries it never matches", strings.TrimPrefix(j.TrustDomain, "spiffe://"))
	case len(validation.IsDNS1123Subdomain(j.TrustDomain)) > 0:
		v.errorf("spec.mesh.trustDomain", "%q is not a trust domain (a DNS name such as cluster.local)", j.TrustDomain)
	}

	if j.Mode == ModeClassicSidecar {
		why := "dataplane: sidecar"
		if dp == DataplaneAuto {
			why = fmt.Sprintf("dataplane auto picks one, as native sidecars need Istio 1.24+ and every kubelet at 1.29+ and the cluster runs Istio %s with %s", j.IstioVersion, j.kubeletWords())
		}
		if len(j.Command) == 0 {
			v.errorf("spec.command", "required with a classic sidecar (%s): meshbatch wraps the command so that it stops istio-proxy when the app exits, "+
				"and cannot wrap an image's entrypoint it does not know; set command (and args) to what the image runs", why)
		} else {
			v.notef("spec.image", "the classic sidecar (%s) runs the command under /bin/sh -c and stops istio-proxy with curl, so %s must contain /bin/sh and curl: "+
				"a distroless or scratch image fails at start; without them use dataplane: native-sidecar (Istio 1.24+, every kubelet 1.29+) or ambient, "+
				"or build the image with a shell and curl", why, j.Image)
		}
	}

	if m.Proxy != nil && j.Mode == ModeAmbient {
		v.errorf("spec.mesh.proxy", "ambient pods have no istio-proxy sidecar to size; remove mesh.proxy")
	}
	if j.Mode.Sidecar() {
		j.Proxy = v.proxyResources(m.Proxy)
	}

	if m.CertTTL != "" {
		if j.Mode == ModeAmbient {
			v.errorf("spec.mesh.certTTL", "in ambient mode ztunnel requests the workload certificates, not a per-pod proxy, so SECRET_TTL does not apply; remove mesh.certTTL")
		} else if d, ok := v.duration("spec.mesh.certTTL", m.CertTTL); ok {
			switch {
			case d > MaxCertTTL:
				v.errorf("spec.mesh.certTTL", "%s is above istiod's MAX_WORKLOAD_CERT_TTL (90d by default): the CSR would be refused and the proxy never become ready", m.CertTTL)
			case d < MinCertTTL:
				v.errorf("spec.mesh.certTTL", "%s is below 1h: the proxy would rotate its certificate every few minutes and load the CA; rotation already happens at half-life, so long jobs do not need short certificates", m.CertTTL)
			}
			j.CertTTL = d
		}
	}

	j.AutoMTLS = m.AutoMTLS == nil || *m.AutoMTLS // Istio's default: on

	switch m.OutboundTrafficPolicy {
	case "":
		if j.Mode != ModeAmbient {
			j.OutboundPolicy = OutboundRegistryOnly
		}
	case OutboundRegistryOnly, OutboundAllowAny:
		if j.Mode == ModeAmbient {
			v.errorf("spec.mesh.outboundTrafficPolicy", "ambient pods have no Sidecar resource to carry it; remove it")
		}
		j.OutboundPolicy = m.OutboundTrafficPolicy
	default:
		v.enumError("spec.mesh.outboundTrafficPolicy", m.OutboundTrafficPolicy, []string{OutboundRegistryOnly, OutboundAllowAny})
	}
}

func (v *validator) proxyResources(r *Resources) *ProxyResources {
	in := DefaultProxy
	if r != nil {
		in.CPU = cmpOr(r.CPU, in.CPU)
		in.Memory = cmpOr(r.Memory, in.Memory)
		in.CPULimit = cmpOr(r.CPULimit, in.CPULimit)
		in.MemoryLimit = cmpOr(r.MemoryLimit, in.MemoryLimit)
	}
	const path = "spec.mesh.proxy"
	var p ProxyResources
	var ok [4]bool
	p.CPU, ok[0] = v.quantity(path+".cpu", in.CPU)
	p.Memory, ok[1] = v.quantity(path+".memory", in.Memory)
	p.CPULimit, ok[2] = v.quantity(path+".cpuLimit", in.CPULimit)
	p.MemoryLimit, ok[3] = v.quantity(path+".memoryLimit", in.MemoryLimit)
	check := func(limName string, lim resource.Quantity, limSet bool, reqName string, req resource.Quantity) {
		if lim.Cmp(req) >= 0 {
			return
		}
		if limSet {
			v.errorf(path+"."+limName, "%s is below %s.%s %s: a limit must be at least the request", lim.String(), path, reqName, req.String())
		} else {
			v.errorf(path+"."+reqName, "%s is above the default %s %s: set %s.%s too", req.String(), limName, lim.String(), path, limName)
		}
	}
	if ok[0] && ok[2] {
		check("cpuLimit", p.CPULimit, r != nil && r.CPULimit != "", "cpu", p.CPU)
	}
	if ok[1] && ok[3] {
		check("memoryLimit", p.MemoryLimit, r != nil && r.MemoryLimit != "", "memory", p.Memory)
	}
	return &p
}

func (v *validator) destinations(j *Job, ds []Destination) {
	names := map[string]int{}
	hosts := map[string]int{}
	for i, d := range ds {
		path := fmt.Sprintf("spec.destinations[%d]", i)
		if v.dnsLabel(path+".name", d.Name, true) {
			if first, dup := names[d.Name]; dup {
				v.errorf(path+".name", "%q is already the name of spec.destinations[%d]", d.Name, first)
			}
			names[d.Name] = i
		}
		v.port(path+".port", d.Port, true)
		switch {
		case d.Service != "" && d.Host != "":
			v.errorf(path, "set service (a Service in the mesh) or host (outside the mesh), not both")
		case d.Service != "":
			if dm, ok := v.inMesh(path, d); ok {
				if first, dup := hosts[dm.Host()]; dup {
					v.errorf(path+".service", "%s is already spec.destinations[%d]; list each destination once", d.Service, first)
				}
				hosts[dm.Host()] = i
				j.InMesh = append(j.InMesh, dm)
			}
		case d.Host != "":
			if de, ok := v.external(j, path, d); ok {
				if first, dup := hosts[de.Host]; dup {
					v.errorf(path+".host", "%s is already spec.destinations[%d]; list each host once", d.Host, first)
				}
				hosts[de.Host] = i
				j.External = append(j.External, de)
			}
		default:
			v.errorf(path, "set service (<service>.<namespace>, a Service in the mesh) or host (a DNS name outside the mesh)")
		}
	}
}

func (v *validator) inMesh(path string, d Destination) (InMeshDestination, bool) {
	n := len(v.probs)
	externalOnly := []struct {
		field string
		set   bool
	}{{"protocol", d.Protocol != ""}, {"tls", d.TLS != ""}, {"appPort", d.AppPort != 0}, {"addresses", len(d.Addresses) > 0}}
	for _, f := range externalOnly {
		if f.set {
			v.errorf(path+"."+f.field, "only for external destinations (host): traffic to a Service in the mesh is Istio mTLS, on the protocol of the Service's port")
		}
	}
	svc, ns, ok := strings.Cut(d.Service, ".")
	if !ok || strings.Contains(ns, ".") || len(validation.IsDNS1123Label(svc)) > 0 || len(validation.IsDNS1123Label(ns)) > 0 {
		v.errorf(path+".service", "%q is not <service>.<namespace> (for example postgres.database)", d.Service)
	}
	if len(d.WorkloadSelector) == 0 {
		v.errorf(path, "workloadSelector is required: the labels of the server's pods, which scope the AuthorizationPolicy "+
			"that admits the job; a policy without a selector applies to the whole namespace of %s and would deny every other client of it", d.Service)
	}
	for _, k := range sortedKeys(d.WorkloadSelector) {
		v.labelPair(path+".workloadSelector"+keySeg(k), k, d.WorkloadSelector[k])
	}
	target := d.TargetPort
	if target == 0 {
		target = d.Port
	} else {
		v.port(path+".targetPort", d.TargetPort, false)
	}
	return InMeshDestination{
		Name: d.Name, Service: svc, Namespace: ns, Port: d.Port, TargetPort: target, Selector: d.WorkloadSelector,
	}, len(v.probs) == n
}

// defaultTLS is who does TLS when a destination does not say: the app for
// protocols that are TLS (or negotiate it inside the protocol), nobody for
// plain ones.
var defaultTLS = map[string]string{
	ProtoHTTP: TLSNone, ProtoGRPC: TLSNone, ProtoTCP: TLSNone,
	ProtoHTTPS: TLSApp, ProtoTLS: TLSApp, ProtoPostgres: TLSApp, ProtoMySQL: TLSApp,
}

func (v *validator) external(j *Job, path string, d Destination) (ExternalDestination, bool) {
	n := len(v.probs)
	if len(d.WorkloadSelector) > 0 {
		v.errorf(path+".workloadSelector", "only for in-mesh destinations (service): a host outside the mesh has no pods to select")
	}
	if d.TargetPort != 0 {
		v.errorf(path+".targetPort", "only for in-mesh destinations (service); for a host, port is the server's port")
	}
	host := d.Host
	switch {
	case net.ParseIP(host) != nil:
		v.errorf(path+".host", "%q is an IP address: name the host by its DNS name and put the address in addresses", host)
	case strings.Contains(host, "*"):
		v.errorf(path+".host", "%q: a wildcard host cannot be resolved by DNS; list each host", host)
	case strings.HasSuffix(host, ".svc.cluster.local") || strings.HasSuffix(host, ".svc"):
		v.errorf(path+".host", "%q is a Service in the cluster: use service: <service>.<namespace> so that the job gets an mTLS policy", host)
	case len(validation.IsDNS1123Subdomain(host)) > 0:
		v.errorf(path+".host", "%q is not a DNS name", host)
	}
	for i, a := range d.Addresses {
		if net.ParseIP(a) == nil {
			if _, _, err := net.ParseCIDR(a); err != nil {
				v.errorf(fmt.Sprintf("%s.addresses[%d]", path, i), "%q is not an IP address or CIDR", a)
			}
		}
	}
	proto := d.Protocol
	tls, ok := defaultTLS[proto]
	switch {
	case proto == "":
		v.errorf(path, "protocol is required for a host outside the mesh: one of %s", strings.Join(protocols, ", "))
		return ExternalDestination{}, false
	case !ok:
		v.enumError(path+".protocol", proto, protocols)
		return ExternalDestination{}, false
	}
	if d.TLS != "" {
		tls = d.TLS
	}
	switch tls {
	case TLSApp, TLSNone, TLSOriginate:
	default:
		v.enumError(path+".tls", tls, []string{TLSApp, TLSOriginate, TLSNone})
		return ExternalDestination{}, false
	}
	if msg := tlsContradiction(proto, tls); msg != "" {
		v.errorf(path+".tls", "%s", msg)
	}
	if tls == TLSOriginate && j.Mode == ModeAmbient {
		v.errorf(path+".tls", "originate needs a sidecar: in ambient mode ztunnel only carries TCP and cannot originate TLS; let the app speak TLS (protocol: HTTPS or TLS with tls: app), or use dataplane: native-sidecar")
	}
	if tls == TLSOriginate && j.IstioVersion.AtLeast(1, 21) == mesh.No {
		plain := map[string]string{ProtoHTTP: ProtoHTTPS, ProtoGRPC: ProtoTLS, ProtoTCP: ProtoTLS}[proto]
		v.errorf(path+".tls", "originate on Istio %s would not verify the server's certificate: before 1.21 a DestinationRule without "+
			"caCertificates checks none (unless istiod runs with VERIFY_CERTIFICATE_AT_CLIENT=true); let the app speak TLS "+
			"(protocol: %s with tls: app), or upgrade Istio to 1.21", j.IstioVersion, cmpOr(plain, ProtoTLS))
	}
	app := d.AppPort
	switch {
	case app != 0 && tls != TLSOriginate:
		v.errorf(path+".appPort", "only with tls: originate, where the app sends plain text to this port and the proxy adds TLS")
	case app != 0:
		v.port(path+".appPort", app, false)
	case tls == TLSOriginate && proto == ProtoHTTP:
		app = 80 // the egress TLS origination pattern: plain HTTP to 80, TLS to port
	case tls == TLSOriginate:
		app = d.Port
	}
	if j.Mode == ModeAmbient && tcpPort(proto, tls) && len(d.Addresses) == 0 && j.IstioVersion.AtLeast(1, 25) == mesh.No {
		v.errorf(path, "ambient on Istio %s does not proxy DNS by default, so a TCP ServiceEntry without addresses would capture every host on port %d: "+
			"set addresses, or install Istio with cni.ambient.dnsCapture=true and PILOT_ENABLE_IP_AUTOALLOCATE=true, or upgrade to 1.25", j.IstioVersion, d.Port)
	}
	return ExternalDestination{
		Name: d.Name, Host: host, Port: d.Port, Protocol: proto, TLS: tls, AppPort: app, Addresses: d.Addresses,
	}, len(v.probs) == n
}

var protocols = []string{ProtoHTTP, ProtoHTTPS, ProtoTLS, ProtoTCP, ProtoGRPC, ProtoPostgres, ProtoMySQL}

// tlsContradiction explains a protocol and tls pair that cannot work.
// protocol is what the app speaks; tls says who adds TLS on the wire.
func tlsContradiction(proto, tls string) string {
	switch {
	case (proto == ProtoPostgres || proto == ProtoMySQL) && tls == TLSOriginate:
		return fmt.Sprintf("the proxy cannot originate TLS for %s: the client asks for TLS inside the protocol (STARTTLS), "+
			"so the app must do it (tls: app, with sslmode=verify-full or ssl-mode=VERIFY_IDENTITY) over a plain TCP port", proto)
	case (proto == ProtoHTTPS || proto == ProtoTLS) && tls == TLSOriginate:
		return fmt.Sprintf("protocol %s means the app already speaks TLS, and originate would wrap it in TLS twice: "+
			"use tls: app, or let the app speak plain text (protocol: %s) and the proxy do TLS", proto, map[string]string{ProtoHTTPS: ProtoHTTP, ProtoTLS: ProtoTCP}[proto])
	case (proto == ProtoHTTPS || proto == ProtoTLS) && tls == TLSNone:
		return fmt.Sprintf("protocol %s is TLS, so someone speaks it: tls: app (the app does) or, with protocol %s, tls: originate (the proxy does)",
			proto, map[string]string{ProtoHTTPS: ProtoHTTP, ProtoTLS: ProtoTCP}[proto])
	case (proto == ProtoHTTP || proto == ProtoGRPC) && tls == TLSApp:
		return fmt.Sprintf("protocol %s is plain text, but tls: app says the app speaks TLS: the proxy would try to parse TLS as %s; "+
			"write protocol: %s if the app speaks TLS, or tls: originate to let the proxy add it", proto, proto, map[string]string{ProtoHTTP: ProtoHTTPS, ProtoGRPC: ProtoTLS}[proto])
	}
	return ""
}

// tcpPort reports whether a destination's ServiceEntry port is plain TCP,
// which Istio can only match by address (or port alone, when none is
// known).
func tcpPort(proto, tls string) bool {
	switch proto {
	case ProtoTCP, ProtoPostgres, ProtoMySQL:
		return true
	case ProtoTLS:
		return tls == TLSOriginate
	}
	return false
}

// Field checks.

func (v *validator) dnsLabel(path, value string, required bool) bool {
	switch {
	case value == "":
		if required {
			v.errorf(path, "required")
		}
		return false
	case len(validation.IsDNS1123Label(value)) > 0:
		v.errorf(path, "%q is not a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters", value)
		return false
	}
	return true
}

func (v *validator) labelPair(path, key, value string) {
	if errs := validation.IsQualifiedName(key); len(errs) > 0 {
		v.errorf(path, "%q is not a valid label key: %s", key, errs[0])
	}
	if errs := validation.IsValidLabelValue(value); len(errs) > 0 {
		v.errorf(path, "%q is not a valid label value: %s", value, errs[0])
	}
}

func (v *validator) port(path string, p int32, required bool) {
	switch {
	case p == 0 && required:
		v.errorf(path, "required: a port number from 1 to 65535")
	case p < 0 || p > 65535 || (p == 0 && !required):
		v.errorf(path, "%d is not a port number (1 to 65535)", p)
	}
}

func (v *validator) duration(path, s string) (time.Duration, bool) {
	d, err := mesh.ParseDuration(s)
	if err != nil {
		v.errorf(path, "%v", err)
		return 0, false
	}
	if d <= 0 && path != "spec.ttlAfterFinished" {
		v.errorf(path, "%q must be positive", s)
		return 0, false
	}
	return d, true
}

func (v *validator) quantity(path, s string) (resource.Quantity, bool) {
	q, err := resource.ParseQuantity(s)
	if err != nil {
		v.errorf(path, "%q is not a Kubernetes quantity (like 500m or 2 for CPU, 256Mi or 1Gi for memory)", s)
		return q, false
	}
	if q.Sign() <= 0 {
		v.errorf(path, "%q must be positive", s)
		return q, false
	}
	return q, true
}

func (v *validator) version(path, s string) (mesh.Version, bool) {
	ver, err := mesh.ParseVersion(s)
	if err != nil {
		v.errorf(path, "%v", err)
		return ver, false
	}
	return ver, true
}

func (v *validator) enumError(path, value string, allowed []string) {
	msg := fmt.Sprintf("%q is not one of %s", value, strings.Join(allowed, ", "))
	if s := suggest.Closest(value, allowed); s != "" {
		msg += fmt.Sprintf("; did you mean %s?", s)
	}
	v.errorf(path, "%s", msg)
}

// schedule checks a cron schedule and returns the shortest time between
// two of its runs, 0 when it is not valid.
func (v *validator) schedule(s string) time.Duration {
	if msg := checkSchedule(s); msg != "" {
		v.errorf("spec.schedule", "%q %s", s, msg)
		return 0
	}
	sched, err := cron.Parse(s)
	if r, ok := err.(*cron.Refusal); ok {
		// checkSchedule missed something the API server refuses.
		v.errorf("spec.schedule", "%v; %s", r, r.Advice)
		return 0
	}
	if err != nil {
		v.errorf("spec.schedule", "%q is refused by Kubernetes' cron parser: %v", s, err)
		return 0
	}
	interval, err := sched.ShortestInterval()
	if err != nil {
		v.errorf("spec.schedule", "%q: %v", s, err)
		return 0
	}
	return interval
}

// cronFields are the five fields of a schedule, with their ranges and
// names, as Kubernetes' parser (robfig/cron) reads them.
var cronFields = []struct {
	name     string
	min, max int
	names    []string // index + min is the value
}{
	{"minute", 0, 59, nil},
	{"hour", 0, 23, nil},
	{"day of month", 1, 31, nil},
	{"month", 1, 12, []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
	{"day of week", 0, 6, []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
}

// checkSchedule checks a cron schedule the way the API server will, so
// that a typo fails here and not at apply time: five fields (or a
// @descriptor), each a list of *, values or ranges, with optional steps.
func checkSchedule(s string) string {
	if strings.HasPrefix(s, "@") {
		switch s {
		case "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly":
			return ""
		}
		return "is not a cron descriptor (@hourly, @daily, @weekly, @monthly, @yearly)"
	}
	if strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ=") {
		return "sets a time zone, which Kubernetes rejects in schedule; it has a timeZone field for that"
	}
	fields := strings.Fields(s)
	if len(fields) != len(cronFields) {
		return fmt.Sprintf("has %d fields; a cron schedule has 5 (minute hour day-of-month month day-of-week)", len(fields))
	}
	for i, f := range fields {
		if msg := checkCronField(f, i); msg != "" {
			return fmt.Sprintf("has a bad %s %q: %s", cronFields[i].name, f, msg)
		}
	}
	return ""
}

func checkCronField(f string, i int) string {
	spec := cronFields[i]
	value := func(v string) (int, bool) {
		if n, err := strconv.Atoi(v); err == nil {
			return n, n >= spec.min && n <= spec.max
		}
		if j := slices.Index(spec.names, strings.ToLower(v)); j >= 0 {
			return j + spec.min, true
		}
		return 0, false
	}
	for _, part := range strings.Split(f, ",") {
		rng, step, hasStep := strings.Cut(part, "/")
		if hasStep {
			if n, err := strconv.Atoi(step); err != nil || n < 1 {
				return fmt.Sprintf("step %q is not a positive number", step)
			}
		}
		if rng == "*" || (rng == "?" && (i == 2 || i == 4)) {
			continue
		}
		lo, hi, isRange := strings.Cut(rng, "-")
		a, ok := value(lo)
		if !ok {
			return fmt.Sprintf("%q is not a value from %d to %d", lo, spec.min, spec.max)
		}
		if isRange {
			b, ok := value(hi)
			if !ok {
				return fmt.Sprintf("%q is not a value from %d to %d", hi, spec.min, spec.max)
			}
			if b < a {
				return fmt.Sprintf("range %s ends before it starts", rng)
			}
		}
	}
	return ""
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// keySeg is the field path segment of a map key.
func keySeg(k string) string { return manifest.Key(k) }

package generate

import (
	"fmt"
	"math"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/meshbatch/meshbatch/pkg/mesh"
)

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
	// no choice depends on a Kubernetes patch
	j.KubernetesVersion, j.KubeletVersion = j.KubernetesVersion.MinorOnly(), j.KubeletVersion.MinorOnly()
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

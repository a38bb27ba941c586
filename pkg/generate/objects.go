package generate

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	networkingv1alpha3 "istio.io/api/networking/v1alpha3"
	securityv1beta1 "istio.io/api/security/v1beta1"
	typev1beta1 "istio.io/api/type/v1beta1"
	networkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	securityv1 "istio.io/client-go/pkg/apis/security/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// Labels and annotations meshbatch writes.
const (
	LabelManagedBy = "app.kubernetes.io/managed-by"
	ManagedBy      = "meshbatch"
	// AnnotJob is "<namespace>/<name>" on every object that serves one job,
	// so that lint can pair a policy with the Job it admits.
	AnnotJob = "meshbatch.dev/job"
	// LabelJob is the job's name on its pods; the Sidecar selects on it.
	LabelJob = "meshbatch.dev/job"
)

// Object is one generated manifest: a typed object of k8s.io/api or
// istio.io/client-go.
type Object struct {
	Kind      string
	Namespace string // "" for cluster-scoped objects
	Name      string
	Obj       any
	// Shared objects are the same for every job of a namespace: several
	// specs may write the same file (see planDir).
	Shared bool
}

// kindOrder is the order objects are written in: what a kubectl apply of
// the stream needs first (the namespace and the identity), then policy,
// traffic, and the workload last.
var kindOrder = []string{
	"Namespace", "ServiceAccount", "PeerAuthentication", "AuthorizationPolicy",
	"DestinationRule", "ServiceEntry", "Sidecar", "Job", "CronJob",
}

// Generate builds every object of a job, in the order they are written.
func Generate(j *Job) []Object {
	b := builder{job: j, istioAPI: istioAPIVersion(j.IstioVersion)}
	objs := []Object{b.namespace(), b.serviceAccount(), b.peerAuthentication()}
	for _, d := range j.InMesh {
		objs = append(objs, b.authorizationPolicy(d))
		if j.Mode != ModeAmbient && !j.AutoMTLS {
			objs = append(objs, b.meshDestinationRule(d))
		}
	}
	for _, d := range j.External {
		objs = append(objs, b.serviceEntry(d))
		if d.TLS == TLSOriginate {
			objs = append(objs, b.originationDestinationRule(d))
		}
	}
	if j.CloudMetadata && j.Mode != ModeAmbient {
		objs = append(objs, b.cloudMetadataServiceEntry())
	}
	if j.Mode != ModeAmbient {
		objs = append(objs, b.sidecar())
	}
	objs = append(objs, b.workload())
	slices.SortStableFunc(objs, func(a, b Object) int {
		return cmp.Or(
			cmp.Compare(slices.Index(kindOrder, a.Kind), slices.Index(kindOrder, b.Kind)),
			cmp.Compare(a.Namespace, b.Namespace),
			cmp.Compare(a.Name, b.Name),
		)
	})
	return objs
}

// istioAPIVersion picks the newest Istio API version the cluster serves:
// v1 from Istio 1.22, v1beta1 before (and for every release meshbatch
// supports).
func istioAPIVersion(v mesh.Version) string {
	if v.AtLeast(1, 22) == mesh.No {
		return "v1beta1"
	}
	return "v1"
}

type builder struct {
	job      *Job
	istioAPI string
}

// meta is the metadata of an object that serves this job only.
func (b builder) meta(namespace, name string) metav1.ObjectMeta {
	ann := map[string]string{AnnotJob: b.job.Namespace + "/" + b.job.Name}
	if d := lint.DeclaredFacts(b.job.Declared); d != "" {
		// The spec's cluster facts, for lint of these objects: also a
		// pre-commit hook that sees a few files lints with them.
		ann[lint.AnnotFacts] = d
	}
	return metav1.ObjectMeta{
		Name:        name,
		Namespace:   namespace,
		Labels:      b.labels(),
		Annotations: ann,
	}
}

// labels are the labels of every object that serves this job.
func (b builder) labels() map[string]string {
	l := map[string]string{LabelManagedBy: ManagedBy}
	for k, v := range b.job.Labels {
		l[k] = v
	}
	return l
}

// Shared objects (the Namespace and its PeerAuthentication) carry neither
// the job's labels nor its annotation: every job of the namespace
// generates them identically.

func (b builder) namespace() Object {
	labels := map[string]string{LabelManagedBy: ManagedBy}
	switch {
	case b.job.Mode == ModeAmbient:
		labels[mesh.LabelDataplaneMode] = "ambient"
	case b.job.Revision != "":
		// The revision's injector selects namespaces by istio.io/rev only
		// where istio-injection is absent: the two never go together.
		labels[mesh.LabelRev] = b.job.Revision
	default:
		labels[mesh.LabelNSInjection] = "enabled"
	}
	ns := &corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: b.job.Namespace, Labels: labels},
	}
	return Object{Kind: "Namespace", Name: ns.Name, Obj: ns, Shared: true}
}

func (b builder) serviceAccount() Object {
	automount := false // the injected proxy mounts its own istio-token
	sa := &corev1.ServiceAccount{
		TypeMeta:                     metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta:                   b.meta(b.job.Namespace, b.job.ServiceAccount),
		AutomountServiceAccountToken: &automount,
	}
	return Object{Kind: "ServiceAccount", Namespace: sa.Namespace, Name: sa.Name, Obj: sa}
}

func (b builder) peerAuthentication() Object {
	pa := &securityv1.PeerAuthentication{
		TypeMeta: metav1.TypeMeta{APIVersion: "security.istio.io/" + b.istioAPI, Kind: "PeerAuthentication"},
		ObjectMeta: metav1.ObjectMeta{
			Name: "default", Namespace: b.job.Namespace,
			Labels: map[string]string{LabelManagedBy: ManagedBy},
		},
	}
	pa.Spec.Mtls = &securityv1beta1.PeerAuthentication_MutualTLS{Mode: securityv1beta1.PeerAuthentication_MutualTLS_STRICT}
	return Object{Kind: "PeerAuthentication", Namespace: pa.Namespace, Name: pa.Name, Obj: pa, Shared: true}
}

// Object names. A name that joins parts with "-" is ambiguous, as the
// parts contain "-" themselves: namespace team-a, job etl and namespace
// team, job a-etl would both write team-a-etl-to-db, and the second apply
// would replace the first job's policy. Every part is a DNS-1123 label
// (validated), which never contains a dot, so parts joined with dots name
// one combination only; the result is a DNS-1123 subdomain of at most
// 3*63+5 characters, within the 253 Kubernetes allows for these kinds.

// policyName is the name of the AuthorizationPolicy that admits job
// <namespace>/<job> to destination dest, in the destination's namespace:
// <namespace>.<job>.to.<dest>.
func policyName(namespace, job, dest string) string {
	return namespace + "." + job + ".to." + dest
}

// destinationObjectName is the name of a DestinationRule or ServiceEntry
// of one destination of a job, in the job's namespace: <job>.<dest>.
func destinationObjectName(job, dest string) string {
	return job + "." + dest
}

// Principal is the job's identity as AuthorizationPolicy writes it:
// without spiffe://, which Istio adds itself.
func (j *Job) Principal() string {
	return j.TrustDomain + "/ns/" + j.Namespace + "/sa/" + j.ServiceAccount
}

func (b builder) authorizationPolicy(d InMeshDestination) Object {
	ap := &securityv1.AuthorizationPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "security.istio.io/" + b.istioAPI, Kind: "AuthorizationPolicy"},
		ObjectMeta: b.meta(d.Namespace, policyName(b.job.Namespace, b.job.Name, d.Name)),
	}
	ap.Spec.Selector = &typev1beta1.WorkloadSelector{MatchLabels: d.Selector}
	ap.Spec.Action = securityv1beta1.AuthorizationPolicy_ALLOW
	ap.Spec.Rules = []*securityv1beta1.Rule{{
		From: []*securityv1beta1.Rule_From{{Source: &securityv1beta1.Source{Principals: []string{b.job.Principal()}}}},
		To:   []*securityv1beta1.Rule_To{{Operation: &securityv1beta1.Operation{Ports: []string{strconv.Itoa(int(d.TargetPort))}}}},
	}}
	return Object{Kind: "AuthorizationPolicy", Namespace: ap.Namespace, Name: ap.Name, Obj: ap}
}

func (b builder) destinationRule(name, host string, policy *networkingv1alpha3.TrafficPolicy) Object {
	dr := &networkingv1.DestinationRule{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.istio.io/" + b.istioAPI, Kind: "DestinationRule"},
		ObjectMeta: b.meta(b.job.Namespace, destinationObjectName(b.job.Name, name)),
	}
	dr.Spec.Host = host
	dr.Spec.TrafficPolicy = policy
	dr.Spec.ExportTo = []string{"."} // only the job's namespace sees it
	return Object{Kind: "DestinationRule", Namespace: dr.Namespace, Name: dr.Name, Obj: dr}
}

// meshDestinationRule pins Istio mTLS to an in-mesh destination, for a
// mesh without auto-mTLS only. With auto-mTLS (Istio's default) the
// client sidecar already sends Istio mTLS to every endpoint that has a
// sidecar (pilot/pkg/networking/core/cluster_tls.go
// buildUpstreamTLSSettings), and a DestinationRule in the client's
// namespace would replace the server team's rule for this job
// (PushContext.destinationRule looks in the proxy's namespace first),
// subsets included: a VirtualService routing to a subset would fail.
func (b builder) meshDestinationRule(d InMeshDestination) Object {
	return b.destinationRule(d.Name, d.Host(), &networkingv1alpha3.TrafficPolicy{
		Tls: &networkingv1alpha3.ClientTLSSettings{Mode: networkingv1alpha3.ClientTLSSettings_ISTIO_MUTUAL},
	})
}

func (b builder) originationDestinationRule(d ExternalDestination) Object {
	return b.destinationRule(d.Name, d.Host, &networkingv1alpha3.TrafficPolicy{
		PortLevelSettings: []*networkingv1alpha3.TrafficPolicy_PortTrafficPolicy{{
			Port: &networkingv1alpha3.PortSelector{Number: uint32(d.AppPort)},
			Tls: &networkingv1alpha3.ClientTLSSettings{
				Mode:            networkingv1alpha3.ClientTLSSettings_SIMPLE,
				Sni:             d.Host,
				SubjectAltNames: []string{d.Host},
			},
		}},
	})
}

// serviceEntryProtocols maps a destination's protocol to the
// ServiceEntry port protocol: databases that negotiate TLS inside their
// protocol are opaque TCP to the proxy.
var serviceEntryProtocols = map[string]string{
	ProtoHTTP: "HTTP", ProtoHTTPS: "HTTPS", ProtoTLS: "TLS", ProtoTCP: "TCP", ProtoGRPC: "GRPC",
	ProtoPostgres: "TCP", ProtoMySQL: "TCP",
}

// tlsProtocols is the protocol of the server's port when the proxy
// originates TLS for a plain protocol.
var tlsProtocols = map[string]string{ProtoHTTP: "HTTPS", ProtoGRPC: "TLS", ProtoTCP: "TLS"}

func portName(protocol string, number int32) string {
	return strings.ToLower(protocol) + "-" + strconv.Itoa(int(number))
}

// serviceEntryPorts lists the ports of an external destination. When the
// proxy originates TLS, the app's plain-text port is declared with the
// plain protocol and forwarded to the server's port (targetPort); the
// server's port is declared too, as TLS, so that an app calling it with
// TLS directly is not broken (the egress TLS origination task's pattern).
func serviceEntryPorts(d ExternalDestination) []*networkingv1alpha3.ServicePort {
	proto := serviceEntryProtocols[d.Protocol]
	switch {
	case d.Protocol == ProtoPostgres || d.Protocol == ProtoMySQL:
		return []*networkingv1alpha3.ServicePort{{Number: uint32(d.Port), Protocol: proto, Name: "tcp-" + strings.ToLower(d.Protocol)}}
	case d.TLS != TLSOriginate || d.AppPort == d.Port:
		return []*networkingv1alpha3.ServicePort{{Number: uint32(d.Port), Protocol: proto, Name: portName(proto, d.Port)}}
	}
	tlsProto := tlsProtocols[d.Protocol]
	return []*networkingv1alpha3.ServicePort{
		{Number: uint32(d.AppPort), Protocol: proto, Name: portName(proto, d.AppPort), TargetPort: uint32(d.Port)},
		{Number: uint32(d.Port), Protocol: tlsProto, Name: portName(tlsProto, d.Port)},
	}
}

func (b builder) serviceEntry(d ExternalDestination) Object {
	se := &networkingv1.ServiceEntry{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.istio.io/" + b.istioAPI, Kind: "ServiceEntry"},
		ObjectMeta: b.meta(b.job.Namespace, destinationObjectName(b.job.Name, d.Name)),
	}
	se.Spec.Hosts = []string{d.Host}
	se.Spec.Addresses = d.Addresses
	se.Spec.Ports = serviceEntryPorts(d)
	se.Spec.Location = networkingv1alpha3.ServiceEntry_MESH_EXTERNAL
	se.Spec.Resolution = networkingv1alpha3.ServiceEntry_DNS
	se.Spec.ExportTo = []string{"."}
	return Object{Kind: "ServiceEntry", Namespace: se.Namespace, Name: se.Name, Obj: se}
}

// cloudMetadataServiceEntry registers the metadata servers. Clients dial
// them by address, on port 80: a TCP port with addresses is matched on
// them, and resolution NONE sends the connection on to the address
// dialled.
func (b builder) cloudMetadataServiceEntry() Object {
	se := &networkingv1.ServiceEntry{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.istio.io/" + b.istioAPI, Kind: "ServiceEntry"},
		ObjectMeta: b.meta(b.job.Namespace, destinationObjectName(b.job.Name, wellKnownCloudMetadata)),
	}
	se.Spec.Hosts = []string{cloudMetadataHost}
	se.Spec.Addresses = cloudMetadataAddresses
	se.Spec.Ports = []*networkingv1alpha3.ServicePort{{Number: 80, Protocol: "TCP", Name: "tcp-metadata"}}
	se.Spec.Location = networkingv1alpha3.ServiceEntry_MESH_EXTERNAL
	se.Spec.Resolution = networkingv1alpha3.ServiceEntry_NONE
	se.Spec.ExportTo = []string{"."}
	return Object{Kind: "ServiceEntry", Namespace: se.Namespace, Name: se.Name, Obj: se}
}

// sidecar scopes the job's proxy to its destinations: Envoy gets the
// configuration of these hosts only, not of the whole mesh.
func (b builder) sidecar() Object {
	var hosts []string
	for _, d := range b.job.InMesh {
		hosts = append(hosts, d.Namespace+"/"+d.Host())
	}
	for _, d := range b.job.External {
		hosts = append(hosts, "./"+d.Host) // its ServiceEntry is in the job's namespace
	}
	if b.job.KubernetesAPI {
		hosts = append(hosts, "default/"+kubernetesAPIHost)
	}
	if b.job.CloudMetadata {
		hosts = append(hosts, "./"+cloudMetadataHost)
	}
	slices.Sort(hosts)
	if len(hosts) == 0 {
		hosts = []string{"~/*"} // no destinations: import no services at all
	}
	sc := &networkingv1.Sidecar{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.istio.io/" + b.istioAPI, Kind: "Sidecar"},
		ObjectMeta: b.meta(b.job.Namespace, b.job.Name),
	}
	sc.Spec.WorkloadSelector = &networkingv1alpha3.WorkloadSelector{Labels: map[string]string{LabelJob: b.job.Name}}
	sc.Spec.Egress = []*networkingv1alpha3.IstioEgressListener{{Hosts: hosts}}
	mode := networkingv1alpha3.OutboundTrafficPolicy_REGISTRY_ONLY
	if b.job.OutboundPolicy == OutboundAllowAny {
		mode = networkingv1alpha3.OutboundTrafficPolicy_ALLOW_ANY
	}
	sc.Spec.OutboundTrafficPolicy = &networkingv1alpha3.OutboundTrafficPolicy{Mode: mode}
	return Object{Kind: "Sidecar", Namespace: sc.Namespace, Name: sc.Name, Obj: sc}
}

func (o Object) String() string {
	if o.Namespace == "" {
		return fmt.Sprintf("%s %s", o.Kind, o.Name)
	}
	return fmt.Sprintf("%s %s/%s", o.Kind, o.Namespace, o.Name)
}

package clusterfacts

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/meshbatch/meshbatch/pkg/config"
	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// Istio's names and keys (istio-installs.md §1, §3).
const (
	labelApp         = "app"
	labelTag         = "istio.io/tag"
	labelDeactivated = "istio.io/deactivated"
	appIstiod        = "istiod"
	defaultRevision  = "default"
	injectorSuffix   = "sidecar-injector.istio.io" // every injection webhook's name ends so
	discovery        = "discovery"                 // istiod's container
)

// Read reads the cluster's facts. It never fails as a whole: a part it
// cannot read is left out of the file and explained in a note, in the
// order read.
func Read(ctx context.Context, cs kubernetes.Interface) (*config.FactsFile, []string) {
	r := &reader{ctx: ctx, cs: cs}
	ff := &config.FactsFile{}
	if v, err := cs.Discovery().ServerVersion(); err != nil {
		r.cannot("the API server's version", err, "kubernetesVersion")
	} else if mv, err := mesh.ParseVersion(minorOf(v.GitVersion)); err != nil || !mv.Known() {
		r.notef("the API server reports version %q, which is not MAJOR.MINOR.PATCH (kubernetesVersion left out)", v.GitVersion)
	} else {
		ff.Facts.KubernetesVersion = mv.String()
	}
	ff.Facts.KubeletVersion = r.oldestKubelet()

	revs := r.revisions()
	hooks := r.injectors(revs)
	for _, h := range hooks {
		if rv := revs[h.revision]; rv != nil && h.tag != "" && !slices.Contains(rv.tags, h.tag) {
			rv.tags = append(rv.tags, h.tag)
		}
	}
	def := defaultOf(revs, hooks)
	ff.Ambient = r.ambient()
	r.settle(ff, revs, def)
	ff.RootCert = r.rootCert(revs, def, cmp.Or(ff.Facts.RootNamespace, mesh.DefaultRootNamespace))
	ff.Namespaces = r.namespaces(hooks, ff.Ambient.Installed())
	return ff, r.notes
}

type reader struct {
	ctx   context.Context
	cs    kubernetes.Interface
	notes []string
}

func (r *reader) notef(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

// cannot says that a read failed, and what is left out for it.
func (r *reader) cannot(what string, err error, leftOut string) {
	switch {
	case apierrors.IsForbidden(err):
		r.notef("cannot read %s: forbidden (%s left out); bind the reader to deploy/rbac/meshbatch-reader.yaml", what, leftOut)
	default:
		r.notef("cannot read %s: %v (%s left out)", what, err, leftOut)
	}
}

// minorOf cuts "v1.31.4-gke.100" to "1.31".
func minorOf(v string) string {
	m := versionRE.FindStringSubmatch(strings.TrimPrefix(v, "v"))
	if m == nil {
		return ""
	}
	return m[1] + "." + m[2]
}

// releaseOf reads an Istio release from an image tag or label: 1.28.1
// and 1.28.1-distroless give 1.28.1, whose patch settles what only some
// patches of 1.28 do; a pre-release (1.28.0-beta.1) comes before its
// x.y.0 and may lack what that patch has, so it gives 1.28 alone.
func releaseOf(tag string) mesh.Version {
	m := versionRE.FindStringSubmatch(strings.TrimPrefix(tag, "v"))
	if m == nil {
		return mesh.Version{}
	}
	v, err := mesh.ParseVersion(m[1] + "." + m[2])
	if err != nil || m[3] == "" || strings.Contains(m[0], "-") {
		return v
	}
	patch, err := strconv.Atoi(m[3])
	if err != nil {
		return v
	}
	return v.WithPatch(patch)
}

// versionRE reads a release version at the start of a tag: 1.28.1,
// 1.28.0-beta.1, 1.28.1-distroless (the variant is dropped;
// istio-installs.md §2).
var versionRE = regexp.MustCompile(`^(\d+)\.(\d+)(?:\.(\d+))?(?:-(?:alpha|beta|rc)\.\d+)?`)

// oldestKubelet is the lowest kubelet minor of the nodes: native sidecars
// under ENABLE_NATIVE_SIDECARS=auto need every node at 1.33
// (DetectNativeSidecar, pkg/kube/inject/webhook.go@1.27.0).
func (r *reader) oldestKubelet() string {
	var oldest mesh.Version
	err := listAll(r.ctx, func(opts metav1.ListOptions) (string, error) {
		l, err := r.cs.CoreV1().Nodes().List(r.ctx, opts)
		if err != nil {
			return "", err
		}
		for _, n := range l.Items {
			kv := n.Status.NodeInfo.KubeletVersion
			v, err := mesh.ParseVersion(minorOf(kv))
			if err != nil || !v.Known() {
				r.notef("node %s reports kubelet version %q, which is not MAJOR.MINOR.PATCH; it is not counted", n.Name, kv)
				continue
			}
			if !oldest.Known() || v.AtLeast(oldest.Major, oldest.Minor) == mesh.No {
				oldest = v
			}
		}
		return l.Continue, nil
	})
	switch {
	case err != nil:
		r.cannot("nodes", err, "kubeletVersion")
		return ""
	case !oldest.Known():
		r.notef("no node reports a kubelet version (kubeletVersion left out)")
		return ""
	}
	return oldest.String()
}

// listAll pages through a list (500 at a time) until the server says
// there is no more.
func listAll(ctx context.Context, page func(metav1.ListOptions) (string, error)) error {
	opts := metav1.ListOptions{Limit: 500}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		next, err := page(opts)
		if err != nil || next == "" {
			return err
		}
		opts.Continue = next
	}
}

// revision is one istiod: a control plane.
type revision struct {
	name      string // istio.io/rev, "default" for the unnamed one
	namespace string
	version   string // 1.28.1, from the image
	env       map[string]string
	tags      []string
	indirect  []string // env variables of factEnv set with valueFrom
	facts     lint.RawFacts
	info      config.RevisionFacts
}

// revisions lists istiod Deployments in every namespace (app=istiod,
// istio-installs.md §3) and reads each one's version, environment, mesh
// config and injector defaults.
func (r *reader) revisions() map[string]*revision {
	revs := map[string]*revision{}
	err := listAll(r.ctx, func(opts metav1.ListOptions) (string, error) {
		opts.LabelSelector = labelApp + "=" + appIstiod
		l, err := r.cs.AppsV1().Deployments("").List(r.ctx, opts)
		if err != nil {
			return "", err
		}
		for i := range l.Items {
			d := &l.Items[i]
			rv := revisionOf(d)
			if rv == nil {
				r.notef("Deployment %s/%s has label app=istiod but no container %q; skipped", d.Namespace, d.Name, discovery)
				continue
			}
			if other := revs[rv.name]; other != nil {
				r.notef("revision %s has two istiods, %s/istiod and %s/%s; the first is read", rv.name, other.namespace, d.Namespace, d.Name)
				continue
			}
			revs[rv.name] = rv
		}
		return l.Continue, nil
	})
	if err != nil {
		r.cannot("istiod Deployments", err, "istioVersion and every mesh setting")
		return nil
	}
	if len(revs) == 0 {
		r.notef("no istiod Deployment (label app=istiod) in any namespace: Istio is not installed, or its control plane runs outside the cluster")
	}
	for _, name := range sortedKeys(revs) {
		for _, e := range revs[name].indirect {
			r.notef("revision %s: istiod takes %s from a ConfigMap or Secret (valueFrom), which facts does not read; Istio's default is assumed", name, e)
		}
		r.readRevision(revs[name])
	}
	return revs
}

// factEnv are the variables of istiod that facts read.
var factEnv = map[string]bool{
	"REVISION": true, "ENABLE_NATIVE_SIDECARS": true, "PILOT_ENABLE_IP_AUTOALLOCATE": true,
	"MAX_WORKLOAD_CERT_TTL": true, "SHARED_MESH_CONFIG": true,
}

// revisionOf reads a Deployment's revision, version and environment.
// The chart labels it istio.io/rev (default for the unnamed revision) and
// sets REVISION in the discovery container
// (manifests/charts/istio-control/istio-discovery/templates/deployment.yaml@1.22.0).
func revisionOf(d *appsv1.Deployment) *revision {
	var c *corev1.Container
	for i := range d.Spec.Template.Spec.Containers {
		if d.Spec.Template.Spec.Containers[i].Name == discovery {
			c = &d.Spec.Template.Spec.Containers[i]
		}
	}
	if c == nil {
		return nil
	}
	rv := &revision{namespace: d.Namespace, env: map[string]string{}}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			rv.env[e.Name] = e.Value
		} else if factEnv[e.Name] {
			// Helm value envVarFrom (1.26+): a ConfigMap or Secret
			// meshbatch does not read.
			rv.indirect = append(rv.indirect, e.Name)
		}
	}
	rv.name = cmp.Or(d.Labels[mesh.LabelRev], rv.env["REVISION"], defaultRevision)
	rv.version = imageVersion(c.Image)
	if rv.version == "" {
		// Released charts stamp their version here (1.24+); git trees
		// carry 1.0.0, which says nothing (istio-installs.md §2).
		for _, k := range []string{"app.kubernetes.io/version", "operator.istio.io/version"} {
			if v := d.Labels[k]; versionRE.MatchString(v) && v != "1.0.0" {
				rv.version = v
				break
			}
		}
	}
	return rv
}

// imageVersion reads the release from an image reference:
// docker.io/istio/pilot:1.28.1-distroless gives 1.28.1; a digest or a
// tag that is no release gives "".
func imageVersion(image string) string {
	image, _, _ = strings.Cut(image, "@")
	slash := strings.LastIndexByte(image, '/')
	colon := strings.LastIndexByte(image, ':')
	if colon < 0 || colon < slash {
		return ""
	}
	m := versionRE.FindStringSubmatch(image[colon+1:])
	if m == nil || m[3] == "" {
		return ""
	}
	return m[0]
}

// readRevision works out the facts of one revision.
func (r *reader) readRevision(rv *revision) {
	f := &rv.facts
	v := releaseOf(rv.version)
	if v.Known() {
		f.IstioVersion = v.String()
		rv.info.Version = rv.version
	} else {
		r.notef("revision %s: istiod's image names no release version (istioVersion left out)", rv.name)
	}
	f.NativeSidecars = nativeSidecars(v, rv.env["ENABLE_NATIVE_SIDECARS"])
	// MAX_WORKLOAD_CERT_TTL: istiod's CA refuses longer certificates;
	// default 90 days (pilot/pkg/bootstrap/istio_ca.go@1.22.0).
	f.MaxCertTTL = cmp.Or(rv.env["MAX_WORKLOAD_CERT_TTL"], "2160h")

	mc, ok := r.meshConfig(rv)
	inj, injOK := r.injectorValues(rv)
	if ok {
		f.OutboundPolicy = mc.outbound
		f.RootNamespace = mc.root
		f.TrustDomain = mc.trustDomain
		f.TrustDomainAliases = mc.aliases
		rv.info.AutoMTLS = strconv.FormatBool(mc.autoMTLS)
		if injOK {
			// The sidecar template holds the app when either is set
			// (files/injection-template.yaml@1.22.0).
			f.HoldApplication = strconv.FormatBool(mc.hold || inj.hold)
		}
		ipAlloc := v.AtLeast(1, 25) == mesh.Yes // the default (pilot/pkg/features/pilot.go@1.25.0)
		if s, ok := rv.env["PILOT_ENABLE_IP_AUTOALLOCATE"]; ok {
			ipAlloc, _ = strconv.ParseBool(s)
		}
		if v.Known() || mc.autoAllocate {
			f.DNSAutoAllocate = strconv.FormatBool(mc.dnsCapture && (mc.autoAllocate || ipAlloc))
		}
	}
	if injOK {
		rv.info.ProxyResources = inj.resources
	}
}

// nativeSidecars is the ENABLE_NATIVE_SIDECARS istiod runs with: the
// variable, or its default. Up to 1.26 it is a boolean, false by default
// (pilot/pkg/features/experimental.go@1.22.0, @1.26.0); from 1.27 it is
// true, false or auto, auto by default, and any other value disables it
// (pilot/pkg/features/pilot.go@1.27.0).
func nativeSidecars(v mesh.Version, value string) string {
	switch v.AtLeast(1, 27) {
	case mesh.Yes:
		switch value {
		case "":
			return "auto"
		case "true", "false", "auto":
			return value
		}
		return "false"
	case mesh.No:
		b, err := strconv.ParseBool(value)
		return strconv.FormatBool(err == nil && b)
	}
	if value == "true" || value == "false" || value == "auto" {
		return value
	}
	return ""
}

// injector is one active injection webhook.
type injector struct {
	config   string // the MutatingWebhookConfiguration's name
	hook     admissionregistrationv1.MutatingWebhook
	revision string // the revision it injects with
	tag      string // the tag the configuration stands for, if any
}

// injectors lists the active sidecar injection webhooks: every webhook
// named *sidecar-injector.istio.io of every MutatingWebhookConfiguration,
// in the order the API server calls them (configurations by name), less
// those istioctl deactivated with istio.io/deactivated: never-match
// (istioctl/pkg/util/common.go@1.22.0).
func (r *reader) injectors(revs map[string]*revision) []injector {
	var out []injector
	err := listAll(r.ctx, func(opts metav1.ListOptions) (string, error) {
		l, err := r.cs.AdmissionregistrationV1().MutatingWebhookConfigurations().List(r.ctx, opts)
		if err != nil {
			return "", err
		}
		for _, c := range l.Items {
			for _, h := range c.Webhooks {
				if !strings.HasSuffix(h.Name, injectorSuffix) || deactivated(h) {
					continue
				}
				in := injector{config: c.Name, hook: h, tag: c.Labels[labelTag]}
				in.revision = c.Labels[mesh.LabelRev]
				if in.revision == "" && h.ClientConfig.Service != nil {
					// the revision's Service: istiod or istiod-<rev>
					if rest, ok := strings.CutPrefix(h.ClientConfig.Service.Name, "istiod-"); ok {
						in.revision = rest
					} else if h.ClientConfig.Service.Name == appIstiod {
						in.revision = defaultRevision
					}
				}
				if in.revision == "" {
					r.notef("MutatingWebhookConfiguration %s: webhook %s names no revision (label istio.io/rev); skipped", c.Name, h.Name)
					continue
				}
				if revs != nil && revs[in.revision] == nil {
					r.notef("MutatingWebhookConfiguration %s injects with revision %s, which has no istiod in the cluster (a remote control plane?)", c.Name, in.revision)
				}
				out = append(out, in)
			}
		}
		return l.Continue, nil
	})
	if err != nil {
		r.cannot("MutatingWebhookConfigurations", err, "revision tags and every namespace's dataplane")
		return nil
	}
	slices.SortStableFunc(out, func(a, b injector) int { return strings.Compare(a.config, b.config) })
	return out
}

func deactivated(h admissionregistrationv1.MutatingWebhook) bool {
	for _, s := range []*metav1.LabelSelector{h.NamespaceSelector, h.ObjectSelector} {
		if s != nil {
			if _, ok := s.MatchLabels[labelDeactivated]; ok {
				return true
			}
		}
	}
	return false
}

// defaultOf is the revision istio-injection=enabled and the
// sidecar.istio.io/inject pod label select: the owner of the active
// namespace.sidecar-injector.istio.io webhook, which only the unnamed
// revision and the default tag have (mutatingwebhook.yaml and
// revision-tags.yaml of the istiod chart @1.22.0); else, with a single
// revision, that one.
func defaultOf(revs map[string]*revision, hooks []injector) string {
	for _, h := range hooks {
		if h.hook.Name == "namespace."+injectorSuffix {
			return h.revision
		}
	}
	if len(revs) == 1 {
		for name := range revs {
			return name
		}
	}
	return ""
}

// settle puts the facts all revisions share, or the default revision's,
// at the top level, and lists under each revision the facts in which it
// differs.
func (r *reader) settle(ff *config.FactsFile, revs map[string]*revision, def string) {
	if len(revs) == 0 {
		return
	}
	ff.Revisions = map[string]config.RevisionFacts{}
	names := sortedKeys(revs)
	for _, ff0 := range lint.FactFields() {
		if ff0.Key == "kubernetesVersion" || ff0.Key == "kubeletVersion" {
			continue
		}
		same := true
		first := ff0.Get(revs[names[0]].facts)
		for _, n := range names[1:] {
			if !slices.Equal(first, ff0.Get(revs[n].facts)) {
				same = false
			}
		}
		switch {
		case same:
			ff0.Set(&ff.Facts, first)
		case def != "" && revs[def] != nil:
			ff0.Set(&ff.Facts, ff0.Get(revs[def].facts))
		}
		top := ff0.Get(ff.Facts)
		for _, n := range names {
			if v := ff0.Get(revs[n].facts); !slices.Equal(v, top) {
				rf := revs[n].info
				ff0.Set(&rf.Facts, v)
				revs[n].info = rf
			}
		}
	}
	for _, n := range names {
		rv := revs[n]
		info := rv.info
		info.Namespace = rv.namespace
		info.Tags = slices.Sorted(slices.Values(rv.tags))
		if n == def {
			info.Default = "true"
		}
		ff.Revisions[n] = info
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

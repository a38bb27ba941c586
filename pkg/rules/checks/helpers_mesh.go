package checks

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	networking "istio.io/api/networking/v1alpha3"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// identityString is how a workload identity appears in a principal.
func identityString(f mesh.Facts, ns, sa string) string {
	return f.Domain() + "/ns/" + ns + "/sa/" + sa
}

// labelsCompatible reports whether two selectors can select the same pod:
// no key is given two different values.
func labelsCompatible(a, b map[string]string) bool {
	for k, v := range a {
		if w, ok := b[k]; ok && w != v {
			return false
		}
	}
	return true
}

// hostPort prints host[:port].
func hostPort(host string, port uint32) string {
	if port == 0 {
		return host
	}
	return host + ":" + strconv.Itoa(int(port))
}

// tlsSite is one place a DestinationRule sets client TLS.
type tlsSite struct {
	TLS    *networking.ClientTLSSettings
	Path   string // field path of the tls block
	Port   uint32 // the port-level setting's port, 0 for every port
	Subset string // the subset, "" for the rule itself
}

// ModePath is the field path of the site's mode.
func (s tlsSite) ModePath() string { return s.Path + ".mode" }

// Where names the site for messages.
func (s tlsSite) Where() string {
	w := ""
	if s.Subset != "" {
		w = "subset " + s.Subset + " "
	}
	if s.Port != 0 {
		return w + "port " + strconv.Itoa(int(s.Port))
	}
	if w == "" {
		return "all ports"
	}
	return strings.TrimSpace(w)
}

// tlsSites lists every tls block of a DestinationRule: the traffic
// policy's, its port-level settings', and the same for each subset.
func tlsSites(o *manifest.Object) []tlsSite {
	dr := rules.DestinationRule(o)
	var out []tlsSite
	add := func(tp *networking.TrafficPolicy, base, subset string) {
		if tp == nil {
			return
		}
		if t := tp.GetTls(); t != nil {
			out = append(out, tlsSite{TLS: t, Path: base + ".tls", Subset: subset})
		}
		for i, pl := range tp.GetPortLevelSettings() {
			if t := pl.GetTls(); t != nil {
				out = append(out, tlsSite{TLS: t, Path: fmt.Sprintf("%s.portLevelSettings[%d].tls", base, i), Port: pl.GetPort().GetNumber(), Subset: subset})
			}
		}
	}
	add(dr.GetTrafficPolicy(), "spec.trafficPolicy", "")
	for i, ss := range dr.GetSubsets() {
		add(ss.GetTrafficPolicy(), fmt.Sprintf("spec.subsets[%d].trafficPolicy", i), ss.GetName())
	}
	return out
}

// httpProtocol reports whether Istio treats the protocol as HTTP.
func httpProtocol(proto string) bool {
	switch proto {
	case "HTTP", "HTTP2", "GRPC", "GRPC-WEB", "HTTP_PROXY":
		return true
	}
	return false
}

// refs names objects for messages: "AuthorizationPolicy db/a, ... (3)".
func refs(objs []*manifest.Object, limit int) string {
	var names []string
	for i, o := range objs {
		if i == limit {
			names = append(names, fmt.Sprintf("and %d more", len(objs)-limit))
			break
		}
		names = append(names, o.Ref())
	}
	return strings.Join(names, ", ")
}

// keysInOrder returns a map's keys in order, for stable messages.
func keysInOrder[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// injectionField is where a finding about a pod's (missing) sidecar
// points: the inject label when the template has one, hostNetwork when
// set, else the template's labels.
func injectionField(w *rules.Workload) string {
	if _, ok := w.Template.Labels[mesh.LabelInject]; ok {
		return w.TemplateLabelPath(mesh.LabelInject)
	}
	if w.Template.Spec.HostNetwork {
		return w.PodPath("hostNetwork")
	}
	if _, ok := w.Template.Annotations[mesh.LabelInject]; ok {
		return w.TemplateAnnotationPath(mesh.LabelInject)
	}
	return w.TemplateField("metadata")
}

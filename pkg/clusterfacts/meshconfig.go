package clusterfacts

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"google.golang.org/protobuf/encoding/protojson"
	meshv1alpha1 "istio.io/api/mesh/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/meshbatch/meshbatch/pkg/config"
	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// meshSettings are the settings of a revision's mesh config that become
// facts.
type meshSettings struct {
	outbound, root, trustDomain string
	aliases                     []string
	autoMTLS, hold              bool
	dnsCapture, autoAllocate    bool // defaultConfig.proxyMetadata
}

// meshDefaults are the fields of Istio's DefaultMeshConfig that are facts
// (pkg/config/mesh/mesh.go@1.22.0, unchanged to 1.28.0).
var meshDefaults = map[string]any{
	"outboundTrafficPolicy": map[string]any{"mode": "ALLOW_ANY"},
	"trustDomain":           mesh.DefaultTrustDomain,
	"rootNamespace":         mesh.DefaultRootNamespace,
	"enableAutoMtls":        true,
}

// meshConfig reads a revision's mesh config the way istiod loads it
// (pilot/pkg/bootstrap/mesh.go@1.22.0, getMeshConfigMapName): key mesh of
// ConfigMap istio (default revision) or istio-<rev> in istiod's
// namespace, over the ConfigMap SHARED_MESH_CONFIG names, over Istio's
// defaults. ApplyMeshConfig (pkg/config/mesh/mesh.go@1.22.0) merges
// defaultConfig field by field, unions trustDomainAliases and lets other
// fields replace.
func (r *reader) meshConfig(rv *revision) (meshSettings, bool) {
	merged := maps.Clone(meshDefaults)
	names := []string{}
	if shared := rv.env["SHARED_MESH_CONFIG"]; shared != "" {
		names = append(names, shared)
	}
	name := "istio"
	if rv.name != defaultRevision {
		name += "-" + rv.name
	}
	names = append(names, name)
	for _, n := range names {
		cm, err := r.cs.CoreV1().ConfigMaps(rv.namespace).Get(r.ctx, n, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err) && n == name:
			r.notef("revision %s: no ConfigMap %s/%s; its mesh settings are Istio's defaults", rv.name, rv.namespace, n)
			continue
		case err != nil:
			r.cannot(fmt.Sprintf("ConfigMap %s/%s (revision %s's mesh config)", rv.namespace, n, rv.name), err, "its mesh settings")
			return meshSettings{}, false
		}
		layer, err := meshLayer(cm)
		if err != nil {
			r.notef("revision %s: ConfigMap %s/%s key mesh: %v (its mesh settings left out)", rv.name, rv.namespace, n, err)
			return meshSettings{}, false
		}
		applyMeshLayer(merged, layer)
	}
	js, err := json.Marshal(merged)
	if err != nil {
		r.notef("revision %s: mesh config: %v", rv.name, err)
		return meshSettings{}, false
	}
	mc := &meshv1alpha1.MeshConfig{}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(js, mc); err != nil {
		r.notef("revision %s: the mesh config is not one istiod accepts: %v (its mesh settings left out)", rv.name, err)
		return meshSettings{}, false
	}
	s := meshSettings{
		outbound:    mc.GetOutboundTrafficPolicy().GetMode().String(),
		root:        mc.GetRootNamespace(),
		trustDomain: mc.GetTrustDomain(),
		aliases:     mc.GetTrustDomainAliases(),
		autoMTLS:    mc.GetEnableAutoMtls().GetValue(),
	}
	if mc.GetEnableAutoMtls() == nil {
		s.autoMTLS = true
	}
	pc := mc.GetDefaultConfig()
	s.hold = pc.GetHoldApplicationUntilProxyStarts().GetValue()
	// pilot-agent reads these as booleans (pkg/istio-agent, DNS capture).
	s.dnsCapture, _ = strconv.ParseBool(pc.GetProxyMetadata()[mesh.MetaDNSCapture])
	s.autoAllocate, _ = strconv.ParseBool(pc.GetProxyMetadata()[mesh.MetaDNSAutoAllocate])
	return s, true
}

// meshLayer parses a mesh ConfigMap's key mesh (YAML) into a JSON map.
func meshLayer(cm *corev1.ConfigMap) (map[string]any, error) {
	text, ok := cm.Data["mesh"]
	if !ok {
		return nil, fmt.Errorf("missing")
	}
	js, err := manifest.YAMLToJSON([]byte(text), manifest.Limits{MaxDepth: 40, MaxNodes: 200_000})
	if err != nil {
		return nil, fmt.Errorf("not valid YAML: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(js, &m); err != nil {
		return nil, fmt.Errorf("not a mapping: %v", err)
	}
	return m, nil
}

// applyMeshLayer applies one layer the way ApplyMeshConfig does.
func applyMeshLayer(into, layer map[string]any) {
	for k, v := range layer {
		switch k {
		case "defaultConfig":
			base, _ := into[k].(map[string]any)
			if add, ok := v.(map[string]any); ok {
				into[k] = deepMerge(maps.Clone(base), add)
				continue
			}
		case "trustDomainAliases":
			old, _ := into[k].([]any)
			add, _ := v.([]any)
			union := slices.Clone(old)
			for _, a := range add {
				if !slices.Contains(union, a) {
					union = append(union, a)
				}
			}
			into[k] = union
			continue
		}
		into[k] = v
	}
}

// deepMerge merges mappings key by key (proto merge of a message, and of
// map fields such as proxyMetadata); lists and scalars replace.
func deepMerge(into, add map[string]any) map[string]any {
	if into == nil {
		into = map[string]any{}
	}
	for k, v := range add {
		am, ok1 := v.(map[string]any)
		bm, ok2 := into[k].(map[string]any)
		if ok1 && ok2 {
			into[k] = deepMerge(maps.Clone(bm), am)
			continue
		}
		into[k] = v
	}
	return into
}

// injectorDefaults are what a revision's injector ConfigMap says.
type injectorDefaults struct {
	hold      bool
	resources config.ProxyResources
}

// injectorValues reads key values (JSON) of ConfigMap
// istio-sidecar-injector[-<rev>] (templates/istiod-injector-configmap.yaml
// of the istiod chart @1.22.0): .global.proxy.resources, the proxy's
// default resources (100m/128Mi, limits 2000m/1024Mi in the chart), and
// the deprecated .global.proxy.holdApplicationUntilProxyStarts.
func (r *reader) injectorValues(rv *revision) (injectorDefaults, bool) {
	name := "istio-sidecar-injector"
	if rv.name != defaultRevision {
		name += "-" + rv.name
	}
	cm, err := r.cs.CoreV1().ConfigMaps(rv.namespace).Get(r.ctx, name, metav1.GetOptions{})
	if err != nil {
		r.cannot(fmt.Sprintf("ConfigMap %s/%s (revision %s's injector)", rv.namespace, name, rv.name), err,
			"holdApplicationUntilProxyStarts and the default proxy resources")
		return injectorDefaults{}, false
	}
	var v struct {
		Global struct {
			Proxy struct {
				Hold      *bool `json:"holdApplicationUntilProxyStarts"`
				Resources struct {
					Requests map[string]any `json:"requests"`
					Limits   map[string]any `json:"limits"`
				} `json:"resources"`
			} `json:"proxy"`
		} `json:"global"`
	}
	if err := json.Unmarshal([]byte(cm.Data["values"]), &v); err != nil {
		r.notef("revision %s: ConfigMap %s/%s key values is not the injector's JSON: %v", rv.name, rv.namespace, name, err)
		return injectorDefaults{}, false
	}
	p := v.Global.Proxy
	str := func(m map[string]any, k string) string {
		if x, ok := m[k]; ok && x != nil {
			return fmt.Sprint(x)
		}
		return ""
	}
	d := injectorDefaults{hold: p.Hold != nil && *p.Hold}
	d.resources = config.ProxyResources{
		CPU: str(p.Resources.Requests, "cpu"), Memory: str(p.Resources.Requests, "memory"),
		CPULimit: str(p.Resources.Limits, "cpu"), MemoryLimit: str(p.Resources.Limits, "memory"),
	}
	return d, true
}

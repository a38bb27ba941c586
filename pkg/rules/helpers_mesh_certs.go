package rules

import (
	"fmt"

	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// TTLSetting is one place a pod template sets pilot-agent's SECRET_TTL.
type TTLSetting struct {
	Raw   string
	Path  string // field path of the setting
	Where string // for messages
	// Env is set for an env entry of the istio-proxy container, which the
	// injector merges over the proxyMetadata it renders.
	Env bool
}

// secretTTLSettings finds SECRET_TTL in the pod's proxy.istio.io/config
// proxyMetadata and in the env of an istio-proxy container of the
// template (the injector merges that container into the one it injects).
func findSecretTTLSettings(w *Workload) []TTLSetting {
	var out []TTLSetting
	if v, ok := w.ProxyMetadata(mesh.EnvSecretTTL); ok {
		out = append(out, TTLSetting{Raw: v, Path: w.TemplateAnnotationPath(mesh.AnnotProxyConfig),
			Where: "proxyMetadata SECRET_TTL in " + mesh.AnnotProxyConfig})
	}
	for i := range w.Template.Spec.Containers {
		c := &w.Template.Spec.Containers[i]
		if c.Name != "istio-proxy" {
			continue
		}
		for j, e := range c.Env {
			if e.Name == mesh.EnvSecretTTL {
				out = append(out, TTLSetting{Raw: e.Value, Path: fmt.Sprintf("%s.env[%d].value", w.PodPath("containers", i), j),
					Where: "env SECRET_TTL of the istio-proxy container", Env: true})
			}
		}
	}
	return out
}

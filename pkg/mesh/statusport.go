package mesh

import (
	"strconv"
	"strings"

	meshv1alpha1 "istio.io/api/mesh/v1alpha1"
)

// StatusServer is where a pod's pilot-agent serves its status server, and
// with it /quitquitquit.
type StatusServer struct {
	Port int    // 0: pilot-agent runs no status server
	From string // the setting that moved it off DefaultStatusPort; "" when it is not moved
	// Spaced is set when status.sidecar.istio.io/port has spaces around a
	// port: the injector takes it, pilot-agent reads it as 0.
	Spaced bool
}

// Moved reports whether the status server is not on DefaultStatusPort.
func (s StatusServer) Moved() bool { return s.Port != DefaultStatusPort }

// StatusServerOf says where pilot-agent serves its status server for a pod
// with these annotations and pc, its parsed proxy.istio.io/config (nil when
// absent or unreadable). pilot-agent (pilot/cmd/pilot-agent/config/config.go
// at 1.22.0 to 1.30.0) takes the port from the ProxyConfig (the mesh's
// defaultConfig, then the pod's proxy.istio.io/config), then lets
// status.sidecar.istio.io/port override it, read with strconv.Atoi: a value
// Atoi refuses gives port 0. It starts the server only for a port above 0
// (pilot/cmd/pilot-agent/app/cmd.go). The mesh-wide defaultConfig.statusPort
// is no fact meshbatch knows for a pod template; the default 15020 is
// assumed. A live pod carries it (InjectedPodStatusServer).
func StatusServerOf(annotations map[string]string, pc *meshv1alpha1.ProxyConfig) StatusServer {
	return statusServerOver(StatusServer{Port: DefaultStatusPort}, annotations, pc)
}

// statusServerOver is StatusServerOf where base is the status server
// before the pod's own settings: pc's statusPort, then the annotation.
func statusServerOver(base StatusServer, annotations map[string]string, pc *meshv1alpha1.ProxyConfig) StatusServer {
	if v, ok := annotations[AnnotStatusPort]; ok {
		// The injector refuses the pod unless the value is a port after
		// trimming spaces (pkg/kube/inject/validate.go parsePort, MB212);
		// such a pod never runs, so the default stands for it.
		if _, err := strconv.ParseUint(strings.TrimSpace(v), 10, 16); err == nil {
			n, err := strconv.Atoi(v)
			if err != nil {
				return StatusServer{Port: 0, From: AnnotStatusPort, Spaced: true}
			}
			if n == DefaultStatusPort {
				return StatusServer{Port: n}
			}
			return StatusServer{Port: n, From: AnnotStatusPort}
		}
	}
	// The injector validates the ProxyConfig (statusPort within 1-65535,
	// MB204) and refuses the pod otherwise.
	switch p := int(pc.GetStatusPort()); {
	case p == 0:
		return base
	case p > 65535 || p == DefaultStatusPort:
		return StatusServer{Port: DefaultStatusPort}
	default:
		return StatusServer{Port: p, From: AnnotProxyConfig + " statusPort"}
	}
}

// PodStatusServer is StatusServerOf for a pod template's annotations,
// parsing its proxy.istio.io/config. The mesh-wide defaultConfig is not
// known for a template; for a pod the injector ran on, see
// InjectedPodStatusServer.
func PodStatusServer(annotations map[string]string) StatusServer {
	return statusServerOver(StatusServer{Port: DefaultStatusPort}, annotations, annotationProxyConfig(annotations))
}

// annotationProxyConfig is the pod's parsed proxy.istio.io/config, nil
// when absent or unreadable.
func annotationProxyConfig(annotations map[string]string) *meshv1alpha1.ProxyConfig {
	raw, ok := annotations[AnnotProxyConfig]
	if !ok {
		return nil
	}
	pc, _ := ParseProxyConfig(raw)
	return pc
}

// FromProxyConfigEnv is StatusServer.From for a port that the istio-proxy
// container's PROXY_CONFIG sets and no annotation of the pod does: the
// mesh's defaultConfig.statusPort or a ProxyConfig resource's.
const FromProxyConfigEnv = "istio-proxy container's PROXY_CONFIG statusPort (the mesh's defaultConfig or a ProxyConfig resource)"

// InjectedPodStatusServer is PodStatusServer for a pod the injector ran
// on, with proxyConfigEnv the istio-proxy container's PROXY_CONFIG ("" when
// it has none). The injector writes there the ProxyConfig it merged: the
// mesh's defaultConfig, ProxyConfig resources and proxy.istio.io/config
// (injection-template.yaml, protoToJSON .ProxyConfig, 1.22.0 to 1.28).
// pilot-agent (pilot/cmd/pilot-agent/config/config.go getMeshConfig and
// applyAnnotations) applies PROXY_CONFIG over the default mesh config, then
// proxy.istio.io/config, then status.sidecar.istio.io/port: so a status
// port in either annotation wins, else PROXY_CONFIG's, else 15020.
func InjectedPodStatusServer(annotations map[string]string, proxyConfigEnv string) StatusServer {
	base := StatusServer{Port: DefaultStatusPort}
	if proxyConfigEnv != "" {
		// pilot-agent refuses a ProxyConfig whose statusPort is out of
		// range (ValidateMeshConfigProxyConfig) and never starts: the
		// default stands.
		if env, err := ParseProxyConfig(proxyConfigEnv); err == nil {
			if p := int(env.GetStatusPort()); p > 0 && p <= 65535 && p != DefaultStatusPort {
				base = StatusServer{Port: p, From: FromProxyConfigEnv}
			}
		}
	}
	return statusServerOver(base, annotations, annotationProxyConfig(annotations))
}

// Describe says, for a message, where the status server is and why: "" when
// it is on DefaultStatusPort.
func (s StatusServer) Describe() string {
	switch {
	case !s.Moved():
		return ""
	case s.Spaced:
		return "its " + AnnotStatusPort + " has spaces around the port, which the injector accepts but pilot-agent reads " +
			"as 0 (strconv.Atoi) and runs no status server: nothing serves /quitquitquit"
	case s.Port == 0:
		return "its " + AnnotStatusPort + " is 0, which turns pilot-agent's status server off: nothing serves /quitquitquit"
	}
	return "its " + s.From + " moves pilot-agent's status server, and /quitquitquit with it, to port " + strconv.Itoa(s.Port)
}

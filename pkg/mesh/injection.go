package mesh

import (
	"strings"
)

// InjectTruthy is how Istio's injectRequired reads sidecar.istio.io/inject.
func InjectTruthy(v string) bool {
	switch strings.ToLower(v) {
	case "y", "yes", "true", "on":
		return true
	}
	return false
}

// IsIstioKey reports whether a label or annotation key is one Istio reads
// on pods (sidecar.istio.io/*, proxy.istio.io/*, *.sidecar.istio.io/*,
// istio.io/rev, istio.io/dataplane-mode).
func IsIstioKey(k string) bool {
	prefix, _, ok := strings.Cut(k, "/")
	if !ok {
		return false
	}
	switch {
	case prefix == "sidecar.istio.io", prefix == "proxy.istio.io", strings.HasSuffix(prefix, ".sidecar.istio.io"):
		return true
	case k == LabelRev, k == LabelDataplaneMode:
		return true
	}
	return false
}

// NeverInjected reports whether Istio's injector skips pods of a namespace
// whatever its labels and the pods' say (IgnoredNamespaces,
// pkg/kube/inject/initializer.go@1.22.0 and @1.28.0, read by injectRequired
// in pkg/kube/inject/inject.go).
func NeverInjected(ns string) bool {
	switch ns {
	case "kube-system", "kube-public", "kube-node-lease", "local-path-storage":
		return true
	}
	return false
}

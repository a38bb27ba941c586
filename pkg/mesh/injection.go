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

package istiovalid

import "istio.io/api/annotation"

// AsOf is the Istio release whose validation this package follows: its
// checks are held to Istio's own functions at the version e2e/go.mod pins
// (main of 2026-08-27, after the 1.31 branch). Istio adds checks between
// releases, so an older istiod may accept what this package refuses.
const AsOf = "1.31"

// AsOfMajor and AsOfMinor are AsOf as numbers.
const AsOfMajor, AsOfMinor = 1, 31

// newerPodAnnotationChecks are the pod annotations whose values the
// injector checks only from some releases on (pkg/kube/inject/validate.go:
// absent at 1.27.5 and 1.28.3, present at 1.27.6, 1.28.4 and 1.29.0), with
// the first 1.x minor that checks them in every patch.
var newerPodAnnotationChecks = map[string]struct {
	minor int
	since string
}{
	annotation.SidecarTrafficExcludeInterfaces.Name:  {29, "1.27.6, 1.28.4 and 1.29"},
	annotation.SidecarTrafficKubevirtInterfaces.Name: {29, "1.27.6, 1.28.4 and 1.29"},
	annotation.IoIstioRerouteVirtualInterfaces.Name:  {29, "1.27.6, 1.28.4 and 1.29"},
	annotation.SidecarProxyCPU.Name:                  {29, "1.27.6, 1.28.4 and 1.29"},
	annotation.SidecarProxyMemory.Name:               {29, "1.27.6, 1.28.4 and 1.29"},
	annotation.SidecarProxyCPULimit.Name:             {29, "1.27.6, 1.28.4 and 1.29"},
	annotation.SidecarProxyMemoryLimit.Name:          {29, "1.27.6, 1.28.4 and 1.29"},
}

// PodAnnotationCheckedSince says from which releases the injector checks
// the annotation's value when some 1.x release at or before minor does not
// check it in every patch ("1.27.6, 1.28.4 and 1.29"); "" when every
// release from 1.minor on checks it as this package does.
func PodAnnotationCheckedSince(name string, minor int) string {
	if c, ok := newerPodAnnotationChecks[name]; ok && minor < c.minor {
		return c.since
	}
	return ""
}

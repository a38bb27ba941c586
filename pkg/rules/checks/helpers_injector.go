package checks

import (
	"github.com/meshbatch/meshbatch/pkg/istiovalid"
	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// injectorChecks says whether istiod of version v (known, 1.x) checks the
// pod annotation's value as istiovalid does, and if not, from which
// releases on the injector does ("1.27.6, 1.28.4 and 1.29"). exact is true
// when the facts give the patch, which settles it; otherwise checked means
// every patch of v's minor checks.
func injectorChecks(name string, v mesh.Version) (checked bool, since string, exact bool) {
	// minor 0 is istiovalid's "unknown"; Istio 1.0 is older than any it follows
	if patch, ok := v.Patch(); ok && v.Minor > 0 {
		checked, since = istiovalid.PodAnnotationCheckedAt(name, istiovalid.ReleaseAt(v.Minor, patch))
		return checked, since, true
	}
	since = istiovalid.PodAnnotationCheckedSince(name, v.Minor)
	return since == "", since, false
}

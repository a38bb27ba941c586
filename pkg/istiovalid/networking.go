package istiovalid

import (
	"cmp"
	"slices"
	"strings"

	typev1beta1 "istio.io/api/type/v1beta1"
)

func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	ks := make([]K, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// configMapNamespace reads "<namespace>/<name>" after configmap://.
func configMapNamespace(rest, _ string) (string, bool) {
	parts := strings.Split(rest, "/")
	if len(parts) <= 1 || parts[0] == "" || parts[1] == "" {
		return "", false
	}
	return parts[0], true
}

// checkExportTo is validateExportTo.
func checkExportTo(is *Issues, path, ns string, exportTo []string, serviceEntry, drWithSelector bool) {
	if len(exportTo) == 0 {
		return
	}
	seen := map[string]bool{}
	for i, e := range exportTo {
		k := e
		if e == "." {
			k = ns
		}
		switch {
		case seen[k] && k != e:
			is.errf(idx(path, i), "duplicate entries in exportTo: . and current namespace %s", ns)
		case seen[k]:
			is.errf(idx(path, i), "duplicate entries in exportTo for entry %s", e)
		case serviceEntry && e == "~":
			seen[k] = true
		default:
			switch {
			case k == "." || k == "*":
				seen[k] = true
			case k == "~":
				is.errf(idx(path, i), "exportTo ~ (none) is not allowed for Istio configuration objects")
			case !isDNS1123Label(k):
				is.errf(idx(path, i), "only .,*, or a valid DNS 1123 label is allowed as exportTo entry")
			default:
				seen[k] = true
			}
		}
	}
	if drWithSelector && len(seen) > 0 {
		if seen[ns] {
			if len(seen) > 1 {
				is.errf(path, "destination rule with workload selector cannot have multiple entries in exportTo")
			}
		} else {
			is.errf(path, "destination rule with workload selector cannot have exportTo beyond current namespace")
		}
	}
	if seen["*"] && len(exportTo) > 1 {
		is.errf(path, "cannot have both public (*) and non-public exportTo values for a resource")
	}
	if seen["~"] && len(exportTo) > 1 {
		is.errf(path, "cannot export service entry to no one (~) and someone")
	}
}

// checkSelectorLabels is the part ValidateAlphaWorkloadSelector and
// validateWorkloadSelector share; it says whether there was an error.
func checkSelectorLabels(is *Issues, path string, m map[string]string) bool {
	bad := false
	for _, k := range sortedKeys(m) {
		v := m[k]
		if k == "" {
			is.errf(key(path, k), "empty key is not supported in selector: %q", k+"="+v)
			bad = true
		}
		if strings.Contains(k, "*") || strings.Contains(v, "*") {
			is.errf(key(path, k), "wildcard is not supported in selector: %q", k+"="+v)
			bad = true
		}
	}
	return bad
}

// checkWorkloadSelector is validateWorkloadSelector (security and
// DestinationRule selectors).
func checkWorkloadSelector(is *Issues, path string, sel *typev1beta1.WorkloadSelector) {
	if sel == nil {
		return
	}
	checkSelectorLabels(is, field(path, "matchLabels"), sel.GetMatchLabels())
	if len(sel.GetMatchLabels()) == 0 {
		is.warnf(path, "workload selector specified without labels")
	}
}

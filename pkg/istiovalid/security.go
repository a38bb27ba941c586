package istiovalid

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	security "istio.io/api/security/v1beta1"
	typev1beta1 "istio.io/api/type/v1beta1"
)

// PeerAuthentication is ValidatePeerAuthentication of release r.
func PeerAuthentication(r Release, pa *security.PeerAuthentication) Issues {
	var is Issues
	levels := pa.GetPortLevelMtls()
	if len(pa.GetSelector().GetMatchLabels()) == 0 && len(levels) != 0 {
		is.errf("spec.portLevelMtls", "mesh/namespace peer authentication cannot have port level mTLS")
	}
	if levels != nil && len(levels) == 0 {
		is.errf("spec.portLevelMtls", "port level mTLS, if defined, must have at least one element")
	}
	for _, port := range sortedKeys(levels) {
		switch {
		case !r.has(paPortRange) && port == 0:
			is.errf(portKey("spec.portLevelMtls", port), "port cannot be 0")
		case r.has(paPortRange) && (port == 0 || port > 65535):
			is.errf(portKey("spec.portLevelMtls", port), "port must be in range 1..65535")
		}
	}
	checkWorkloadSelector(&is, "spec.selector", pa.GetSelector())
	return is
}

// policyTargetKinds are the group/kinds a policy's targetRef may name
// ("core" for the core group) in Istio's order, with the releases that
// allow each and the name Istio's message gives it.
var policyTargetKinds = []struct {
	kind, gvk string
	p         presence
}{
	{"core/Service", "core/v1/Service", always},
	{"networking.istio.io/ServiceEntry", "networking.istio.io/v1/ServiceEntry", apTargetServiceEntry},
	{"gateway.networking.k8s.io/Gateway", "gateway.networking.k8s.io/v1/Gateway", always},
	{"gateway.networking.k8s.io/GatewayClass", "gateway.networking.k8s.io/v1/GatewayClass", apTargetGatewayClass},
}

func checkTargetRef(is *Issues, rel Release, path string, r *typev1beta1.PolicyTargetReference) {
	if r == nil {
		return
	}
	if r.GetName() == "" {
		is.errf(field(path, "name"), "targetRef name must be set")
	}
	if r.GetNamespace() != "" {
		msg := "targetRef namespace must not be set; cross namespace referencing is not supported"
		if rel.minor < 23 {
			msg = "targetRef namespace must not be set"
		}
		is.errf(field(path, "namespace"), "%s", msg)
	}
	g := r.GetGroup()
	if g == "" {
		g = "core"
	}
	var allowed []string
	ok := false
	for _, k := range policyTargetKinds {
		if rel.has(k.p) {
			allowed = append(allowed, k.gvk)
			ok = ok || k.kind == g+"/"+r.GetKind()
		}
	}
	if !ok {
		is.errf(path, "targetRef must be to one of [%s] but was %s/%s", strings.Join(allowed, " "), r.GetGroup(), r.GetKind())
	}
}

// AuthorizationPolicy is ValidateAuthorizationPolicy of release r (with
// validateMetadata's dry-run check, see Metadata).
func AuthorizationPolicy(r Release, ap *security.AuthorizationPolicy) Issues {
	var is Issues
	set := 0
	if ap.GetSelector() != nil {
		set++
	}
	if ap.GetTargetRef() != nil {
		set++
	}
	if len(ap.GetTargetRefs()) > 0 {
		set++
	}
	if set > 1 {
		is.errf("spec", "only one of targetRefs or workloadSelector can be set")
	}
	checkWorkloadSelector(&is, "spec.selector", ap.GetSelector())
	checkTargetRef(&is, r, "spec.targetRef", ap.GetTargetRef())
	for i, ref := range ap.GetTargetRefs() {
		checkTargetRef(&is, r, idx("spec.targetRefs", i), ref)
	}
	action := ap.GetAction()
	if action == security.AuthorizationPolicy_CUSTOM {
		if ap.Rules == nil {
			is.errf("spec.rules", "CUSTOM action without `rules` is meaningless as it will never be triggered, "+
				"add an empty rule `{}` if you want it be triggered for every request")
		} else if ap.GetProvider().GetName() == "" {
			is.errf("spec.provider", "`provider.name` must not be empty")
		}
		for i, rule := range ap.GetRules() {
			rp := idx("spec.rules", i)
			for j, from := range rule.GetFrom() {
				src := from.GetSource()
				if src == nil {
					continue
				}
				sp := field(idx(field(rp, "from"), j), "source")
				for _, c := range []struct {
					set  bool
					name string
					p    presence
				}{
					{len(src.Namespaces) != 0, "From.Namespaces", always}, {len(src.NotNamespaces) != 0, "From.NotNamespaces", always},
					{len(src.ServiceAccounts) != 0, "From.ServiceAccounts", apServiceAccounts},
					{len(src.NotServiceAccounts) != 0, "From.NotServiceAccounts", apServiceAccounts},
					{len(src.TrustDomains) != 0, "From.TrustDomains", apTrustDomains},
					{len(src.NotTrustDomains) != 0, "From.NotTrustDomains", apTrustDomains},
					{len(src.Principals) != 0, "From.Principals", always}, {len(src.NotPrincipals) != 0, "From.NotPrincipals", always},
					{len(src.RequestPrincipals) != 0, "From.RequestPrincipals", always},
					{len(src.NotRequestPrincipals) != 0, "From.NotRequestPrincipals", always},
				} {
					if c.set {
						is.gated(r, c.p, func(is *Issues) { is.errf(sp, "%s is currently not supported with CUSTOM action", c.name) })
					}
				}
			}
			for j, w := range rule.GetWhen() {
				wp := idx(field(rp, "when"), j)
				if w == nil {
					is.errf(wp, "when field cannot be nil")
					continue
				}
				k := w.GetKey()
				switch {
				case k == "source.serviceAccount":
					is.gated(r, apServiceAccounts, func(is *Issues) {
						is.errf(field(wp, "key"), "%s is currently not supported with CUSTOM action", k)
					})
				case k == "source.trustDomain":
					is.gated(r, apTrustDomains, func(is *Issues) {
						is.errf(field(wp, "key"), "%s is currently not supported with CUSTOM action", k)
					})
				case k == "source.namespace" || k == "source.principal" || strings.HasPrefix(k, "request.auth."):
					is.errf(field(wp, "key"), "%s is currently not supported with CUSTOM action", k)
				}
			}
		}
	}
	if ap.GetProvider() != nil && action != security.AuthorizationPolicy_CUSTOM {
		is.errf("spec.provider", "`provider` must not be with non CUSTOM action, found %s", action)
	}
	if action == security.AuthorizationPolicy_DENY && ap.Rules == nil {
		is.errf("spec.rules", "DENY action without `rules` is meaningless as it will never be triggered, "+
			"add an empty rule `{}` if you want it be triggered for every request")
	}
	for i, rule := range ap.GetRules() {
		checkAuthzRule(&is, r, idx("spec.rules", i), i, rule, action)
	}
	return is
}

func checkAuthzRule(is *Issues, rel Release, rp string, i int, r *security.Rule, action security.AuthorizationPolicy_Action) {
	if r == nil {
		is.errf(rp, "`rule` must not be nil, found at rule %d", i)
		return
	}
	if r.From != nil && len(r.From) == 0 {
		is.errf(field(rp, "from"), "`from` must not be empty, found at rule %d", i)
	}
	tcpFrom, tcpTo, hasFrom, hasTo := false, false, false, false
	for j, from := range r.From {
		fp := idx(field(rp, "from"), j)
		if from == nil {
			is.errf(fp, "`from` must not be nil, found at rule %d", i)
			continue
		}
		src := from.Source
		if src == nil {
			is.errf(field(fp, "source"), "`from.source` must not be nil, found at rule %d", i)
			continue
		}
		hasFrom = true
		sp := field(fp, "source")
		if len(src.Principals)+len(src.NotPrincipals)+len(src.Namespaces)+len(src.NotNamespaces) > 0 &&
			len(src.ServiceAccounts)+len(src.NotServiceAccounts) > 0 {
			is.errf(sp, "cannot set serviceAccounts with namespaces or principals, found at rule %d", i)
		}
		if len(src.Principals)+len(src.RequestPrincipals)+len(src.Namespaces)+len(src.IpBlocks)+len(src.RemoteIpBlocks)+
			len(src.NotPrincipals)+len(src.NotRequestPrincipals)+len(src.NotNamespaces)+len(src.NotIpBlocks)+
			len(src.NotRemoteIpBlocks)+len(src.ServiceAccounts)+len(src.NotServiceAccounts) == 0 {
			if len(src.TrustDomains)+len(src.NotTrustDomains) == 0 {
				is.errf(sp, "`from.source` must not be empty, found at rule %d", i)
			} else {
				is.gated(rel, apTrustDomainsUncounted, func(is *Issues) {
					is.errf(sp, "`from.source` must not be empty, found at rule %d", i)
				})
			}
		}
		if len(src.IpBlocks) > 0 {
			checkIPs(is, field(sp, "ipBlocks"), src.IpBlocks)
		}
		if len(src.NotIpBlocks) > 0 {
			checkIPs(is, field(sp, "notIpBlocks"), src.NotIpBlocks)
		}
		if len(src.RemoteIpBlocks) > 0 {
			checkIPs(is, field(sp, "remoteIpBlocks"), src.RemoteIpBlocks)
		}
		if len(src.NotRemoteIpBlocks) > 0 {
			checkIPs(is, field(sp, "notRemoteIpBlocks"), src.NotRemoteIpBlocks)
		}
		is.errAt(sp, "principals", checkEmptyValues("Principals", src.Principals))
		is.errAt(sp, "requestPrincipals", checkEmptyValues("RequestPrincipals", src.RequestPrincipals))
		is.errAt(sp, "namespaces", checkEmptyValues("Namespaces", src.Namespaces))
		is.errAt(sp, "serviceAccounts", checkServiceAccounts("ServiceAccounts", src.ServiceAccounts))
		is.gated(rel, apTrustDomains, func(is *Issues) {
			is.errAt(sp, "trustDomains", checkTrustDomains("TrustDomains", src.TrustDomains))
		})
		is.errAt(sp, "ipBlocks", checkEmptyValues("IpBlocks", src.IpBlocks))
		is.errAt(sp, "remoteIpBlocks", checkEmptyValues("RemoteIpBlocks", src.RemoteIpBlocks))
		is.errAt(sp, "notPrincipals", checkEmptyValues("NotPrincipals", src.NotPrincipals))
		is.errAt(sp, "notRequestPrincipals", checkEmptyValues("NotRequestPrincipals", src.NotRequestPrincipals))
		is.errAt(sp, "notNamespaces", checkEmptyValues("NotNamespaces", src.NotNamespaces))
		is.errAt(sp, "notServiceAccounts", checkServiceAccounts("NotServiceAccounts", src.NotServiceAccounts))
		is.gated(rel, apTrustDomains, func(is *Issues) {
			is.errAt(sp, "notTrustDomains", checkTrustDomains("NotTrustDomains", src.NotTrustDomains))
		})
		is.errAt(sp, "notIpBlocks", checkEmptyValues("NotIpBlocks", src.NotIpBlocks))
		is.errAt(sp, "notRemoteIpBlocks", checkEmptyValues("NotRemoteIpBlocks", src.NotRemoteIpBlocks))
		if src.NotPrincipals != nil || src.Principals != nil || src.IpBlocks != nil || src.NotIpBlocks != nil ||
			src.Namespaces != nil || src.NotNamespaces != nil || src.RemoteIpBlocks != nil || src.NotRemoteIpBlocks != nil ||
			src.ServiceAccounts != nil || src.NotServiceAccounts != nil {
			tcpFrom = true
		}
	}
	if r.To != nil && len(r.To) == 0 {
		is.errf(field(rp, "to"), "`to` must not be empty, found at rule %d", i)
	}
	for j, to := range r.To {
		tp := idx(field(rp, "to"), j)
		if to == nil {
			is.errf(tp, "`to` must not be nil, found at rule %d", i)
			continue
		}
		op := to.Operation
		if op == nil {
			is.errf(field(tp, "operation"), "`to.operation` must not be nil, found at rule %d", i)
			continue
		}
		hasTo = true
		opp := field(tp, "operation")
		if len(op.Ports)+len(op.Methods)+len(op.Paths)+len(op.Hosts)+len(op.NotPorts)+len(op.NotMethods)+
			len(op.NotPaths)+len(op.NotHosts) == 0 {
			is.errf(opp, "`to.operation` must not be empty, found at rule %d", i)
		}
		if len(op.Ports) > 0 {
			checkPorts(is, field(opp, "ports"), op.Ports)
		}
		if len(op.NotPorts) > 0 {
			checkPorts(is, field(opp, "notPorts"), op.NotPorts)
		}
		for _, c := range []struct {
			name, json string
			vals       []string
		}{
			{"Ports", "ports", op.Ports}, {"Methods", "methods", op.Methods}, {"Paths", "paths", op.Paths},
			{"Hosts", "hosts", op.Hosts}, {"NotPorts", "notPorts", op.NotPorts}, {"NotMethods", "notMethods", op.NotMethods},
			{"NotPaths", "notPaths", op.NotPaths}, {"NotHosts", "notHosts", op.NotHosts},
		} {
			is.errAt(opp, c.json, checkEmptyValues(c.name, c.vals))
		}
		checkPaths(is, rel, field(opp, "paths"), "Paths", op.Paths)
		checkPaths(is, rel, field(opp, "notPaths"), "NotPaths", op.NotPaths)
		if op.Ports != nil || op.NotPorts != nil {
			tcpTo = true
		}
	}
	for j, c := range r.GetWhen() {
		wp := idx(field(rp, "when"), j)
		k := c.GetKey()
		if k == "" {
			is.errf(field(wp, "key"), "`key` must not be empty")
			continue
		}
		if len(c.GetValues()) == 0 && len(c.GetNotValues()) == 0 {
			is.errf(wp, "at least one of `values` or `notValues` must be set for key %s", k)
			continue
		}
		for _, v := range []struct {
			json, what string
			vals       []string
		}{{"values", "value", c.GetValues()}, {"notValues", "notValue", c.GetNotValues()}} {
			vp := field(wp, v.json)
			switch {
			case k == "source.serviceAccount" && !rel.has(apServiceAccounts),
				k == "source.trustDomain" && !rel.has(apTrustDomainKey):
				is.errf(vp, "invalid `%s` for `key` %s: unknown attribute: %s", v.what, k, k)
			case k == "source.trustDomain":
				if err := checkEmptyValues(k, v.vals); err != nil {
					is.errf(vp, "invalid `%s` for `key` %s: %v", v.what, k, err)
					break
				}
				is.gated(rel, apTrustDomains, func(is *Issues) {
					if err := checkAttribute(k, v.vals); err != nil {
						is.errf(vp, "invalid `%s` for `key` %s: %v", v.what, k, err)
					}
				})
			default:
				if err := checkAttribute(k, v.vals); err != nil {
					is.errf(vp, "invalid `%s` for `key` %s: %v", v.what, k, err)
				}
			}
		}
	}
	if ((hasFrom && !hasTo && !tcpFrom) || (hasTo && !tcpTo)) && action == security.AuthorizationPolicy_DENY {
		is.warnf(rp, "configured AuthorizationPolicy will deny all traffic "+
			"to TCP ports under its scope due to the use of only HTTP attributes in a DENY rule; "+
			"it is recommended to explicitly specify the port")
	}
}

func checkIPs(is *Issues, path string, ips []string) {
	for i, v := range ips {
		if strings.Contains(v, "/") {
			if _, err := netip.ParsePrefix(v); err != nil {
				is.errf(idx(path, i), "bad CIDR range (%s): %v", v, err)
			}
		} else if _, err := netip.ParseAddr(v); err != nil {
			is.errf(idx(path, i), "bad IP address (%s)", v)
		}
	}
}

func checkPorts(is *Issues, path string, ports []string) {
	for i, p := range ports {
		n, err := strconv.ParseUint(p, 10, 32)
		if err != nil || n > 65535 {
			is.errf(idx(path, i), "bad port (%s): %v", p, err)
		}
	}
}

func checkEmptyValues(key string, vals []string) error {
	for _, v := range vals {
		if v == "" {
			return fmt.Errorf("empty value not allowed, found in %s", key)
		}
	}
	return nil
}

func checkWildcardValues(key string, vals []string) error {
	if err := checkEmptyValues(key, vals); err != nil {
		return err
	}
	for _, v := range vals {
		n := strings.Count(v, "*")
		if n > 1 {
			return fmt.Errorf("at most one wildcard is allowed, found in %s: %q", key, v)
		}
		if n == 1 && v != "*" && !strings.HasPrefix(v, "*") && !strings.HasSuffix(v, "*") {
			return fmt.Errorf("wildcard is only allowed at the start or end, found in %s: %q", key, v)
		}
	}
	return nil
}

func checkTrustDomains(key string, vals []string) error {
	if err := checkWildcardValues(key, vals); err != nil {
		return err
	}
	for _, v := range vals {
		if strings.Contains(v, "/") {
			return fmt.Errorf("trust domain must not contain '/', found in %s: %q", key, v)
		}
	}
	return nil
}

func checkServiceAccounts(key string, vals []string) error {
	if len(vals) > 16 {
		return fmt.Errorf("may not have more than 16 values")
	}
	for _, v := range vals {
		if v == "" {
			return fmt.Errorf("empty value not allowed, found in %s", key)
		}
		if strings.Contains(v, "*") {
			return fmt.Errorf("wildcard not allowed, found in %s", key)
		}
		if n := strings.Count(v, "/"); n > 1 {
			return fmt.Errorf("expected format 'serviceAccount' or 'namespace/serviceAccount', found %q in %s", v, key)
		}
		if len(v) > 320 {
			return fmt.Errorf("value cannot exceed 320 characters, found %q in %s", v, key)
		}
		if ns, sa, ok := strings.Cut(v, "/"); ok {
			if ns == "" {
				return fmt.Errorf("expected format 'serviceAccount' or 'namespace/serviceAccount', found empty namespace %q in %s", v, key)
			}
			if sa == "" {
				return fmt.Errorf("expected format 'serviceAccount' or 'namespace/serviceAccount', found empty serviceAccount %q in %s", v, key)
			}
		}
	}
	return nil
}

// checkPaths is CheckValidPathTemplate of release r: the strict checks
// where r has them, the older '*' check where some patch of r lacks them
// (it refuses a subset of what the strict ones refuse).
func checkPaths(is *Issues, r Release, path, key string, paths []string) {
	if r.has(apStrictPathTemplate) {
		is.err(path, checkPathTemplates(key, paths))
		return
	}
	if err := checkPathTemplatesBefore125(key, paths); err != nil {
		is.err(path, err)
		return
	}
	is.gated(r, apStrictPathTemplate, func(is *Issues) { is.err(path, checkPathTemplates(key, paths)) })
}

// checkPathTemplatesBefore125 is CheckValidPathTemplate before fdad067badd:
// with a template in the path, no segment may hold a '*' or a brace but
// the template's own.
func checkPathTemplatesBefore125(key string, paths []string) error {
	for _, p := range paths {
		templated := strings.Contains(p, "{*}") || strings.Contains(p, "{**}")
		for _, glob := range strings.Split(p, "/") {
			if glob == "{*}" || glob == "{**}" {
				continue
			}
			if strings.ContainsAny(glob, "{}") {
				return fmt.Errorf("invalid or unsupported path %s, found in %s.Contains '{' or '}' beyond a supported path template", p, key)
			}
			if templated && strings.Contains(glob, "*") {
				return fmt.Errorf("invalid or unsupported path %s, found in %s.Contains '*' beyond a supported path template", p, key)
			}
		}
	}
	return nil
}

var pathLiteralRE = regexp.MustCompile("^[a-zA-Z0-9-._~%!$&'()+,;:@=]+$")

func checkPathTemplates(key string, paths []string) error {
	for _, p := range paths {
		templated := strings.Contains(p, "{*}") || strings.Contains(p, "{**}")
		trimmed := strings.Trim(p, "/")
		sawAny := false
		for _, glob := range strings.Split(trimmed, "/") {
			switch {
			case glob == "{*}" && !sawAny:
				continue
			case glob == "{**}" && !sawAny:
				sawAny = true
				continue
			case glob == "{**}" || glob == "{*}":
				return fmt.Errorf("invalid or unsupported path %s, found in %s. {**} is not the last operator", trimmed, key)
			}
			if strings.ContainsAny(glob, "{}") {
				return fmt.Errorf("invalid or unsupported path %s, found in %s. Contains '{' or '}' beyond a supported path template", trimmed, key)
			}
			if templated && !pathLiteralRE.MatchString(glob) {
				return fmt.Errorf("invalid or unsupported path %s, found in %s. Contains segment %s with invalid string literal", trimmed, key, glob)
			}
		}
	}
	return nil
}

// checkAttribute is security.ValidateAttribute: what a condition's key
// may be and what its values must look like.
func checkAttribute(k string, vals []string) error {
	if err := checkEmptyValues(k, vals); err != nil {
		return err
	}
	mapKey := func() error {
		open := strings.Index(k, "[")
		if strings.HasSuffix(k, "]") && open > 0 && open < len(k)-2 {
			return nil
		}
		return fmt.Errorf("bad key (%s): should have format a[b]", k)
	}
	ips := func() error {
		var is Issues
		checkIPs(&is, "", vals)
		if len(is) == 0 {
			return nil
		}
		msgs := make([]string, len(is))
		for i, x := range is {
			msgs[i] = x.Msg
		}
		return fmt.Errorf("%s", strings.Join(msgs, "; "))
	}
	switch {
	case strings.HasPrefix(k, "request.headers"):
		return mapKey()
	case k == "source.ip", k == "remote.ip", k == "destination.ip":
		return ips()
	case k == "source.namespace", k == "source.principal", k == "request.auth.principal",
		k == "request.auth.audiences", k == "request.auth.presenter", k == "connection.sni":
		return nil
	case k == "source.serviceAccount":
		return checkServiceAccounts(k, vals)
	case k == "source.trustDomain":
		return checkWildcardValues(k, vals)
	case strings.HasPrefix(k, "request.auth.claims"):
		return mapKey()
	case k == "destination.port":
		var is Issues
		checkPorts(&is, "", vals)
		if len(is) > 0 {
			return fmt.Errorf("%s", is[0].Msg)
		}
		return nil
	case strings.HasPrefix(k, "experimental.envoy.filters."):
		return mapKey()
	case k == "destination.namespace":
		return fmt.Errorf("attribute %s is replaced by the metadata.namespace", k)
	case strings.HasPrefix(k, "destination.labels"):
		return fmt.Errorf("attribute %s is replaced by the workload selector", k)
	case k == "destination.name", k == "destination.user":
		return fmt.Errorf("deprecated attribute %s: only supported in v1alpha1", k)
	}
	return fmt.Errorf("unknown attribute: %s", k)
}

// Metadata is validateMetadata of release r: annotations Istio refuses on
// any object, and istio.io/dry-run outside an ALLOW or DENY
// AuthorizationPolicy (ap nil for other kinds).
func Metadata(r Release, ns, name string, annotations map[string]string, ap *security.AuthorizationPolicy, isAuthz bool) Issues {
	var is Issues
	const anns = "metadata.annotations"
	if v, ok := annotations["istio.io/dry-run"]; ok {
		switch {
		case !isAuthz:
			is.errf(key(anns, "istio.io/dry-run"), "%s/%s has unsupported annotation istio.io/dry-run, please remove the annotation", ns, name)
		case ap.GetAction() == security.AuthorizationPolicy_ALLOW || ap.GetAction() == security.AuthorizationPolicy_DENY:
			if _, err := strconv.ParseBool(v); err != nil {
				is.errf(key(anns, "istio.io/dry-run"), "%s/%s has annotation istio.io/dry-run with invalid value (%s): %v", ns, name, v, err)
			}
		default:
			is.errf(key(anns, "istio.io/dry-run"), "the annotation istio.io/dry-run currently only supports action ALLOW/DENY, found action %v in %s/%s",
				ap.GetAction(), ns, name)
		}
		if len(is) > 0 {
			return is
		}
	}
	for _, a := range []string{"internal.istio.io/webhook-always-reject"} {
		if _, ok := annotations[a]; ok {
			is.errf(key(anns, a), "%q annotation found, rejecting", a)
			return is
		}
	}
	if !r.has(metaInternalParents) {
		return is // no patch differs: 1.27.0 has the check
	}
	for _, a := range []string{"internal.istio.io/parent-namespace", "internal.istio.io/parents"} {
		if _, ok := annotations[a]; ok {
			is.errf(key(anns, a), "%q annotation found, this may not be set by users", a)
			return is
		}
	}
	return is
}

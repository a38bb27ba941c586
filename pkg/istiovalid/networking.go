package istiovalid

import (
	"cmp"
	"fmt"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"

	networking "istio.io/api/networking/v1alpha3"
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

// DestinationRule is ValidateDestinationRule for a rule in namespace ns.
func DestinationRule(ns string, dr *networking.DestinationRule) Issues {
	var is Issues
	is.err("spec.host", checkWildcardDomain(dr.GetHost()))
	checkTrafficPolicy(&is, "spec.trafficPolicy", ns, dr.GetTrafficPolicy())
	names := map[string]bool{}
	for i, s := range dr.GetSubsets() {
		p := idx("spec.subsets", i)
		if s == nil {
			is.errf(p, "subset may not be null")
			continue
		}
		if names[s.GetName()] {
			is.errf(field(p, "name"), "duplicate subset names: %s", s.GetName())
		}
		names[s.GetName()] = true
		is.err(field(p, "name"), checkSubsetName(s.GetName()))
		checkLabelMap(&is, field(p, "labels"), s.GetLabels())
		checkTrafficPolicy(&is, field(p, "trafficPolicy"), ns, s.GetTrafficPolicy())
	}
	checkExportTo(&is, "spec.exportTo", ns, dr.GetExportTo(), false, dr.GetWorkloadSelector() != nil)
	checkWorkloadSelector(&is, "spec.workloadSelector", dr.GetWorkloadSelector())
	return is
}

func checkSubsetName(name string) error {
	if name == "" {
		return fmt.Errorf("subset name cannot be empty")
	}
	if !isDNS1123Label(name) {
		return fmt.Errorf("subset name is invalid: %s", name)
	}
	return nil
}

func checkTrafficPolicy(is *Issues, path, ns string, tp *networking.TrafficPolicy) {
	if tp == nil {
		return
	}
	if tp.OutlierDetection == nil && tp.ConnectionPool == nil && tp.LoadBalancer == nil && tp.Tls == nil &&
		tp.PortLevelSettings == nil && tp.Tunnel == nil && tp.ProxyProtocol == nil && tp.RetryBudget == nil {
		is.errf(path, "traffic policy must have at least one field")
		return
	}
	if tp.Tunnel != nil && tp.ProxyProtocol != nil {
		is.errf(path, "tunnel and proxyProtocol must not be set together")
		return
	}
	checkOutlierDetection(is, field(path, "outlierDetection"), tp.OutlierDetection)
	checkConnectionPool(is, field(path, "connectionPool"), tp.ConnectionPool)
	checkLoadBalancer(is, field(path, "loadBalancer"), tp.LoadBalancer, tp.OutlierDetection)
	checkClientTLS(is, field(path, "tls"), ns, tp.Tls)
	for i, pl := range tp.PortLevelSettings {
		p := idx(field(path, "portLevelSettings"), i)
		if pl == nil {
			is.errf(p, "traffic policy may not be null")
			continue
		}
		if pl.Port == nil {
			is.errf(field(p, "port"), "portTrafficPolicy must have valid port")
		}
		if pl.OutlierDetection == nil && pl.ConnectionPool == nil && pl.LoadBalancer == nil && pl.Tls == nil {
			is.errf(p, "port traffic policy must have at least one field")
			continue
		}
		checkOutlierDetection(is, field(p, "outlierDetection"), pl.OutlierDetection)
		checkConnectionPool(is, field(p, "connectionPool"), pl.ConnectionPool)
		checkLoadBalancer(is, field(p, "loadBalancer"), pl.LoadBalancer, pl.OutlierDetection)
		checkClientTLS(is, field(p, "tls"), ns, pl.Tls)
	}
	if t := tp.Tunnel; t != nil {
		p := field(path, "tunnel")
		if t.Protocol != "" && t.Protocol != "CONNECT" && t.Protocol != "POST" {
			is.errf(field(p, "protocol"), `tunnel protocol must be "CONNECT" or "POST"`)
		}
		if fe, ie := checkFQDN(t.TargetHost), checkIP(t.TargetHost); fe != nil && ie != nil {
			is.errf(field(p, "targetHost"), "tunnel target host must be valid FQDN or IP address: %s; %s", fe, ie)
		}
		if err := checkPort(int(t.TargetPort)); err != nil {
			is.errf(field(p, "targetPort"), "tunnel target port is invalid: %s", err)
		}
	}
	if pp := tp.ProxyProtocol; pp != nil && pp.Version != 0 && pp.Version != 1 {
		is.errf(field(path, "proxyProtocol.version"), "proxy protocol version is invalid: %d", pp.Version)
	}
}

func checkOutlierDetection(is *Issues, path string, o *networking.OutlierDetection) {
	if o == nil {
		return
	}
	if o.BaseEjectionTime != nil {
		is.err(field(path, "baseEjectionTime"), checkDuration(o.BaseEjectionTime))
	}
	//lint:ignore SA1019 Istio warns about it
	if o.ConsecutiveErrors != 0 {
		is.warnf(field(path, "consecutiveErrors"), "outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead")
	}
	if !o.SplitExternalLocalOriginErrors && o.ConsecutiveLocalOriginFailures.GetValue() > 0 {
		is.errf(field(path, "consecutiveLocalOriginFailures"), "outlier detection consecutive local origin failures is specified, but split external local origin errors is set to false")
	}
	if o.Interval != nil {
		is.err(field(path, "interval"), checkDuration(o.Interval))
	}
	is.err(field(path, "maxEjectionPercent"), checkPercent(o.MaxEjectionPercent))
	is.err(field(path, "minHealthPercent"), checkPercent(o.MinHealthPercent))
}

func checkConnectionPool(is *Issues, path string, cp *networking.ConnectionPoolSettings) {
	if cp == nil {
		return
	}
	if cp.Http == nil && cp.Tcp == nil {
		is.errf(path, "connection pool must have at least one field")
		return
	}
	if h := cp.Http; h != nil {
		p := field(path, "http")
		neg := func(v int32, name, what string) {
			if v < 0 {
				is.errf(field(p, name), "%s must be non-negative", what)
			}
		}
		neg(h.Http1MaxPendingRequests, "http1MaxPendingRequests", "http1 max pending requests")
		neg(h.Http2MaxRequests, "http2MaxRequests", "http2 max requests")
		neg(h.MaxRequestsPerConnection, "maxRequestsPerConnection", "max requests per connection")
		neg(h.MaxRetries, "maxRetries", "max retries")
		if h.IdleTimeout != nil {
			is.err(field(p, "idleTimeout"), checkDuration(h.IdleTimeout))
		}
		if h.H2UpgradePolicy == networking.ConnectionPoolSettings_HTTPSettings_UPGRADE && h.UseClientProtocol {
			is.errf(field(p, "useClientProtocol"), "use client protocol must not be true when H2UpgradePolicy is UPGRADE")
		}
		neg(h.MaxConcurrentStreams, "maxConcurrentStreams", "max concurrent streams")
		if ka := h.GetHttp2KeepAlive(); ka != nil {
			kp := field(p, "http2KeepAlive")
			if ka.Interval == nil {
				is.errf(field(kp, "interval"), "http2 keepalive interval is required")
			} else {
				is.err(field(kp, "interval"), checkDuration(ka.Interval))
			}
			if ka.Timeout == nil {
				is.errf(field(kp, "timeout"), "http2 keepalive timeout is required")
			} else {
				is.err(field(kp, "timeout"), checkDuration(ka.Timeout))
			}
		}
	}
	if t := cp.Tcp; t != nil {
		p := field(path, "tcp")
		if t.MaxConnections < 0 {
			is.errf(field(p, "maxConnections"), "max connections must be non-negative")
		}
		if t.ConnectTimeout != nil {
			is.err(field(p, "connectTimeout"), checkDuration(t.ConnectTimeout))
		}
		if t.MaxConnectionDuration != nil {
			is.err(field(p, "maxConnectionDuration"), checkDuration(t.MaxConnectionDuration))
		}
		if t.IdleTimeout != nil && t.IdleTimeout.AsDuration().Milliseconds() != 0 {
			is.err(field(p, "idleTimeout"), checkDuration(t.IdleTimeout))
		}
		if ka := t.TcpKeepalive; ka != nil {
			if ka.Time != nil {
				is.err(field(p, "tcpKeepalive.time"), checkDuration(ka.Time))
			}
			if ka.Interval != nil {
				is.err(field(p, "tcpKeepalive.interval"), checkDuration(ka.Interval))
			}
		}
	}
}

func checkLoadBalancer(is *Issues, path string, lb *networking.LoadBalancerSettings, outlier *networking.OutlierDetection) {
	if lb == nil {
		return
	}
	if ch := lb.GetConsistentHash(); ch != nil {
		p := field(path, "consistentHash")
		if c := ch.GetHttpCookie(); c != nil {
			if c.GetName() == "" {
				is.errf(field(p, "httpCookie.name"), "name required for HttpCookie")
			}
			names := map[string]bool{}
			for i, a := range c.GetAttributes() {
				ap := idx(field(p, "httpCookie.attributes"), i)
				switch {
				case a.GetName() == "":
					is.errf(ap, "cookie attribute name cannot be empty")
				case names[a.GetName()]:
					is.errf(ap, "duplicate cookie attribute name: %s", a.GetName())
				default:
					names[a.GetName()] = true
				}
			}
		}
		//lint:ignore SA1019 Istio warns about it
		if ch.MinimumRingSize != 0 {
			is.warnf(field(p, "minimumRingSize"), "consistent hash MinimumRingSize is deprecated, use ConsistentHashLB's RingHash configuration instead")
			if ch.GetHashAlgorithm() != nil {
				is.errf(field(p, "minimumRingSize"), "only one of MinimumRingSize or Maglev/Ringhash can be specified")
			}
		}
		if ml := ch.GetMaglev(); ml != nil {
			mp := field(p, "maglev.tableSize")
			if ml.TableSize == 0 {
				is.errf(mp, "tableSize must be set for maglev")
			}
			if ml.TableSize >= 5000011 {
				is.errf(mp, "tableSize must be less than 5000011 for maglev")
			}
			if !isPrime(ml.TableSize) {
				is.errf(mp, "tableSize must be a prime number for maglev")
			}
		}
	}
	if lb.LocalityLbSetting != nil && lb.ZoneAwareLbSetting != nil {
		is.errf(path, "only one of localityLbSetting and zoneAwareLbSetting can be set")
	}
	checkLocalityLB(is, field(path, "localityLbSetting"), lb.LocalityLbSetting, outlier)
	checkZoneAwareLB(is, field(path, "zoneAwareLbSetting"), lb.ZoneAwareLbSetting, outlier)
	if w := lb.Warmup; w != nil {
		p := field(path, "warmup")
		if w.Duration == nil {
			is.errf(field(p, "duration"), "duration is required")
		} else {
			is.err(field(p, "duration"), checkDuration(w.Duration))
		}
		if w.MinimumPercent.GetValue() > 100 {
			is.errf(field(p, "minimumPercent"), "minimumPercent value should be less than or equal to 100")
		}
		if w.Aggression != nil && w.Aggression.GetValue() <= 0 {
			is.errf(field(p, "aggression"), "aggression should be greater than 0")
		}
	}
}

// isPrime follows Envoy's test, which calls 0 not prime and 1 prime.
func isPrime(x uint64) bool {
	if x != 0 && x < 4 {
		return true
	}
	if x&1 == 0 {
		return false
	}
	limit := uint64(math.Sqrt(float64(x)))
	for f := uint64(3); f <= limit; f += 2 {
		if x%f == 0 {
			return false
		}
	}
	return true
}

var topologyLabels = map[string]bool{
	"topology.kubernetes.io/region": true,
	"topology.kubernetes.io/zone":   true,
	"topology.istio.io/subzone":     true,
}

func checkLocalityLB(is *Issues, path string, lb *networking.LocalityLoadBalancerSetting, outlier *networking.OutlierDetection) {
	if lb == nil {
		return
	}
	if len(lb.GetDistribute()) > 0 && len(lb.GetFailover()) > 0 {
		is.errf(path, "can not simultaneously specify 'distribute' and 'failover'")
		return
	}
	if len(lb.GetFailover()) > 0 {
		for _, l := range lb.GetFailoverPriority() {
			if topologyLabels[l] {
				is.errf(field(path, "failoverPriority"), "can not simultaneously set 'failover' and topology label '%s' in 'failover_priority'", l)
				return
			}
		}
	}
	var from []string
	for i, d := range lb.GetDistribute() {
		from = append(from, d.GetFrom())
		var total uint32
		var to []string
		for _, loc := range sortedKeys(d.GetTo()) {
			w := d.GetTo()[loc]
			to = append(to, loc)
			if w == 0 || w > 100 {
				is.errf(idx(field(path, "distribute"), i), "locality weight must be in range [1, 100]")
				return
			}
			total += w
		}
		if total != 100 {
			is.errf(idx(field(path, "distribute"), i), "total locality weight %v != 100", total)
			return
		}
		is.err(idx(field(path, "distribute"), i), checkLocalities(to))
	}
	is.err(field(path, "distribute"), checkLocalities(from))
	if (len(lb.GetFailover()) != 0 || len(lb.GetFailoverPriority()) != 0) && outlier == nil {
		is.warnf(path, "outlier detection policy must be provided for failover")
	}
	for i, f := range lb.GetFailover() {
		p := idx(field(path, "failover"), i)
		if f.GetFrom() == f.GetTo() {
			is.errf(p, "locality lb failover settings must specify different regions")
		}
		if strings.Contains(f.GetFrom(), "/") || strings.Contains(f.GetTo(), "/") {
			is.errf(p, "locality lb failover only specify region")
		}
		if strings.Contains(f.GetTo(), "*") || strings.Contains(f.GetFrom(), "*") {
			is.errf(p, "locality lb failover region should not contain '*' wildcard")
		}
	}
}

func checkZoneAwareLB(is *Issues, path string, lb *networking.ZoneAwareLoadBalancerSetting, outlier *networking.OutlierDetection) {
	if lb == nil {
		return
	}
	for _, l := range lb.GetFailoverPriority() {
		if topologyLabels[l] {
			is.errf(field(path, "failoverPriority"), "'failover_priority' for zone aware lb must not use topology label '%s'; region- and zone-level routing are handled automatically", l)
		}
	}
	if (len(lb.GetFailover()) != 0 || len(lb.GetFailoverPriority()) != 0) && outlier == nil {
		is.warnf(path, "outlier detection policy must be provided for failover")
	}
	for i, f := range lb.GetFailover() {
		p := idx(field(path, "failover"), i)
		if f.GetFrom() == f.GetTo() {
			is.errf(p, "zone aware lb failover settings must specify different regions")
		}
		if strings.Contains(f.GetFrom(), "/") || strings.Contains(f.GetTo(), "/") {
			is.errf(p, "zone aware lb failover only specifies region; zone and subzone failover are handled automatically")
		}
		if strings.Contains(f.GetTo(), "*") || strings.Contains(f.GetFrom(), "*") {
			is.errf(p, "zone aware lb failover region should not contain '*' wildcard")
		}
	}
}

// checkLocalities wants region[/zone[/subzone]] entries, a '*' only at
// the end, and no two entries that overlap.
func checkLocalities(locs []string) error {
	seen := map[string]map[string]map[string]bool{}
	for _, loc := range locs {
		if n := strings.Count(loc, "*"); n > 0 && (n > 1 || !strings.HasSuffix(loc, "*")) {
			return fmt.Errorf("locality %s wildcard '*' number can not exceed 1 and must be in the end", loc)
		}
		overlap := fmt.Errorf("locality %s overlap with previous specified ones", loc)
		if _, ok := seen["*"]; ok {
			return overlap
		}
		items := strings.SplitN(loc, "/", 3)
		if slices.Contains(items, "") {
			return fmt.Errorf("locality %s must not contain empty region/zone/subzone info", loc)
		}
		region := items[0]
		switch len(items) {
		case 1:
			if _, ok := seen[region]; ok {
				return overlap
			}
			seen[region] = map[string]map[string]bool{"*": {"*": true}}
		case 2:
			zone := items[1]
			if r, ok := seen[region]; ok {
				if _, ok := r["*"]; ok {
					return overlap
				}
				if _, ok := r[zone]; ok {
					return overlap
				}
				r[zone] = map[string]bool{"*": true}
			} else {
				seen[region] = map[string]map[string]bool{zone: {"*": true}}
			}
		case 3:
			zone, sub := items[1], items[2]
			if r, ok := seen[region]; ok {
				if _, ok := r["*"]; ok {
					return overlap
				}
				if z, ok := r[zone]; ok {
					if z["*"] || z[sub] {
						return overlap
					}
					z[sub] = true
				} else {
					r[zone] = map[string]bool{sub: true}
				}
			} else {
				seen[region] = map[string]map[string]bool{zone: {sub: true}}
			}
		}
	}
	return nil
}

// ServiceEntry is ValidateServiceEntry for an entry in namespace ns with
// the given labels. autoAllocate says whether istiod allocates addresses
// (PILOT_ENABLE_IP_AUTOALLOCATE, on by default from 1.25), which only
// decides a warning.
func ServiceEntry(ns string, labels map[string]string, se *networking.ServiceEntry, autoAllocate bool) Issues {
	var is Issues
	if sel := se.GetWorkloadSelector(); sel != nil {
		if checkSelectorLabels(&is, "spec.workloadSelector.labels", sel.GetLabels()) {
			return is
		}
		if len(sel.GetLabels()) == 0 {
			is.warnf("spec.workloadSelector", "service entry: workload selector specified without labels, will be applied to all services in namespace")
		}
		if se.Endpoints != nil {
			is.errf("spec.workloadSelector", "only one of WorkloadSelector or Endpoints is allowed in Service Entry")
		}
	}
	hosts := se.GetHosts()
	if len(hosts) == 0 {
		is.errf("spec.hosts", "service entry must have at least one host")
	}
	res := se.GetResolution()
	for i, h := range hosts {
		p := idx("spec.hosts", i)
		if h == "*" {
			is.errf(p, "invalid host %s", h)
			continue
		}
		is.err(p, checkWildcardDomain(h))
		if res != networking.ServiceEntry_DYNAMIC_DNS {
			is.warn(p, checkPartialWildcard(h))
		}
	}
	cidr := false
	for i, a := range se.GetAddresses() {
		cidr = cidr || strings.Contains(a, "/")
		is.err(idx("spec.addresses", i), checkIPSubnet(a))
	}
	if cidr && res != networking.ServiceEntry_NONE && res != networking.ServiceEntry_STATIC {
		is.errf("spec.addresses", "CIDR addresses are allowed only for NONE/STATIC resolution types")
	}
	// shouldV2AutoAllocateIPFromPieces: the label opts out, never in
	auto := autoAllocate && res != networking.ServiceEntry_NONE && len(se.GetAddresses()) == 0
	if v, ok := labels["networking.istio.io/enable-autoallocate-ip"]; ok && strings.EqualFold(v, "false") {
		auto = false
	}
	portNames := map[string]bool{}
	portNumbers := map[uint32]bool{}
	for i, port := range se.GetPorts() {
		p := idx("spec.ports", i)
		if port == nil {
			is.errf(p, "service entry port may not be null")
			continue
		}
		if portNames[port.Name] {
			is.errf(field(p, "name"), "service entry port name %q already defined", port.Name)
		}
		portNames[port.Name] = true
		if portNumbers[port.Number] {
			is.errf(field(p, "number"), "service entry port %d already defined", port.Number)
		}
		portNumbers[port.Number] = true
		if port.TargetPort != 0 {
			is.err(field(p, "targetPort"), checkPort(int(port.TargetPort)))
		}
		if len(se.GetAddresses()) == 0 && !auto && (port.Protocol == "" || port.Protocol == "TCP") {
			is.warnf(p, "addresses are required for ports serving TCP (or unset) protocol when IP Autoallocation is not enabled")
		}
		is.err(field(p, "name"), checkPortName(port.Name))
		is.err(field(p, "protocol"), checkProtocol(port.Protocol))
		is.err(field(p, "number"), checkPort(int(port.Number)))
	}
	switch res {
	case networking.ServiceEntry_NONE:
		if len(se.GetEndpoints()) != 0 {
			is.errf("spec.endpoints", "no endpoints should be provided for resolution type none")
		}
		if se.GetWorkloadSelector() != nil {
			is.warnf("spec.workloadSelector", "workloadSelector should not be set when resolution mode is NONE")
		}
	case networking.ServiceEntry_STATIC:
		for i, ep := range se.GetEndpoints() {
			p := idx("spec.endpoints", i)
			if ep == nil {
				is.errf(p, "endpoint cannot be nil")
				continue
			}
			checkEndpoint(&is, p, ep, portNames)
		}
	case networking.ServiceEntry_DNS, networking.ServiceEntry_DNS_ROUND_ROBIN:
		if len(se.GetEndpoints()) == 0 {
			for i, h := range hosts {
				if err := checkFQDN(h); err != nil {
					is.errf(idx("spec.hosts", i), "hosts must be FQDN or contain only prefix wildcards if no endpoints are provided for resolution mode %s, %v", res, err)
					break
				}
			}
		}
		if res == networking.ServiceEntry_DNS_ROUND_ROBIN && len(se.GetEndpoints()) > 1 {
			is.errf("spec.endpoints", "there must only be 0 or 1 endpoint for resolution mode %s", res)
		}
		for i, ep := range se.GetEndpoints() {
			p := idx("spec.endpoints", i)
			if ep == nil {
				is.errf(p, "endpoint cannot be nil")
				continue
			}
			if !isIP(ep.Address) && checkFQDN(ep.Address) != nil {
				is.errf(field(p, "address"), "endpoint address %q is not a valid FQDN or an IP address", ep.Address)
			}
			checkLabelMap(&is, field(p, "labels"), ep.Labels)
			for _, name := range sortedKeys(ep.Ports) {
				port := ep.Ports[name]
				if !portNames[name] {
					is.errf(key(field(p, "ports"), name), "endpoint port %v is not defined by the service entry", port)
				}
				is.err(key(field(p, "ports"), name), checkPortName(name))
				is.err(key(field(p, "ports"), name), checkPort(int(port)))
			}
		}
		if len(se.GetAddresses()) > 0 {
			for i, port := range se.GetPorts() {
				if port == nil {
					is.errf(idx("spec.ports", i), "ports cannot be nil")
					continue
				}
				if parseProtocol(port.Protocol).isTCP() {
					if len(hosts) > 1 {
						is.warnf("spec.hosts", "service entry can not have more than one host specified simultaneously with address and tcp port")
					}
					break
				}
			}
		}
	case networking.ServiceEntry_DYNAMIC_DNS:
		if len(hosts) == 0 {
			is.errf("spec.hosts", "at least one wildcard host must be provided for resolution type %s", res)
		}
		for i, h := range hosts {
			if !strings.HasPrefix(h, "*") {
				is.errf(idx("spec.hosts", i), "host must be wildcarded for resolution mode %s", res)
			}
		}
		if len(se.GetAddresses()) != 0 {
			is.errf("spec.addresses", "addresses cannot be set for resolution type %s. HTTP route domains will only be generated"+
				"from the hosts field values", res)
		}
		if len(se.GetEndpoints()) != 0 {
			is.errf("spec.endpoints", "endpoints cannot be set for resolution type %s. Destination IP address determined from hosts"+
				"field values", res)
		}
		for i, port := range se.GetPorts() {
			if port == nil {
				is.errf(idx("spec.ports", i), "port cannot be nil")
				continue
			}
			switch parseProtocol(port.Protocol) {
			case "http", "tls", "grpc", "http2":
			default:
				is.errf(field(idx("spec.ports", i), "protocol"), "only HTTP, TLS, GRPC, and HTTP2 protocols are supported for resolution type %s", res)
			}
		}
		loc := se.GetLocation()
		if loc != networking.ServiceEntry_MESH_EXTERNAL && loc != networking.ServiceEntry_MESH_INTERNAL {
			is.errf("spec.location", "location must be MESH_EXTERNAL or MESH_INTERNAL for resolution type %s", res)
		}
		if w, ok := labels["istio.io/use-waypoint"]; loc == networking.ServiceEntry_MESH_INTERNAL && ok && w != "" && !strings.EqualFold(w, "none") {
			is.errf("spec.location", "location MESH_INTERNAL with resolution type %s is not supported when using waypoints", res)
		}
	default:
		is.errf("spec.resolution", "unsupported resolution type %s", networking.ServiceEntry_Resolution_name[int32(res)])
	}
	if res != networking.ServiceEntry_NONE && len(hosts) > 1 {
		for i, port := range se.GetPorts() {
			if port == nil {
				is.errf(idx("spec.ports", i), "ports cannot be nil")
				continue
			}
			if pr := parseProtocol(port.Protocol); !pr.isHTTP() && !pr.isTLS() {
				is.errf(field(idx("spec.ports", i), "protocol"), "multiple hosts provided with non-HTTP, non-TLS ports")
				break
			}
		}
	}
	checkExportTo(&is, "spec.exportTo", ns, se.GetExportTo(), true, false)
	return is
}

// checkEndpoint is validateWorkloadEntry for a STATIC ServiceEntry's
// endpoint: the address must be an IP or a unix socket.
func checkEndpoint(is *Issues, path string, we *networking.WorkloadEntry, portNames map[string]bool) {
	addr := we.GetAddress()
	if addr == "" {
		if we.GetNetwork() == "" {
			is.errf(field(path, "address"), "address is required")
			return
		}
		is.warnf(field(path, "address"), "address is unset with network %q", we.GetNetwork())
	}
	unix := false
	if rest, ok := strings.CutPrefix(addr, unixPrefix); ok {
		unix = true
		is.err(field(path, "address"), checkUnixAddress(rest))
		if len(we.GetPorts()) != 0 {
			is.errf(field(path, "ports"), "unix endpoint %s must not include ports", addr)
		}
	} else if addr != "" && !isIP(addr) {
		is.errf(field(path, "address"), "endpoint address %q is not a valid IP address", addr)
	}
	for _, name := range sortedKeys(we.GetPorts()) {
		port := we.GetPorts()[name]
		p := key(field(path, "ports"), name)
		if !portNames[name] {
			is.errf(p, "endpoint port %v is not defined by the service entry", port)
		}
		is.err(p, checkPortName(name))
		is.err(p, checkPort(int(port)))
	}
	checkLabelMap(is, field(path, "labels"), we.GetLabels())
	if unix && len(portNames) != 1 {
		is.errf(path, "exactly 1 service port required for unix endpoints")
	}
}

// Sidecar is ValidateSidecar for a Sidecar in namespace ns.
func Sidecar(ns string, sc *networking.Sidecar) Issues {
	var is Issues
	if sel := sc.GetWorkloadSelector(); sel != nil {
		if checkSelectorLabels(&is, "spec.workloadSelector.labels", sel.GetLabels()) {
			return is
		}
		if len(sel.GetLabels()) == 0 {
			is.warnf("spec.workloadSelector", "sidecar: workload selector specified without labels, will be applied to all services in namespace")
		}
	}
	if len(sc.GetEgress()) == 0 && len(sc.GetIngress()) == 0 && sc.GetOutboundTrafficPolicy() == nil && sc.GetInboundConnectionPool() == nil {
		is.errf("spec", "sidecar: empty configuration provided")
		return is
	}
	ports := map[uint32]bool{}
	for i, in := range sc.GetIngress() {
		p := idx("spec.ingress", i)
		if in == nil {
			is.errf(p, "sidecar: ingress may not be null")
			continue
		}
		if in.Port == nil {
			is.errf(field(p, "port"), "sidecar: port is required for ingress listeners")
			continue
		}
		pp := field(p, "port")
		//lint:ignore SA1019 Istio rejects it
		if in.Port.TargetPort > 0 {
			is.errf(field(pp, "targetPort"), "targetPort has no impact on Sidecars")
		}
		if in.Port.Name != "" {
			is.err(field(pp, "name"), checkPortName(in.Port.Name))
		}
		is.err(field(pp, "protocol"), checkProtocol(in.Port.Protocol))
		is.err(field(pp, "number"), checkPort(int(in.Port.Number)))
		if in.Bind != "" {
			is.err(field(p, "bind"), checkIP(in.Bind))
		}
		if ports[in.Port.Number] {
			is.errf(field(pp, "number"), "sidecar: ports on IP bound listeners must be unique")
		}
		ports[in.Port.Number] = true
		if ep := in.DefaultEndpoint; ep != "" {
			checkDefaultEndpoint(&is, field(p, "defaultEndpoint"), ep)
		}
		if t := in.Tls; t != nil {
			checkSidecarIngressTLS(&is, field(p, "tls"), in.Port.Protocol, t)
		}
		checkConnectionPool(&is, field(p, "connectionPool"), in.ConnectionPool)
		if in.ConnectionPool != nil && in.ConnectionPool.Http != nil && !parseProtocol(in.Port.Protocol).isHTTP() {
			is.warnf(field(p, "connectionPool.http"),
				"sidecar: HTTP connection pool settings are configured for port %d (%q) but its protocol is not HTTP (%s); only TCP settings will apply",
				in.Port.Number, in.Port.Name, in.Port.Protocol)
		}
	}
	checkConnectionPool(&is, "spec.inboundConnectionPool", sc.GetInboundConnectionPool())

	ports = map[uint32]bool{}
	sockets := map[string]bool{}
	catchAll := false
	for i, eg := range sc.GetEgress() {
		p := idx("spec.egress", i)
		if eg == nil {
			is.errf(p, "egress listener may not be null")
			continue
		}
		if eg.Port == nil {
			if catchAll {
				is.errf(p, "sidecar: egress can have only one listener with empty port")
				continue
			}
			if i == len(sc.GetEgress())-1 {
				catchAll = true
			} else {
				is.errf(p, "sidecar: the egress listener with empty port should be the last listener in the list")
			}
		} else {
			pp := field(p, "port")
			//lint:ignore SA1019 Istio rejects it
			if eg.Port.TargetPort > 0 {
				is.errf(field(pp, "targetPort"), "targetPort has no impact on Sidecars")
			}
			checkEgressPort(&is, p, eg)
			if eg.Port.Number == 0 {
				if sockets[eg.Bind] {
					is.errf(field(p, "bind"), "sidecar: unix domain socket values for listeners must be unique")
				}
				sockets[eg.Bind] = true
			} else {
				if ports[eg.Port.Number] {
					is.errf(field(pp, "number"), "sidecar: ports on IP bound listeners must be unique")
				}
				ports[eg.Port.Number] = true
			}
		}
		if len(eg.Hosts) == 0 {
			is.errf(field(p, "hosts"), "sidecar: egress listener must contain at least one host")
			continue
		}
		byNS := map[string]map[string]bool{}
		for j, h := range eg.Hosts {
			hp := idx(field(p, "hosts"), j)
			if hns, svc, ok := strings.Cut(h, "/"); ok && !strings.HasPrefix(hns, "~") {
				if hns == "." {
					hns = ns
				}
				if byNS[hns] == nil {
					byNS[hns] = map[string]bool{}
				}
				if svc != "*" {
					if byNS[hns][svc] || byNS[hns]["*"] {
						is.warnf(hp, "duplicated egress host: %s", h)
					}
				} else if len(byNS[hns]) != 0 {
					is.warnf(hp, "duplicated egress host: %s", h)
				}
				byNS[hns][svc] = true
			}
			checkNamespaceSlashHost(&is, hp, h)
		}
		if byNS["*"]["*"] && len(byNS) != 1 {
			is.warnf(field(p, "hosts"), "`*/*` host select all resources, no other hosts can be added")
		}
	}
	checkOutboundTrafficPolicy(&is, "spec.outboundTrafficPolicy", sc.GetOutboundTrafficPolicy())
	return is
}

func checkDefaultEndpoint(is *Issues, path, ep string) {
	if rest, ok := strings.CutPrefix(ep, unixPrefix); ok {
		is.err(path, checkUnixAddress(rest))
		return
	}
	h, port, err := net.SplitHostPort(ep)
	is.err(path, err)
	if h != "" && h != "127.0.0.1" && h != "0.0.0.0" && h != "::1" && h != "::" {
		is.errf(path, "sidecar: defaultEndpoint must be of form 127.0.0.1:<port>,0.0.0.0:<port>,[::1]:port,[::]:port,unix://filepath or unset")
	}
	if n, err := strconv.Atoi(port); err != nil {
		is.errf(path, "sidecar: defaultEndpoint port (%s) is not a number: %v", port, err)
	} else {
		is.err(path, checkPort(n))
	}
}

// checkSidecarIngressTLS has the checks ValidateSidecar makes of an ingress
// listener's TLS, validateTLSOptions's among them (its warnings about
// unknown or duplicate cipher suites left out).
func checkSidecarIngressTLS(is *Issues, path, proto string, t *networking.ServerTLSSettings) {
	if len(t.SubjectAltNames) > 0 {
		is.errf(field(path, "subjectAltNames"), "sidecar: subjectAltNames is not supported in ingress tls")
	}
	if t.HttpsRedirect {
		is.errf(field(path, "httpsRedirect"), "sidecar: httpsRedirect is not supported")
	}
	if t.CredentialName != "" {
		is.errf(field(path, "credentialName"), "sidecar: credentialName is not currently supported")
	}
	if len(t.CredentialNames) > 0 {
		is.errf(field(path, "credentialNames"), "sidecar: credentialNames is not currently supported")
	}
	if len(t.TlsCertificates) > 0 {
		is.errf(field(path, "tlsCertificates"), "sidecar: tls_certificates is not currently supported")
	}
	if t.Mode == networking.ServerTLSSettings_ISTIO_MUTUAL || t.Mode == networking.ServerTLSSettings_AUTO_PASSTHROUGH {
		is.errf(field(path, "mode"), "configuration is invalid: cannot set mode to %s in sidecar ingress tls", t.Mode)
	}
	if !parseProtocol(proto).isTLS() {
		is.errf(path, "server cannot have TLS settings for non HTTPS/TLS ports")
	}
	checkServerTLS(is, path, t)
}

// checkServerTLS is validateTLSOptions.
func checkServerTLS(is *Issues, path string, t *networking.ServerTLSSettings) {
	if v := t.MinProtocolVersion; (v == networking.ServerTLSSettings_TLSV1_0 || v == networking.ServerTLSSettings_TLSV1_1) && len(t.CipherSuites) == 0 {
		is.warnf(field(path, "minProtocolVersion"), "TLS version below TLSV1_2 require setting compatible ciphers as by default they no longer include compatible ciphers.")
	}
	mode := t.Mode
	if mode == networking.ServerTLSSettings_ISTIO_MUTUAL {
		for _, c := range []struct {
			set        bool
			json, what string
		}{
			{t.ServerCertificate != "", "serverCertificate", "server certificate"}, {t.PrivateKey != "", "privateKey", "private key"},
			{t.CaCertificates != "", "caCertificates", "CA bundle"}, {len(t.TlsCertificates) > 0, "tlsCertificates", "tlsCertificates"},
			{t.CredentialName != "", "credentialName", "credentialName"}, {len(t.CredentialNames) > 0, "credentialNames", "credentialNames"},
		} {
			if c.set {
				is.errf(field(path, c.json), "ISTIO_MUTUAL TLS cannot have associated %s", c.what)
			}
		}
		return
	}
	if (mode == networking.ServerTLSSettings_PASSTHROUGH || mode == networking.ServerTLSSettings_AUTO_PASSTHROUGH) &&
		(t.CaCrl != "" || t.ServerCertificate != "" || t.PrivateKey != "" || t.CaCertificates != "" || len(t.TlsCertificates) > 0 ||
			t.CredentialName != "" || len(t.CredentialNames) > 0) {
		is.warnf(path, "%v mode does not use certificates, they will be ignored", mode)
	}
	sources := 0
	for _, set := range []bool{t.ServerCertificate != "" && t.PrivateKey != "", t.CredentialName != "", len(t.CredentialNames) > 0, len(t.TlsCertificates) > 0} {
		if set {
			sources++
		}
	}
	if sources > 1 {
		is.errf(path, "only one of credential_name, credential_names, server_certificate/private_key, tls_certificates should be specified")
	}
	terminates := mode == networking.ServerTLSSettings_SIMPLE || mode == networking.ServerTLSSettings_MUTUAL || mode == networking.ServerTLSSettings_OPTIONAL_MUTUAL
	if terminates && (t.CredentialName != "" || len(t.CredentialNames) > 0) {
		return
	}
	if terminates {
		what := "SIMPLE TLS"
		if mode != networking.ServerTLSSettings_SIMPLE {
			what = "MUTUAL TLS"
			if t.CaCertificates == "" {
				is.errf(field(path, "caCertificates"), "%s requires a client CA bundle", what)
			}
		}
		if len(t.TlsCertificates) > 2 {
			is.warnf(field(path, "tlsCertificates"), "%s can support up to 2 server certificates", what)
		}
		certs := t.TlsCertificates
		if len(certs) == 0 {
			certs = []*networking.ServerTLSSettings_TLSCertificate{{ServerCertificate: t.ServerCertificate, PrivateKey: t.PrivateKey}}
		}
		for _, c := range certs {
			if c.GetServerCertificate() == "" {
				is.errf(field(path, "serverCertificate"), "%s requires a server certificate", what)
			}
			if c.GetPrivateKey() == "" {
				is.errf(field(path, "privateKey"), "%s requires a private key", what)
			}
		}
	}
	if t.CaCrl != "" {
		if t.CredentialName != "" {
			is.errf(field(path, "caCrl"), "CRL is not supported with credentialName. CRL has to be specified in the credential")
		}
		if mode == networking.ServerTLSSettings_SIMPLE {
			is.errf(field(path, "caCrl"), "CRL is not supported with SIMPLE TLS")
		}
	}
}

func checkEgressPort(is *Issues, path string, eg *networking.IstioEgressListener) {
	port := eg.Port
	pp := field(path, "port")
	if port.Name != "" {
		is.err(field(pp, "name"), checkPortName(port.Name))
	}
	is.err(field(pp, "protocol"), checkProtocol(port.Protocol))
	if port.Number == 0 {
		if rest, ok := strings.CutPrefix(eg.Bind, unixPrefix); !ok {
			is.errf(field(path, "bind"), "sidecar: ports with 0 value must have a unix domain socket bind address")
		} else {
			is.err(field(path, "bind"), checkUnixAddress(rest))
		}
		if m := eg.CaptureMode; m != networking.CaptureMode_DEFAULT && m != networking.CaptureMode_NONE {
			is.errf(field(path, "captureMode"), "sidecar: captureMode must be DEFAULT/NONE for unix domain socket listeners")
		}
		return
	}
	is.err(field(pp, "number"), checkPort(int(port.Number)))
	if eg.Bind != "" {
		is.err(field(path, "bind"), checkIP(eg.Bind))
	}
}

// checkNamespaceSlashHost is ValidateNamespaceSlashWildcardHostname for a
// Sidecar: namespace/dnsName.
func checkNamespaceSlashHost(is *Issues, path, h string) {
	hns, name, ok := strings.Cut(h, "/")
	if !ok {
		is.errf(path, "host must be of form namespace/dnsName")
		return
	}
	if hns == "" || name == "" {
		is.errf(path, "config namespace and dnsName in host entry cannot be empty")
	}
	if n := strings.TrimPrefix(hns, "~"); n != "" && n != "*" && n != "." && !isDNS1123Label(n) {
		is.errf(path, "invalid namespace value %q in sidecar", hns)
	}
	if name != "*" && !strings.Contains(name, ".") {
		is.errf(path, "short names (non FQDN) are not allowed")
	}
	if err := checkWildcardDomain(name); err != nil {
		// Istio appends this error twice for a Sidecar
		is.err(path, err)
		if !isIP(name) {
			is.err(path, err)
		}
	}
	is.err(path, checkPartialWildcard(name))
}

func checkOutboundTrafficPolicy(is *Issues, path string, tp *networking.OutboundTrafficPolicy) {
	if tp == nil {
		return
	}
	// ALLOW_ANY_DYNAMIC_DNS is MeshConfig's mode 2; the Sidecar enum has no 2.
	if int32(tp.GetMode()) == 2 {
		is.errf(field(path, "mode"), "sidecar: ALLOW_ANY_DYNAMIC_DNS mode is only supported in MeshConfig, not in Sidecar resource")
		return
	}
	if ep := tp.EgressProxy; ep != nil {
		if tp.GetMode() != networking.OutboundTrafficPolicy_ALLOW_ANY {
			is.errf(field(path, "egressProxy"), "sidecar: egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode")
			return
		}
		is.err(field(path, "egressProxy.host"), checkFQDN(ep.GetHost()))
		if ep.Port == nil {
			is.errf(field(path, "egressProxy.port"), "sidecar: egress_proxy port must be non-nil")
			return
		}
		p := field(path, "egressProxy")
		if ep.Host == "*" {
			is.errf(field(p, "host"), "invalid destination host %s", ep.Host)
		} else {
			is.err(field(p, "host"), checkWildcardDomain(ep.Host))
		}
		if ep.Subset != "" {
			is.err(field(p, "subset"), checkSubsetName(ep.Subset))
		}
		is.err(field(p, "port.number"), checkPort(int(ep.Port.GetNumber())))
	}
}

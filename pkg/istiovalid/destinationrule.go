package istiovalid

import (
	"fmt"
	"math"
	"slices"
	"strings"

	networking "istio.io/api/networking/v1alpha3"
)

// DestinationRule is ValidateDestinationRule of release r for a rule in
// namespace ns.
func DestinationRule(r Release, ns string, dr *networking.DestinationRule) Issues {
	var is Issues
	is.err("spec.host", checkWildcardDomain(dr.GetHost()))
	checkTrafficPolicy(&is, r, "spec.trafficPolicy", ns, dr.GetTrafficPolicy())
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
		is.errAt(p, "name", checkSubsetName(s.GetName()))
		checkLabelMap(&is, field(p, "labels"), s.GetLabels())
		checkTrafficPolicy(&is, r, field(p, "trafficPolicy"), ns, s.GetTrafficPolicy())
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

func checkTrafficPolicy(is *Issues, r Release, path, ns string, tp *networking.TrafficPolicy) {
	if tp == nil {
		return
	}
	if tp.OutlierDetection == nil && tp.ConnectionPool == nil && tp.LoadBalancer == nil && tp.Tls == nil &&
		tp.PortLevelSettings == nil && tp.Tunnel == nil && tp.ProxyProtocol == nil {
		if tp.RetryBudget == nil {
			is.errf(path, "traffic policy must have at least one field")
			return
		}
		if !r.has(tpRetryBudgetCounts) {
			is.gated(r, tpRetryBudgetUncounted, func(is *Issues) { is.errf(path, "traffic policy must have at least one field") })
			return
		}
	}
	if tp.Tunnel != nil && tp.ProxyProtocol != nil {
		is.errf(path, "tunnel and proxyProtocol must not be set together")
		return
	}
	checkOutlierDetection(is, field(path, "outlierDetection"), tp.OutlierDetection)
	checkConnectionPool(is, r, field(path, "connectionPool"), tp.ConnectionPool)
	checkLoadBalancer(is, r, field(path, "loadBalancer"), tp.LoadBalancer, tp.OutlierDetection)
	checkClientTLS(is, r, field(path, "tls"), ns, tp.Tls)
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
		checkConnectionPool(is, r, field(p, "connectionPool"), pl.ConnectionPool)
		checkLoadBalancer(is, r, field(p, "loadBalancer"), pl.LoadBalancer, pl.OutlierDetection)
		checkClientTLS(is, r, field(p, "tls"), ns, pl.Tls)
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
		is.errAt(path, "baseEjectionTime", checkDuration(o.BaseEjectionTime))
	}
	//lint:ignore SA1019 Istio warns about it
	if o.ConsecutiveErrors != 0 {
		is.warnf(field(path, "consecutiveErrors"), "outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead")
	}
	if !o.SplitExternalLocalOriginErrors && o.ConsecutiveLocalOriginFailures.GetValue() > 0 {
		is.errf(field(path, "consecutiveLocalOriginFailures"), "outlier detection consecutive local origin failures is specified, but split external local origin errors is set to false")
	}
	if o.Interval != nil {
		is.errAt(path, "interval", checkDuration(o.Interval))
	}
	is.errAt(path, "maxEjectionPercent", checkPercent(o.MaxEjectionPercent))
	is.errAt(path, "minHealthPercent", checkPercent(o.MinHealthPercent))
}

func checkConnectionPool(is *Issues, r Release, path string, cp *networking.ConnectionPoolSettings) {
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
			is.errAt(p, "idleTimeout", checkDuration(h.IdleTimeout))
		}
		if h.H2UpgradePolicy == networking.ConnectionPoolSettings_HTTPSettings_UPGRADE && h.UseClientProtocol {
			is.errf(field(p, "useClientProtocol"), "use client protocol must not be true when H2UpgradePolicy is UPGRADE")
		}
		neg(h.MaxConcurrentStreams, "maxConcurrentStreams", "max concurrent streams")
		if ka := h.GetHttp2KeepAlive(); ka != nil {
			kp := field(p, "http2KeepAlive")
			is.gated(r, poolHTTP2KeepAlive, func(is *Issues) {
				if ka.Interval == nil {
					is.errf(field(kp, "interval"), "http2 keepalive interval is required")
				} else {
					is.errAt(kp, "interval", checkDuration(ka.Interval))
				}
				if ka.Timeout == nil {
					is.errf(field(kp, "timeout"), "http2 keepalive timeout is required")
				} else {
					is.errAt(kp, "timeout", checkDuration(ka.Timeout))
				}
			})
		}
	}
	if t := cp.Tcp; t != nil {
		p := field(path, "tcp")
		if t.MaxConnections < 0 {
			is.errf(field(p, "maxConnections"), "max connections must be non-negative")
		}
		if t.ConnectTimeout != nil {
			is.errAt(p, "connectTimeout", checkDuration(t.ConnectTimeout))
		}
		if t.MaxConnectionDuration != nil {
			is.errAt(p, "maxConnectionDuration", checkDuration(t.MaxConnectionDuration))
		}
		is.gated(r, poolTCPDurations, func(is *Issues) {
			if t.IdleTimeout != nil && t.IdleTimeout.AsDuration().Milliseconds() != 0 {
				is.errAt(p, "idleTimeout", checkDuration(t.IdleTimeout))
			}
			if ka := t.TcpKeepalive; ka != nil {
				if ka.Time != nil {
					is.errAt(p, "tcpKeepalive.time", checkDuration(ka.Time))
				}
				if ka.Interval != nil {
					is.errAt(p, "tcpKeepalive.interval", checkDuration(ka.Interval))
				}
			}
		})
		if t.IdleTimeout != nil && t.IdleTimeout.AsDuration().Milliseconds() == 0 {
			is.gated(r, poolTCPIdleTimeoutZero, func(is *Issues) { is.err(field(p, "idleTimeout"), checkDuration(t.IdleTimeout)) })
		}
	}
}

func checkLoadBalancer(is *Issues, r Release, path string, lb *networking.LoadBalancerSettings, outlier *networking.OutlierDetection) {
	if lb == nil {
		return
	}
	if ch := lb.GetConsistentHash(); ch != nil {
		p := field(path, "consistentHash")
		if c := ch.GetHttpCookie(); c != nil {
			if c.GetName() == "" {
				is.errf(field(p, "httpCookie.name"), "name required for HttpCookie")
			}
			is.gated(r, lbCookieAttributes, func(is *Issues) {
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
			})
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
	is.gated(r, lbZoneAware, func(is *Issues) {
		if lb.LocalityLbSetting != nil && lb.ZoneAwareLbSetting != nil {
			is.errf(path, "only one of localityLbSetting and zoneAwareLbSetting can be set")
		}
	})
	checkLocalityLB(is, field(path, "localityLbSetting"), lb.LocalityLbSetting, outlier)
	is.gated(r, lbZoneAware, func(is *Issues) {
		checkZoneAwareLB(is, field(path, "zoneAwareLbSetting"), lb.ZoneAwareLbSetting, outlier)
	})
	//lint:ignore SA1019 Istio 1.23 checks it
	if d := lb.WarmupDurationSecs; d != nil {
		is.gated(r, lbWarmupDurationSecs, func(is *Issues) { is.err(field(path, "warmupDurationSecs"), checkDuration(d)) })
	}
	if w := lb.Warmup; w != nil {
		p := field(path, "warmup")
		if w.Duration == nil {
			is.errf(field(p, "duration"), "duration is required")
		} else {
			is.errAt(p, "duration", checkDuration(w.Duration))
		}
		if w.MinimumPercent.GetValue() > 100 {
			is.errf(field(p, "minimumPercent"), "minimumPercent value should be less than or equal to 100")
		}
		if w.Aggression != nil {
			a := w.Aggression.GetValue()
			if a < 1 {
				is.gated(r, lbAggressionBelowOne, func(is *Issues) {
					is.errf(field(p, "aggression"), "aggression should be greater than or equal to 1")
				})
			}
			if a <= 0 {
				is.gated(r, lbAggressionNotPositive, func(is *Issues) { is.errf(field(p, "aggression"), "aggression should be greater than 0") })
			}
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
	is.errAt(path, "distribute", checkLocalities(from))
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

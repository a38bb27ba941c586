package istiovalid

import (
	"strings"

	networking "istio.io/api/networking/v1alpha3"
)

// ServiceEntry is ValidateServiceEntry of release r for an entry in
// namespace ns with the given labels. autoAllocate says whether istiod
// allocates addresses (PILOT_ENABLE_IP_AUTOALLOCATE, on by default from
// 1.25, considered from 1.23), which only decides a warning.
func ServiceEntry(r Release, ns string, labels map[string]string, se *networking.ServiceEntry, autoAllocate bool) Issues {
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
		if res != networking.ServiceEntry_DYNAMIC_DNS || !r.has(seDynamicDNS) {
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
			is.errAt(p, "targetPort", checkPort(int(port.TargetPort)))
		}
		if len(se.GetAddresses()) == 0 && (!auto || r.minor < 23) && (port.Protocol == "" || port.Protocol == "TCP") {
			switch {
			case r.minor < 23:
				is.warnf(p, "addresses are required for ports serving TCP (or unset) protocol")
			case r.minor < 25:
				is.warnf(p, "addresses are required for ports serving TCP (or unset) protocol when ISTIO_META_DNS_AUTO_ALLOCATE is not set on a proxy")
			default:
				is.warnf(p, "addresses are required for ports serving TCP (or unset) protocol when IP Autoallocation is not enabled")
			}
		}
		is.errAt(p, "name", checkPortName(port.Name))
		is.errAt(p, "protocol", checkProtocol(port.Protocol))
		is.errAt(p, "number", checkPort(int(port.Number)))
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
					if !r.has(seFQDNFirstOnly) {
						is.errf(idx("spec.hosts", i), "hosts must be FQDN if no endpoints are provided for resolution mode %s", res)
						continue
					}
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
		if se.GetWorkloadSelector() != nil {
			is.gated(r, seDNSSelectorWarning, func(is *Issues) {
				is.warnf("spec.workloadSelector", "workloadSelector should not be set when resolution mode is %v", res)
			})
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
			pp := field(idx("spec.ports", i), "protocol")
			switch pr := parseProtocol(port.Protocol); {
			case r.has(seDynamicDNSMore):
				if pr != "http" && pr != "tls" && pr != "grpc" && pr != "http2" {
					is.errf(pp, "only HTTP, TLS, GRPC, and HTTP2 protocols are supported for resolution type %s", res)
				}
			case r.has(seDynamicDNSTLS):
				if pr != "http" && pr != "tls" {
					is.errf(pp, "only HTTP and TLS protocol is supported for resolution type %s", res)
				}
			case pr != "http":
				is.errf(pp, "only HTTP protocol is supported for resolution type %s", res)
			}
		}
		loc := se.GetLocation()
		switch {
		case !r.has(seDynamicDNSMore) && loc != networking.ServiceEntry_MESH_EXTERNAL:
			is.errf("spec.location", "location must be MESH_EXTERNAL for resolution type %s", res)
		case loc != networking.ServiceEntry_MESH_EXTERNAL && loc != networking.ServiceEntry_MESH_INTERNAL:
			is.errf("spec.location", "location must be MESH_EXTERNAL or MESH_INTERNAL for resolution type %s", res)
		}
		if w, ok := labels["istio.io/use-waypoint"]; r.has(seDynamicDNSMore) && loc == networking.ServiceEntry_MESH_INTERNAL && ok && w != "" && !strings.EqualFold(w, "none") {
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
		is.errAt(path, "address", checkUnixAddress(rest))
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

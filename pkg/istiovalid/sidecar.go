package istiovalid

import (
	"net"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"
	networking "istio.io/api/networking/v1alpha3"
)

// Sidecar is ValidateSidecar of release r for a Sidecar in namespace ns.
func Sidecar(r Release, ns string, sc *networking.Sidecar) Issues {
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
			is.errAt(pp, "name", checkPortName(in.Port.Name))
		}
		is.errAt(pp, "protocol", checkProtocol(in.Port.Protocol))
		is.errAt(pp, "number", checkPort(int(in.Port.Number)))
		if in.Bind != "" {
			is.errAt(p, "bind", checkIP(in.Bind))
		}
		if ports[in.Port.Number] {
			is.errf(field(pp, "number"), "sidecar: ports on IP bound listeners must be unique")
		}
		ports[in.Port.Number] = true
		if ep := in.DefaultEndpoint; ep != "" {
			checkDefaultEndpoint(&is, field(p, "defaultEndpoint"), ep)
		}
		if t := in.Tls; t != nil {
			checkSidecarIngressTLS(&is, r, field(p, "tls"), in.Port.Protocol, t)
		}
		checkConnectionPool(&is, r, field(p, "connectionPool"), in.ConnectionPool)
		if in.ConnectionPool != nil && in.ConnectionPool.Http != nil && !parseProtocol(in.Port.Protocol).isHTTP() {
			is.warnf(field(p, "connectionPool.http"),
				"sidecar: HTTP connection pool settings are configured for port %d (%q) but its protocol is not HTTP (%s); only TCP settings will apply",
				in.Port.Number, in.Port.Name, in.Port.Protocol)
		}
	}
	checkConnectionPool(&is, r, "spec.inboundConnectionPool", sc.GetInboundConnectionPool())

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
			// before 1.31 an excluded namespace ("~ns/") counts like any other
			if hns, svc, ok := strings.Cut(h, "/"); ok && (!strings.HasPrefix(hns, "~") || !r.has(scExcludedHosts)) {
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
			checkNamespaceSlashHost(&is, r, hp, h)
		}
		if byNS["*"]["*"] && len(byNS) != 1 {
			is.warnf(field(p, "hosts"), "`*/*` host select all resources, no other hosts can be added")
		}
	}
	checkOutboundTrafficPolicy(&is, r, "spec.outboundTrafficPolicy", sc.GetOutboundTrafficPolicy())
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
func checkSidecarIngressTLS(is *Issues, r Release, path, portProtocol string, t *networking.ServerTLSSettings) {
	if !r.has(scTLSCertificateLists) {
		// 1.26 keeps credentialNames and tlsCertificates (older CRDs drop
		// them) but reads neither
		old := proto.Clone(t).(*networking.ServerTLSSettings)
		old.CredentialNames, old.TlsCertificates = nil, nil
		t = old
	}
	if len(t.SubjectAltNames) > 0 {
		is.errf(field(path, "subjectAltNames"), "sidecar: subjectAltNames is not supported in ingress tls")
	}
	if t.HttpsRedirect {
		is.errf(field(path, "httpsRedirect"), "sidecar: httpsRedirect is not supported")
	}
	if t.CredentialName != "" {
		is.errf(field(path, "credentialName"), "sidecar: credentialName is not currently supported")
	}
	// (before 1.27 they are nil here)
	if len(t.CredentialNames) > 0 {
		is.errf(field(path, "credentialNames"), "sidecar: credentialNames is not currently supported")
	}
	if len(t.TlsCertificates) > 0 {
		is.errf(field(path, "tlsCertificates"), "sidecar: tls_certificates is not currently supported")
	}
	if t.Mode == networking.ServerTLSSettings_ISTIO_MUTUAL || t.Mode == networking.ServerTLSSettings_AUTO_PASSTHROUGH {
		is.errf(field(path, "mode"), "configuration is invalid: cannot set mode to %s in sidecar ingress tls", t.Mode)
	}
	if !parseProtocol(portProtocol).isTLS() {
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
		is.errAt(pp, "name", checkPortName(port.Name))
	}
	is.errAt(pp, "protocol", checkProtocol(port.Protocol))
	if port.Number == 0 {
		if rest, ok := strings.CutPrefix(eg.Bind, unixPrefix); !ok {
			is.errf(field(path, "bind"), "sidecar: ports with 0 value must have a unix domain socket bind address")
		} else {
			is.errAt(path, "bind", checkUnixAddress(rest))
		}
		if m := eg.CaptureMode; m != networking.CaptureMode_DEFAULT && m != networking.CaptureMode_NONE {
			is.errf(field(path, "captureMode"), "sidecar: captureMode must be DEFAULT/NONE for unix domain socket listeners")
		}
		return
	}
	is.errAt(pp, "number", checkPort(int(port.Number)))
	if eg.Bind != "" {
		is.errAt(path, "bind", checkIP(eg.Bind))
	}
}

// checkNamespaceSlashHost is ValidateNamespaceSlashWildcardHostname of
// release r for a Sidecar: namespace/dnsName.
func checkNamespaceSlashHost(is *Issues, r Release, path, h string) {
	hns, name, ok := strings.Cut(h, "/")
	if !ok {
		is.errf(path, "host must be of form namespace/dnsName")
		return
	}
	if hns == "" || name == "" {
		is.errf(path, "config namespace and dnsName in host entry cannot be empty")
	}
	if r.has(scExcludedHosts) {
		if n := strings.TrimPrefix(hns, "~"); n != "" && n != "*" && n != "." && !isDNS1123Label(n) {
			is.errf(path, "invalid namespace value %q in sidecar", hns)
		}
	} else if hns != "*" && hns != "." && hns != "~" && !isDNS1123Label(hns) {
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

func checkOutboundTrafficPolicy(is *Issues, r Release, path string, tp *networking.OutboundTrafficPolicy) {
	if tp == nil {
		return
	}
	// ALLOW_ANY_DYNAMIC_DNS is MeshConfig's mode 2; the Sidecar enum has no 2.
	if int32(tp.GetMode()) == 2 && r.has(scDynamicDNSMode) {
		is.errf(field(path, "mode"), "sidecar: ALLOW_ANY_DYNAMIC_DNS mode is only supported in MeshConfig, not in Sidecar resource")
		return
	}
	if ep := tp.EgressProxy; ep != nil {
		if tp.GetMode() != networking.OutboundTrafficPolicy_ALLOW_ANY {
			is.errf(field(path, "egressProxy"), "sidecar: egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode")
			return
		}
		is.errAt(path, "egressProxy.host", checkFQDN(ep.GetHost()))
		if ep.Port == nil {
			is.errf(field(path, "egressProxy.port"), "sidecar: egress_proxy port must be non-nil")
			return
		}
		p := field(path, "egressProxy")
		if ep.Host == "*" {
			is.errf(field(p, "host"), "invalid destination host %s", ep.Host)
		} else {
			is.errAt(p, "host", checkWildcardDomain(ep.Host))
		}
		if ep.Subset != "" {
			is.errAt(p, "subset", checkSubsetName(ep.Subset))
		}
		is.errAt(p, "port.number", checkPort(int(ep.Port.GetNumber())))
	}
}

package istiovalid

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	//lint:ignore SA1019 the decoder the injector uses, for the same verdicts
	"github.com/golang/protobuf/jsonpb"
	//lint:ignore SA1019 jsonpb needs the legacy message interface
	legacyproto "github.com/golang/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	meshv1alpha1 "istio.io/api/mesh/v1alpha1"
	networking "istio.io/api/networking/v1alpha3"
	"sigs.k8s.io/yaml"
)

// DefaultProxyConfig is the ProxyConfig the injector applies a pod's
// proxy.istio.io/config over (istio pkg/config/mesh DefaultProxyConfig).
func DefaultProxyConfig() *meshv1alpha1.ProxyConfig {
	return &meshv1alpha1.ProxyConfig{
		ConfigPath:               "./etc/istio/proxy",
		ClusterName:              &meshv1alpha1.ProxyConfig_ServiceCluster{ServiceCluster: "istio-proxy"},
		DrainDuration:            durationpb.New(45 * time.Second),
		TerminationDrainDuration: durationpb.New(5 * time.Second),
		ProxyAdminPort:           15000,
		ControlPlaneAuthPolicy:   meshv1alpha1.AuthenticationPolicy_MUTUAL_TLS,
		DiscoveryAddress:         "istiod.istio-system.svc:15012",
		BinaryPath:               "/usr/local/bin/envoy",
		StatNameLength:           189,
		StatusPort:               15020,
	}
}

// ApplyProxyConfig decodes a proxy.istio.io/config value over the defaults
// as the injector does: YAML to JSON, then the legacy jsonpb decoder, which
// replaces each top-level field the text sets, takes Go durations ("1m"),
// ignores nulls, and on an error retries with unknown fields allowed.
func ApplyProxyConfig(raw string) (*meshv1alpha1.ProxyConfig, error) {
	pc, _, err := ApplyProxyConfigAt(Latest, raw)
	return pc, err
}

// ApplyProxyConfigAt is ApplyProxyConfig by release r's injector, whose
// ProxyConfig may lack fields: its decoder's retry skips them, values and
// all, so they are left out before decoding and returned.
func ApplyProxyConfigAt(r Release, raw string) (*meshv1alpha1.ProxyConfig, []DroppedField, error) {
	pc := DefaultProxyConfig()
	js, err := yaml.YAMLToJSON([]byte(raw))
	if err != nil {
		return nil, nil, err
	}
	js, dropped := dropUnknownToRelease(r, js)
	u := jsonpb.Unmarshaler{}
	if err := u.Unmarshal(strings.NewReader(string(js)), legacyproto.MessageV1(pc)); err != nil {
		u.AllowUnknownFields = true
		if err := u.Unmarshal(strings.NewReader(string(js)), legacyproto.MessageV1(pc)); err != nil {
			return nil, dropped, err
		}
	}
	return pc, dropped, nil
}

// DecodeProxyConfigJSON decodes JSON text into an empty ProxyConfig with
// the injector's decoder (see ApplyProxyConfig), refusing unknown fields
// unless allowUnknown.
func DecodeProxyConfigJSON(js []byte, allowUnknown bool) (*meshv1alpha1.ProxyConfig, error) {
	pc := &meshv1alpha1.ProxyConfig{}
	u := jsonpb.Unmarshaler{AllowUnknownFields: allowUnknown}
	if err := u.Unmarshal(strings.NewReader(string(js)), legacyproto.MessageV1(pc)); err != nil {
		return nil, err
	}
	return pc, nil
}

// ProxyConfigAnnotation is what the injector says about a
// proxy.istio.io/config value (validateProxyConfig): a decoding failure,
// or what ValidateMeshConfigProxyConfig finds. Paths are ProxyConfig field
// names (JSON), "" for the value as a whole.
func ProxyConfigAnnotation(raw string) Issues {
	is, _ := ProxyConfigAnnotationAt(Latest, raw)
	return is
}

// ProxyConfigAnnotationAt is ProxyConfigAnnotation by release r's
// injector, with the fields it drops for not knowing them.
func ProxyConfigAnnotationAt(r Release, raw string) (Issues, []DroppedField) {
	pc, dropped, err := ApplyProxyConfigAt(r, raw)
	if err != nil {
		return Issues{{Msg: "failed to convert to apply proxy config: " + err.Error()}}, dropped
	}
	return ProxyConfigAt(r, pc), dropped
}

// ProxyConfig is ValidateMeshConfigProxyConfig.
func ProxyConfig(pc *meshv1alpha1.ProxyConfig) Issues { return ProxyConfigAt(Latest, pc) }

// ProxyConfigAt is ValidateMeshConfigProxyConfig of release r.
func ProxyConfigAt(r Release, pc *meshv1alpha1.ProxyConfig) Issues {
	var is Issues
	if pc.GetConfigPath() == "" {
		is.errf("configPath", "config path must be set")
	}
	if pc.GetBinaryPath() == "" {
		is.errf("binaryPath", "binary path must be set")
	}
	switch n := pc.GetClusterName().(type) {
	case *meshv1alpha1.ProxyConfig_ServiceCluster:
		if n.ServiceCluster == "" {
			is.errf("serviceCluster", "service cluster must be specified")
		}
	case *meshv1alpha1.ProxyConfig_TracingServiceName_:
	default:
		is.errf("serviceCluster", "oneof service cluster or tracing service name must be specified")
	}
	if err := checkDuration(pc.GetDrainDuration()); err != nil {
		is.errf("drainDuration", "invalid drain duration: %v", err)
	} else if pc.GetDrainDuration().AsDuration()%time.Second != 0 {
		is.errf("drainDuration", "drain time only supports durations to seconds precision")
	}
	if pc.GetDiscoveryAddress() == "" {
		is.errf("discoveryAddress", "discovery address must be set to the proxy discovery service")
	} else if err := checkProxyAddress(pc.GetDiscoveryAddress()); err != nil {
		is.errf("discoveryAddress", "invalid discovery address: %v", err)
	}
	tr := pc.GetTracing()
	if ls := tr.GetLightstep(); ls != nil {
		if ls.GetAddress() == "" {
			is.errf("tracing.lightstep.address", "invalid lightstep config: address is required")
		}
		if err := checkProxyAddress(ls.GetAddress()); err != nil {
			is.errf("tracing.lightstep.address", "invalid lightstep config: invalid lightstep address: %v", err)
		}
		if ls.GetAccessToken() == "" {
			is.errf("tracing.lightstep.accessToken", "invalid lightstep config: access token is required")
		}
	}
	if z := tr.GetZipkin(); z != nil {
		if err := checkProxyAddress(strings.Replace(z.GetAddress(), "$(HOST_IP)", "127.0.0.1", 1)); err != nil {
			is.errf("tracing.zipkin.address", "invalid zipkin config: %v", err)
		}
	}
	if d := tr.GetDatadog(); d != nil {
		if err := checkProxyAddress(strings.Replace(d.GetAddress(), "$(HOST_IP)", "127.0.0.1", 1)); err != nil {
			is.errf("tracing.datadog.address", "invalid datadog config: %v", err)
		}
	}
	if t := tr.GetTlsSettings(); t != nil {
		var tls Issues
		checkClientTLS(&tls, r, "tracing.tlsSettings", "", t)
		for _, i := range tls {
			i.Msg = "invalid tracing TLS config: " + i.Msg
			is = append(is, i)
		}
	}
	for _, name := range sortedKeys(tr.GetCustomTags()) {
		if tr.GetCustomTags()[name] == nil {
			is.errf("tracing.customTags", "invalid tracing custom tags: encountered nil value for custom tag: %s", name)
			break
		}
	}
	if a := pc.GetStatsdUdpAddress(); a != "" {
		if err := checkProxyAddress(a); err != nil {
			is.errf("statsdUdpAddress", "invalid statsd udp address %q: %v", a, err)
		}
	}
	//lint:ignore SA1019 Istio still checks it
	if a := pc.GetEnvoyMetricsServiceAddress(); a != "" {
		if err := checkProxyAddress(a); err != nil {
			is.errf("envoyMetricsServiceAddress", "invalid envoy metrics service address %q: %v", a, err)
		}
	}
	if _, ok := pc.GetProxyMetadata()["ISTIO_META_DNS_AUTO_ALLOCATE"]; ok {
		is.gated(r, pcDNSAutoAllocateWarning, dnsAutoAllocateWarning)
	}
	if a := pc.GetEnvoyMetricsService().GetAddress(); a != "" {
		if err := checkProxyAddress(a); err != nil {
			is.errf("envoyMetricsService.address", "invalid envoy metrics service address %q: %v", a, err)
		}
	}
	if a := pc.GetEnvoyAccessLogService().GetAddress(); a != "" {
		if err := checkProxyAddress(a); err != nil {
			is.errf("envoyAccessLogService.address", "invalid envoy access log service address %q: %v", a, err)
		}
	}
	if err := checkPort(int(pc.GetProxyAdminPort())); err != nil {
		is.errf("proxyAdminPort", "invalid proxy admin port: %v", err)
	}
	if p := pc.GetControlPlaneAuthPolicy(); p != meshv1alpha1.AuthenticationPolicy_NONE && p != meshv1alpha1.AuthenticationPolicy_MUTUAL_TLS {
		is.errf("controlPlaneAuthPolicy", "invalid authentication policy: unrecognized control plane auth policy %q", p)
	}
	if err := checkPort(int(pc.GetStatusPort())); err != nil {
		is.errf("statusPort", "invalid status port: %v", err)
	}
	if pkp := pc.GetPrivateKeyProvider(); pkp != nil {
		checkPrivateKeyProvider(&is, pkp)
	}
	if cs := pc.GetConnectionSettings(); cs != nil {
		is.gated(r, pcConnectionSettings, func(is *Issues) { checkConnectionSettings(is, cs) })
	}
	return is
}

func dnsAutoAllocateWarning(is *Issues) {
	is.warnf("proxyMetadata.ISTIO_META_DNS_AUTO_ALLOCATE", "'ISTIO_META_DNS_AUTO_ALLOCATE' is deprecated; review "+
		"https://istio.io/latest/docs/ops/configuration/traffic-management/dns-proxy/#dns-auto-allocation-v2 for information about replacement functionality")
}

// checkProxyAddress wants host:port with a port in range and a host that
// is an FQDN or an IP address.
func checkProxyAddress(addr string) error {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("unable to split %q: %v", addr, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return fmt.Errorf("port (%s) is not a number: %v", p, err)
	}
	if err := checkPort(port); err != nil {
		return err
	}
	if checkFQDN(host) != nil && !isIP(host) {
		return fmt.Errorf("%q is not a valid hostname or an IP address", host)
	}
	return nil
}

func checkPrivateKeyProvider(is *Issues, pkp *meshv1alpha1.PrivateKeyProvider) {
	const at = "privateKeyProvider"
	const pre = "invalid private key provider configuration: "
	pollDelay := func(d *durationpb.Duration, path string) {
		if d == nil {
			is.errf(path, pre+"pollDelay is required")
		} else if d.GetSeconds() == 0 && d.GetNanos() == 0 {
			is.errf(path, pre+"pollDelay must be non zero")
		}
	}
	switch p := pkp.GetProvider().(type) {
	case *meshv1alpha1.PrivateKeyProvider_Cryptomb:
		if p.Cryptomb == nil {
			is.errf(at+".cryptomb", pre+"cryptomb configuration is required")
		} else {
			pollDelay(p.Cryptomb.GetPollDelay(), at+".cryptomb.pollDelay")
		}
	case *meshv1alpha1.PrivateKeyProvider_Qat:
		if p.Qat == nil {
			is.errf(at+".qat", pre+"qat configuration is required")
		} else {
			pollDelay(p.Qat.GetPollDelay(), at+".qat.pollDelay")
		}
	default:
		is.errf(at, pre+"private key provider configuration is required")
		is.errf(at, pre+"unknown private key provider")
	}
}

func checkConnectionSettings(is *Issues, cs *meshv1alpha1.ProxyConfig_ConnectionSettings) {
	const pre = "invalid connection settings: "
	neg := func(set bool, d *durationpb.Duration, name string) {
		if set && d.AsDuration() < 0 {
			is.errf("connectionSettings", pre+"%s must be non-negative", name)
		}
	}
	if v := cs.GetListenerPerConnectionBufferLimitBytes(); v != nil && v.GetValue() < 0 {
		is.errf("connectionSettings", pre+"listener_per_connection_buffer_limit_bytes must be non-negative")
	}
	if v := cs.GetClusterPerConnectionBufferLimitBytes(); v != nil && v.GetValue() < 0 {
		is.errf("connectionSettings", pre+"cluster_per_connection_buffer_limit_bytes must be non-negative")
	}
	neg(cs.GetHttpIdleTimeout() != nil, cs.GetHttpIdleTimeout(), "http_idle_timeout")
	neg(cs.GetHttpMaxConnectionDuration() != nil, cs.GetHttpMaxConnectionDuration(), "http_max_connection_duration")
	neg(cs.GetHttpDrainTimeout() != nil, cs.GetHttpDrainTimeout(), "http_drain_timeout")
	neg(cs.GetHttpRequestTimeout() != nil, cs.GetHttpRequestTimeout(), "http_request_timeout")
	neg(cs.GetHttpRequestHeadersTimeout() != nil, cs.GetHttpRequestHeadersTimeout(), "http_request_headers_timeout")
	neg(cs.GetHttpStreamIdleTimeout() != nil, cs.GetHttpStreamIdleTimeout(), "http_stream_idle_timeout")
	neg(cs.GetHttpMaxStreamDuration() != nil, cs.GetHttpMaxStreamDuration(), "http_max_stream_duration")
	if v := cs.GetHttpMaxConcurrentStreams(); v != nil && v.GetValue() <= 0 {
		is.errf("connectionSettings", pre+"http_max_concurrent_streams must be positive")
	}
	if v := cs.GetHttp2InitialStreamWindowSize(); v != nil && v.GetValue() < 65535 {
		is.errf("connectionSettings", pre+"http2_initial_stream_window_size must be at least 65535")
	}
	if v := cs.GetHttp2InitialConnectionWindowSize(); v != nil && v.GetValue() < 65535 {
		is.errf("connectionSettings", pre+"http2_initial_connection_window_size must be at least 65535")
	}
	if v := cs.GetListenerConnectionLimit(); v != nil && v.GetValue() <= 0 {
		is.errf("connectionSettings", pre+"listener_connection_limit must be positive")
	}
	if v := cs.GetGlobalDownstreamConnectionLimit(); v != nil && v.GetValue() <= 0 {
		is.errf("connectionSettings", pre+"global_downstream_connection_limit must be positive")
	}
}

// checkClientTLS is agent.ValidateTLS of release r: ClientTLSSettings of
// a DestinationRule (ns its namespace) or of tracing (ns "").
func checkClientTLS(is *Issues, r Release, path, ns string, s *networking.ClientTLSSettings) {
	if s == nil {
		return
	}
	const cmPrefix = "configmap://"
	if rest, ok := strings.CutPrefix(s.GetCredentialName(), cmPrefix); ok {
		is.gated(r, tlsConfigMapCredential, func(is *Issues) {
			if cmNS, ok := configMapNamespace(rest, ns); !ok {
				is.errf(field(path, "credentialName"), "invalid configmap:// credentialName: invalid resource name %q", s.GetCredentialName())
			} else if cmNS != ns || ns == "" {
				is.errf(field(path, "credentialName"), "invalid configmap:// credentialName: namespace must match the configuration namespace %q", ns)
			}
		})
	}
	mode := s.GetMode()
	if s.GetInsecureSkipVerify().GetValue() {
		if mode == networking.ClientTLSSettings_SIMPLE && (s.GetCaCertificates() != "" || s.GetCredentialName() != "" || s.SubjectAltNames != nil) {
			is.errf(field(path, "insecureSkipVerify"), "cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true")
		}
		if mode == networking.ClientTLSSettings_MUTUAL && (s.GetCaCertificates() != "" || s.SubjectAltNames != nil) {
			is.errf(field(path, "insecureSkipVerify"), "cannot specify CaCertificates or SubjectAltNames when InsecureSkipVerify is set true")
		}
	}
	if (mode == networking.ClientTLSSettings_SIMPLE || mode == networking.ClientTLSSettings_MUTUAL) && s.GetCredentialName() != "" {
		if s.GetClientCertificate() != "" || s.GetCaCertificates() != "" || s.GetPrivateKey() != "" || s.GetCaCrl() != "" {
			is.errf(field(path, "credentialName"), "cannot specify client certificates or CA certificate or CA CRL If credentialName is set")
		}
		return
	}
	if mode == networking.ClientTLSSettings_MUTUAL {
		if s.GetClientCertificate() == "" {
			is.errf(field(path, "clientCertificate"), "client certificate required for mutual tls")
		}
		if s.GetPrivateKey() == "" {
			is.errf(field(path, "privateKey"), "private key required for mutual tls")
		}
	}
}

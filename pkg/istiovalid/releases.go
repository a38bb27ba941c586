package istiovalid

// The behaviours of Istio's validation that changed between 1.22 and
// AsOf, with the releases that have them. Found by diffing
// pkg/config/validation (and agent/, pkg/config/security,
// pilot/pkg/model/credentials, the CRDs in manifests/charts/base) between
// every patch tag of istio/istio from 1.22.0 to 1.31.0-rc.0; the commit is
// the one on master, the patch releases its cherry-picks.
// docs/istio-validation-versions.md has the table.
var (
	// always is a behaviour of every release this package follows.
	always = since(OldestMinor)

	// PeerAuthentication portLevelMtls keys above 65535: 1.22 refuses only
	// 0 ("port cannot be 0"). e3386b498af (#51287), 1.23.0.
	paPortRange = since(23)

	// AuthorizationPolicy targetRef kinds: ServiceEntry from 1.24.0
	// (c21de31904a, #52154), GatewayClass from 1.25.0 (d3ac996fe11,
	// #54780).
	apTargetServiceEntry = since(24)
	apTargetGatewayClass = since(25)

	// from.source serviceAccounts/notServiceAccounts, the condition key
	// source.serviceAccount and CUSTOM's refusal of both: 8ac43d22d77
	// (#54091), 1.25.0; the CRD has the fields from 1.25.0 too.
	apServiceAccounts = since(25)

	// The condition key source.trustDomain: an unknown attribute before
	// 9a028a975ce (#59052), 1.30.0.
	apTrustDomainKey = since(30)

	// from.source trustDomains/notTrustDomains checked, counted against an
	// empty source, refused with CUSTOM, and source.trustDomain's values
	// checked: 6f3c7bf0243 (#59358), 1.30.2. The CRD has the fields from
	// 1.30.0, so 1.30.0 and 1.30.1 keep them and refuse a source with
	// nothing else as empty.
	apTrustDomains = since(31).and(30, 2, 0)

	// Path templates: "{**}" only last, every segment a valid literal.
	// Before, only a "*" inside a segment was refused. fdad067badd
	// (#53746), 1.25.0, 1.23.5 and 1.24.3.
	apStrictPathTemplate = since(25).and(23, 5, 0).and(24, 3, 0)

	// validateMetadata refuses internal.istio.io/parent-namespace and
	// internal.istio.io/parents: 1e5b9a0f09c (#55595), 1.27.0.
	metaInternalParents = since(27)

	// ClientTLSSettings credentialName configmap://<ns>/<name> must name the
	// rule's own namespace: a09d83baa4c (#55545), 1.26.0.
	tlsConfigMapCredential = since(26)

	// connectionPool.tcp idleTimeout and tcpKeepalive time/interval checked
	// as durations: c96b8ea654d (#51946), 1.23.0.
	poolTCPDurations = since(23)

	// connectionPool.tcp.idleTimeout 0s refused as a duration under 1ms,
	// until de8674aa1f8 (#55410) let 0 through: 1.23.0 to 1.23.5, 1.24.0
	// to 1.24.3, 1.25.0.
	poolTCPIdleTimeoutZero = presence{}.and(23, 0, 6).and(24, 0, 4).and(25, 0, 1)

	// connectionPool.http.http2KeepAlive: ba5b0c6dfd7 (#60436), 1.31.0.
	poolHTTP2KeepAlive = since(31)

	// loadBalancer.warmupDurationSecs checked as a duration: c96b8ea654d,
	// 1.23.0; dropped when warmup came, d643c2b4db7 (#53472), 1.24.0.
	lbWarmupDurationSecs = presence{}.and(23, 0, 0)

	// loadBalancer.warmup.aggression below 1 refused (d643c2b4db7, 1.24.0)
	// until 9f7f71384a0 (#60611), 1.31.0, refuses only <= 0.
	lbAggressionBelowOne    = presence{{from: patchRelease{24, 0}, to: patchRelease{31, 0}}}
	lbAggressionNotPositive = since(31)

	// consistentHash.httpCookie.attributes names: 7a9eafa5574 (#57735),
	// 1.28.0.
	lbCookieAttributes = since(28)

	// zoneAwareLbSetting: cb9728f907e (#60765), 1.31.0.
	lbZoneAware = since(31)

	// A trafficPolicy with only retryBudget counts as set: 4a3e1b75d2d
	// (#57322), 1.27.1. Before 1.27 the CRD has no retryBudget, which the
	// API server drops.
	tpRetryBudgetCounts    = since(28).and(27, 1, 0)
	tpRetryBudgetUncounted = presence{}.and(27, 0, 1)

	// Sidecar ingress TLS: credentialNames and tlsCertificates refused, and
	// validateTLSOptions reading them: af4d964e019 (#55760), 1.27.0. The
	// CRD has the fields from 1.26.0; 1.26 ignores them.
	scTLSCertificateLists = since(27)

	// Sidecar egress hosts "~ns/host" (a namespace to exclude) accepted and
	// left out of the duplicate warnings: 4c3c712eed2 (#60581), 1.31.0.
	// Before, "~ns" was an invalid namespace.
	scExcludedHosts = since(31)

	// Sidecar outboundTrafficPolicy mode 2 (ALLOW_ANY_DYNAMIC_DNS) refused:
	// 1fc5b25133f (#59802), 1.31.0.
	scDynamicDNSMode = since(31)

	// ServiceEntry resolution DYNAMIC_DNS: 9ae09ab0ced (#57658), 1.28.0
	// (the CRD enum has it from 1.28.0). Its ports: HTTP only in 1.28;
	// TLS too from 0a3fed3748f (#57972), 1.29.0; GRPC and HTTP2 too, and
	// location MESH_INTERNAL (not with a waypoint) from b29d7766ddc
	// (#58688), 1.30.0.
	seDynamicDNS     = since(28)
	seDynamicDNSTLS  = since(29)
	seDynamicDNSMore = since(30)

	// DNS resolution without endpoints and a non-FQDN host: one error for
	// the first such host, "hosts must be FQDN or contain only prefix
	// wildcards ...", from 9ae09ab0ced, 1.28.0; before, one error per host.
	seFQDNFirstOnly = since(28)

	// A warning for a ServiceEntry with resolution DNS or DNS_ROUND_ROBIN
	// and a workloadSelector: bf0e0f534c5 (#49429), dropped by
	// a32cfc289b8 (#55567): 1.22, 1.23.0 to 1.23.5, 1.24.0 to 1.24.5,
	// 1.25.0.
	seDNSSelectorWarning = until(23).and(23, 0, 6).and(24, 0, 6).and(25, 0, 1)

	// The sidecar injector's check of proxy.istio.io/config
	// (ValidateMeshConfigProxyConfig; the configmap:// tracing credential
	// is tlsConfigMapCredential's, ValidateTLS with namespace "", so any
	// such credential is refused):

	// The warning for proxyMetadata ISTIO_META_DNS_AUTO_ALLOCATE:
	// 9eed7253a5c (#54690), 1.25.0. The injector drops warnings.
	pcDNSAutoAllocateWarning = since(25)

	// connectionSettings checked: dc816f56c6e (#60576), 1.31.0. Before,
	// the release's ProxyConfig has no such field (proxyConfigFieldsSince).
	pcConnectionSettings = since(31)
)

// apTrustDomainsUncounted is the releases whose empty-source check does
// not count trustDomains: every one before 1.30.2 (before 1.30 the API
// server has dropped them already).
var apTrustDomainsUncounted = until(30).and(30, 0, 2)

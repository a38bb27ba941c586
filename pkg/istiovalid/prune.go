package istiovalid

import (
	"google.golang.org/protobuf/proto"
	networking "istio.io/api/networking/v1alpha3"
	security "istio.io/api/security/v1beta1"
)

// The fields of the kinds Config validates that an older release's CRD
// does not have, by the first minor whose CRD has them
// (manifests/charts/base crd-all.gen.yaml at each tag; no patch release
// changed these schemas). kubectl apply asks for strict field validation
// by default, and the API server then refuses a field its CRD lacks; a
// client that does not ask has the API server drop the field before
// istiod's webhook sees the object, which validates it without the field.
const (
	crdWarmup          = 24 // DestinationRule loadBalancer.warmup
	crdServiceAccounts = 25 // AuthorizationPolicy source.serviceAccounts, notServiceAccounts
	crdTLSCertLists    = 26 // Sidecar ingress tls.credentialNames, tlsCertificates
	crdRetryBudget     = 27 // DestinationRule trafficPolicy.retryBudget
	crdCookieAttrs     = 28 // DestinationRule consistentHash.httpCookie.attributes
	crdCACertCred      = 28 // Sidecar ingress tls.caCertCredentialName
	crdDynamicDNS      = 28 // ServiceEntry resolution DYNAMIC_DNS (an enum value: refused, not dropped)
	crdTrustDomains    = 30 // AuthorizationPolicy source.trustDomains, notTrustDomains
	crd131             = 31 // DestinationRule http2KeepAlive, zoneAwareLbSetting, outlierDetectionHttpErrorCodes,
	// retryBudget.budgetInterval; Sidecar http2KeepAlive, ingress tls.insecureSkipVerify
)

// pruner drops from a copy of a spec the fields release r's CRD lacks,
// and says which, as errors (strict field validation refuses them).
type pruner struct {
	r  Release
	is Issues
	// dry: only find out whether anything is dropped (would), leaving
	// the spec alone, so that a spec with nothing to drop is not copied.
	dry, would bool
}

// drop reports whether the field at path, which the CRD has from minor
// on, is dropped; set says whether the spec sets it.
func (p *pruner) drop(minor int, set bool, path string) bool {
	if !set || p.r.minor >= minor {
		return false
	}
	if p.dry {
		p.would = true
		return false
	}
	p.is.errf(path, "unknown field: Istio %s's CRD has no %s (it comes in 1.%d): strict field validation, kubectl "+
		"apply's default, refuses it (a client that does not ask for it has the API server drop the field, and istiod "+
		"judges the object without it)", p.r, path, minor)
	p.is[len(p.is)-1].Schema = true
	return true
}

// Prune returns spec as release r's API server passes it to the webhook
// (a copy, when it drops something), with an error for each field it
// dropped (strict field validation refuses it);
// refused is true when the API server refuses the object outright (an
// enum value its CRD lacks) and is then its error.
func Prune(r Release, spec proto.Message) (pruned proto.Message, is Issues, refused bool) {
	if r.minor >= Latest.minor {
		return spec, nil, false
	}
	if s, ok := spec.(*networking.ServiceEntry); ok && s.Resolution == networking.ServiceEntry_DYNAMIC_DNS && r.minor < crdDynamicDNS {
		is.errf("spec.resolution", "Unsupported value: \"DYNAMIC_DNS\": Istio %s's CRD has no resolution DYNAMIC_DNS (it comes in 1.%d), "+
			"so the API server refuses the object", r, crdDynamicDNS)
		is[0].Schema = true
		return spec, is, true
	}
	dry := &pruner{r: r, dry: true}
	dry.walk(spec)
	if !dry.would {
		return spec, nil, false
	}
	p := &pruner{r: r}
	spec = proto.Clone(spec)
	p.walk(spec)
	return spec, p.is, false
}

// walk drops from spec what r's CRD lacks (or, dry, finds whether it
// would).
func (p *pruner) walk(spec proto.Message) {
	switch s := spec.(type) {
	case *security.AuthorizationPolicy:
		for i, rule := range s.GetRules() {
			for j, from := range rule.GetFrom() {
				src := from.GetSource()
				if src == nil {
					continue
				}
				sp := field(idx(field(idx("spec.rules", i), "from"), j), "source")
				if p.drop(crdServiceAccounts, src.ServiceAccounts != nil, field(sp, "serviceAccounts")) {
					src.ServiceAccounts = nil
				}
				if p.drop(crdServiceAccounts, src.NotServiceAccounts != nil, field(sp, "notServiceAccounts")) {
					src.NotServiceAccounts = nil
				}
				if p.drop(crdTrustDomains, src.TrustDomains != nil, field(sp, "trustDomains")) {
					src.TrustDomains = nil
				}
				if p.drop(crdTrustDomains, src.NotTrustDomains != nil, field(sp, "notTrustDomains")) {
					src.NotTrustDomains = nil
				}
			}
		}
	case *networking.DestinationRule:
		p.trafficPolicy("spec.trafficPolicy", s.TrafficPolicy)
		for i, sub := range s.GetSubsets() {
			p.trafficPolicy(field(idx("spec.subsets", i), "trafficPolicy"), sub.GetTrafficPolicy())
		}
	case *networking.Sidecar:
		p.pool("spec.inboundConnectionPool", s.InboundConnectionPool)
		for i, in := range s.GetIngress() {
			ip := idx("spec.ingress", i)
			p.pool(field(ip, "connectionPool"), in.GetConnectionPool())
			t := in.GetTls()
			if t == nil {
				continue
			}
			tp := field(ip, "tls")
			if p.drop(crdTLSCertLists, t.CredentialNames != nil, field(tp, "credentialNames")) {
				t.CredentialNames = nil
			}
			if p.drop(crdTLSCertLists, t.TlsCertificates != nil, field(tp, "tlsCertificates")) {
				t.TlsCertificates = nil
			}
			if p.drop(crdCACertCred, t.CaCertCredentialName != "", field(tp, "caCertCredentialName")) {
				t.CaCertCredentialName = ""
			}
			if p.drop(crd131, t.InsecureSkipVerify != nil, field(tp, "insecureSkipVerify")) {
				t.InsecureSkipVerify = nil
			}
		}
	}
}

func (p *pruner) trafficPolicy(path string, tp *networking.TrafficPolicy) {
	if tp == nil {
		return
	}
	if p.drop(crdRetryBudget, tp.RetryBudget != nil, field(path, "retryBudget")) {
		tp.RetryBudget = nil
	}
	if rb := tp.RetryBudget; rb != nil && p.drop(crd131, rb.BudgetInterval != nil, field(path, "retryBudget.budgetInterval")) {
		rb.BudgetInterval = nil
	}
	p.settings(path, tp.OutlierDetection, tp.ConnectionPool, tp.LoadBalancer)
	for i, pl := range tp.GetPortLevelSettings() {
		pp := idx(field(path, "portLevelSettings"), i)
		p.settings(pp, pl.GetOutlierDetection(), pl.GetConnectionPool(), pl.GetLoadBalancer())
	}
}

func (p *pruner) settings(path string, od *networking.OutlierDetection, cp *networking.ConnectionPoolSettings, lb *networking.LoadBalancerSettings) {
	if od != nil && p.drop(crd131, od.OutlierDetectionHttpErrorCodes != nil, field(path, "outlierDetection.outlierDetectionHttpErrorCodes")) {
		od.OutlierDetectionHttpErrorCodes = nil
	}
	p.pool(field(path, "connectionPool"), cp)
	if lb == nil {
		return
	}
	lp := field(path, "loadBalancer")
	if p.drop(crdWarmup, lb.Warmup != nil, field(lp, "warmup")) {
		lb.Warmup = nil
	}
	if p.drop(crd131, lb.ZoneAwareLbSetting != nil, field(lp, "zoneAwareLbSetting")) {
		lb.ZoneAwareLbSetting = nil
	}
	if c := lb.GetConsistentHash().GetHttpCookie(); c != nil &&
		p.drop(crdCookieAttrs, c.Attributes != nil, field(lp, "consistentHash.httpCookie.attributes")) {
		c.Attributes = nil
	}
}

func (p *pruner) pool(path string, cp *networking.ConnectionPoolSettings) {
	if h := cp.GetHttp(); h != nil && p.drop(crd131, h.Http2KeepAlive != nil, field(path, "http.http2KeepAlive")) {
		h.Http2KeepAlive = nil
	}
}

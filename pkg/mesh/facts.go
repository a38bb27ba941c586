package mesh

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Facts are what the linter knows about the cluster the manifests go to.
// Every field has an "unknown" zero value; rules that need an unknown fact
// say what they assumed and how to state it, and choose their severity by
// the cost of being wrong.
type Facts struct {
	IstioVersion      Version
	KubernetesVersion Version // the API server's
	// KubeletVersion is the oldest kubelet of the nodes that may run the
	// pods: kubelets may lag the API server by up to three minors, and
	// native sidecars need the kubelet's support.
	KubeletVersion Version
	// NativeSidecars is istiod's ENABLE_NATIVE_SIDECARS: "true", "false",
	// "auto" or "" (unknown).
	NativeSidecars string
	// OutboundPolicy is the mesh outboundTrafficPolicy.mode: "ALLOW_ANY",
	// "REGISTRY_ONLY" or "" (unknown; Istio's default is ALLOW_ANY).
	OutboundPolicy string
	RootNamespace  string   // "" means Istio's default, istio-system
	TrustDomain    string   // "" means Istio's default, cluster.local
	TrustAliases   []string // meshConfig.trustDomainAliases
	// MaxCertTTL is istiod's MAX_WORKLOAD_CERT_TTL; 0 means the default, 90 days.
	MaxCertTTL time.Duration
	// HoldApplication is the mesh-wide holdApplicationUntilProxyStarts:
	// "true", "false" or "" (unknown; Istio's default is false).
	HoldApplication string
	// DNSAutoAllocate says whether every sidecar captures DNS and gets
	// addresses allocated for ServiceEntries without addresses (mesh-wide
	// proxyMetadata ISTIO_META_DNS_CAPTURE, with ISTIO_META_DNS_AUTO_ALLOCATE
	// or istiod's PILOT_ENABLE_IP_AUTOALLOCATE): "true", "false" or ""
	// (unknown; Istio's default is false, DNS capture being off).
	DNSAutoAllocate string
	// RootCertExpiry is when the mesh root certificate expires (the last
	// certificate of the istio-ca-root-cert bundle to expire: during a
	// rotation the bundle holds the old root and the new one), as
	// `meshbatch facts` read it; the zero time means unknown.
	RootCertExpiry time.Time

	// Namespaces are the cluster's namespaces as `meshbatch facts` read
	// them: what settles injection for a namespace that is not in the
	// input (see Namespace).
	Namespaces map[string]Namespace
	// Revisions hold, per Istio revision, the facts in which the revision
	// differs from these; a zero field is the same as here. ForNamespace
	// applies them.
	Revisions map[string]Facts
}

// Defaults Istio uses when the corresponding fact is not given.
const (
	DefaultRootNamespace = "istio-system"
	DefaultTrustDomain   = "cluster.local"
	DefaultMaxCertTTL    = 90 * 24 * time.Hour
)

// Root returns the mesh root namespace.
func (f Facts) Root() string {
	if f.RootNamespace == "" {
		return DefaultRootNamespace
	}
	return f.RootNamespace
}

// Domain returns the trust domain.
func (f Facts) Domain() string {
	if f.TrustDomain == "" {
		return DefaultTrustDomain
	}
	return f.TrustDomain
}

// MaxTTL returns MAX_WORKLOAD_CERT_TTL.
func (f Facts) MaxTTL() time.Duration {
	if f.MaxCertTTL == 0 {
		return DefaultMaxCertTTL
	}
	return f.MaxCertTTL
}

// Version is a major.minor release, with its patch when that is known;
// the zero value means unknown. Rules that need the patch ask Patch: a
// minor-only version ("1.28") leaves it unknown, and such a version reads
// and prints as it always did.
type Version struct {
	Major, Minor int
	// patch is the patch + 1, so that 0 (the zero value) is unknown.
	patch int
}

// ParseVersion reads "1.28", "v1.28" or "1.28.3". The empty string gives
// the zero (unknown) version.
func ParseVersion(s string) (Version, error) {
	if s == "" {
		return Version{}, nil
	}
	bad := fmt.Errorf("version %q: want MAJOR.MINOR or MAJOR.MINOR.PATCH, like 1.28 or 1.28.3", s)
	parts := strings.Split(strings.TrimPrefix(s, "v"), ".")
	if len(parts) < 2 || len(parts) > 3 {
		return Version{}, bad
	}
	nums := make([]int, len(parts))
	for i, part := range parts {
		n, err := strconv.Atoi(part)
		// Atoi takes a sign, which no release has
		if err != nil || n < 0 || part[0] == '+' {
			return Version{}, bad
		}
		nums[i] = n
	}
	v := Version{Major: nums[0], Minor: nums[1]}
	if len(nums) == 3 {
		v = v.WithPatch(nums[2])
	}
	return v, nil
}

// WithPatch is v at patch p (p >= 0) of its minor.
func (v Version) WithPatch(p int) Version {
	v.patch = p + 1
	return v
}

// Patch is the patch, and whether it is known.
func (v Version) Patch() (int, bool) { return v.patch - 1, v.patch > 0 }

// MinorOnly is v without its patch.
func (v Version) MinorOnly() Version {
	v.patch = 0
	return v
}

// Known reports whether the version was given.
func (v Version) Known() bool { return v != Version{} }

// String is "1.28", or "1.28.3" when the patch is known.
func (v Version) String() string {
	if !v.Known() {
		return "unknown"
	}
	if p, ok := v.Patch(); ok {
		return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, p)
	}
	return fmt.Sprintf("%d.%d", v.Major, v.Minor)
}

// AtLeastPatch answers v >= major.minor.patch: Unknown when v is unknown,
// or is of that minor with an unknown patch (and patch > 0).
func (v Version) AtLeastPatch(major, minor, patch int) Tri {
	if !v.Known() {
		return Unknown
	}
	if v.Major != major || v.Minor != minor {
		return v.AtLeast(major, minor)
	}
	p, ok := v.Patch()
	switch {
	case patch == 0:
		return Yes
	case !ok:
		return Unknown
	}
	return TriOf(p >= patch)
}

// AtLeast answers v >= major.minor, or Unknown when v is unknown.
func (v Version) AtLeast(major, minor int) Tri {
	if !v.Known() {
		return Unknown
	}
	return TriOf(v.Major > major || (v.Major == major && v.Minor >= minor))
}

// Tri is a yes/no answer that may not be known.
type Tri int

// Tri values.
const (
	Unknown Tri = iota
	Yes
	No
)

// TriOf converts a bool.
func TriOf(b bool) Tri {
	if b {
		return Yes
	}
	return No
}

func (t Tri) String() string {
	switch t {
	case Yes:
		return "yes"
	case No:
		return "no"
	}
	return "unknown"
}

// ParseDuration reads a Go duration ("36h", "90m") and also whole days
// ("90d"), which is how Istio documents certificate lifetimes. Note that
// Istio itself (SECRET_TTL, MAX_WORKLOAD_CERT_TTL) takes only Go durations.
func ParseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("duration %q: want a Go duration like 36h or whole days like 90d", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("duration %q: want a Go duration like 36h or whole days like 90d", s)
	}
	return d, nil
}

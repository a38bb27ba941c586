// Package istiovalid reimplements the checks Istio runs before it accepts
// configuration: the validating webhook's checks of PeerAuthentication,
// AuthorizationPolicy, DestinationRule, ServiceEntry and Sidecar
// (istio/istio pkg/config/validation), and the sidecar injector's checks of
// pod annotations and proxy.istio.io/config (pkg/kube/inject/validate.go,
// pkg/config/validation/agent).
//
// It does not import istio.io/istio: that module would multiply the binary's
// size and start-up time. The e2e module holds it to Istio's functions with
// a differential test (e2e/istiowebhook), which is where a difference
// between the two shows.
package istiovalid

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
)

// Issue is one thing Istio's validation says about an object.
type Issue struct {
	// Path is the field the issue is about, relative to the object
	// ("spec.hosts[0]"), in the form manifest.Path reads.
	Path string
	Msg  string
	// Warning: Istio accepts the object and warns; otherwise it rejects it.
	Warning bool
	// Patches is "" when every patch of the release validated for makes
	// this check; otherwise it names the patches that do ("from 1.24.3",
	// "before 1.23.6"), and the others accept the object.
	Patches string
	// Schema: the API server says it, by the release's CRD schema, before
	// istiod's webhook sees the object.
	Schema bool
}

// Issues is what one validation found.
type Issues []Issue

// Rejected reports whether Istio rejects the object: some issue is an
// error.
func (is Issues) Rejected() bool {
	for _, i := range is {
		if !i.Warning {
			return true
		}
	}
	return false
}

func (is *Issues) errf(path, format string, args ...any) {
	*is = append(*is, Issue{Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (is *Issues) warnf(path, format string, args ...any) {
	*is = append(*is, Issue{Path: path, Msg: fmt.Sprintf(format, args...), Warning: true})
}

// err adds err at path when it is not nil.
func (is *Issues) err(path string, err error) {
	if err != nil {
		*is = append(*is, Issue{Path: path, Msg: err.Error()})
	}
}

// errAt is err at the field name of parent, whose path it builds only
// for an error: most checks pass, and MB002 checks every Istio object.
func (is *Issues) errAt(parent, name string, err error) {
	if err != nil {
		is.err(field(parent, name), err)
	}
}

func (is *Issues) warn(path string, err error) {
	if err != nil {
		*is = append(*is, Issue{Path: path, Msg: err.Error(), Warning: true})
	}
}

// gated runs check, the checks of a behaviour of the releases in p, for
// release r: its issues stand as they are where every patch of r has the
// behaviour, carry the patches that have it where some do, and are
// dropped where none does.
func (is *Issues) gated(r Release, p presence, check func(is *Issues)) {
	all, some := p.at(r)
	if !all && some == "" {
		return
	}
	var sub Issues
	check(&sub)
	for _, i := range sub {
		if !all && i.Patches == "" {
			i.Patches = some
		}
		*is = append(*is, i)
	}
}

func idx(path string, i int) string        { return path + "[" + strconv.Itoa(i) + "]" }
func key(path, k string) string            { return path + "[" + strconv.Quote(k) + "]" }
func field(path, name string) string       { return path + "." + name }
func portKey(path string, p uint32) string { return key(path, strconv.FormatUint(uint64(p), 10)) }

const dns1123LabelMax = 63

var (
	dns1123Label  = `[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?`
	qualifiedName = `(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
	labelKeyRE    = regexp.MustCompile(`^(` + dns1123Label + `(?:\.` + dns1123Label + `)*/)?(` + qualifiedName + `)$`)
	labelValueRE  = regexp.MustCompile(`^(` + qualifiedName + `)?$`)
)

// isDNS1123Label matches ^dns1123Label$ up to 63 bytes, byte by byte:
// MB002 asks it of every host label, and the regular expression was most
// of the rule's time (TestLabelMatchersAgreeWithRegexps keeps the two
// the same).
func isDNS1123Label(s string) bool {
	if len(s) == 0 || len(s) > dns1123LabelMax || !isAlnum(s[0]) || !isAlnum(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if !isAlnum(s[i]) && s[i] != '-' {
			return false
		}
	}
	return true
}

// isWildcardLabel matches ^(\*|(\*|\*-)?dns1123Label)$ up to 63 bytes.
func isWildcardLabel(s string) bool {
	if len(s) > dns1123LabelMax {
		return false
	}
	if s == "*" || isDNS1123Label(s) {
		return true
	}
	rest, ok := strings.CutPrefix(s, "*")
	if !ok {
		return false
	}
	if isDNS1123Label(rest) {
		return true
	}
	rest, ok = strings.CutPrefix(rest, "-")
	return ok && isDNS1123Label(rest)
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func checkDomainLength(name string) error {
	if len(name) > 255 {
		return fmt.Errorf("domain name %q too long (max 255)", name)
	}
	if name == "" {
		return fmt.Errorf("empty domain name not allowed")
	}
	return nil
}

// checkLabels checks the dot-separated labels of a domain; a trailing dot
// is allowed, an all-numeric last label is not.
func checkLabels(domain string) error {
	parts := strings.Split(domain, ".")
	last := parts[len(parts)-1]
	if _, err := strconv.Atoi(last); err == nil {
		return fmt.Errorf("domain name %q invalid (top level domain %q cannot be all-numeric)", domain, last)
	}
	for i, l := range parts {
		if i == len(parts)-1 && l == "" {
			return nil
		}
		if !isDNS1123Label(l) {
			return fmt.Errorf("domain name %q invalid (label %q invalid)", domain, l)
		}
	}
	return nil
}

func checkFQDN(name string) error {
	if err := checkDomainLength(name); err != nil {
		return err
	}
	return checkLabels(name)
}

// checkWildcardDomain is checkFQDN allowing a wildcard first label.
func checkWildcardDomain(name string) error {
	if err := checkDomainLength(name); err != nil {
		return err
	}
	first, rest, dotted := strings.Cut(name, ".")
	if !isWildcardLabel(first) {
		return fmt.Errorf("domain name %q invalid (label %q invalid)", name, first)
	}
	if dotted {
		return checkLabels(rest)
	}
	return nil
}

func checkPartialWildcard(host string) error {
	if strings.Contains(host, "*") && len(host) != 1 && !strings.HasPrefix(host, "*.") {
		return fmt.Errorf("partial wildcard %q not allowed", host)
	}
	return nil
}

func checkPort(port int) error {
	if port < 1 || port > 65535 {
		return fmt.Errorf("port number %d must be in the range 1..65535", port)
	}
	return nil
}

func isIP(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.IsValid()
}

func checkIP(s string) error {
	if _, err := netip.ParseAddr(s); err != nil {
		return fmt.Errorf("%v is not a valid IP", s)
	}
	return nil
}

func checkIPSubnet(s string) error {
	if strings.Count(s, "/") == 1 {
		if _, err := netip.ParsePrefix(s); err != nil {
			return fmt.Errorf("%v is not a valid CIDR block", s)
		}
		return nil
	}
	return checkIP(s)
}

// checkDuration wants at least a millisecond, in whole milliseconds; a
// missing duration counts as zero.
func checkDuration(d *durationpb.Duration) error {
	dur := d.AsDuration()
	if dur < time.Millisecond {
		return fmt.Errorf("duration must be greater than 1ms")
	}
	if dur%time.Millisecond != 0 {
		return fmt.Errorf("only durations to ms precision are supported")
	}
	return nil
}

func checkPercent(v int32) error {
	if v < 0 || v > 100 {
		return fmt.Errorf("percentage %v is not in range 0..100", v)
	}
	return nil
}

// checkLabelMap checks keys and values as Kubernetes label names and values.
func checkLabelMap(is *Issues, path string, m map[string]string) {
	for _, k := range sortedKeys(m) {
		v := m[k]
		if mm := labelKeyRE.FindStringSubmatch(k); mm == nil {
			is.errf(key(path, k), "invalid tag key: %q", k)
		} else if len(mm[1]) > 0 && len(mm[1])-1 > 253 {
			is.errf(key(path, k), "invalid tag key: %q (DNS prefix is too long)", k)
		} else if len(mm[2]) > dns1123LabelMax {
			is.errf(key(path, k), "invalid tag key: %q (name is too long)", k)
		}
		if !labelValueRE.MatchString(v) {
			is.errf(key(path, k), "invalid tag value: %q", v)
		}
	}
}

func checkPortName(name string) error {
	if !isDNS1123Label(name) {
		return fmt.Errorf("invalid port name: %s", name)
	}
	return nil
}

// protocol is Istio's protocol.Instance, by name.
type protocol string

const (
	protoUnsupported protocol = ""
)

// parseProtocol reads a port protocol case-insensitively; "" for one Istio
// does not know (DoubleHBONE never matches: Istio compares it with a
// lower-cased name).
func parseProtocol(s string) protocol {
	switch l := strings.ToLower(s); l {
	case "tcp", "udp", "grpc", "grpc-web", "http", "http_proxy", "http2", "https", "tls", "mongo", "redis", "mysql":
		return protocol(l)
	}
	return protoUnsupported
}

func (p protocol) isHTTP() bool {
	switch p {
	case "http", "http2", "http_proxy", "grpc", "grpc-web":
		return true
	}
	return false
}

func (p protocol) isTCP() bool {
	switch p {
	case "tcp", "https", "tls", "mongo", "redis", "mysql":
		return true
	}
	return false
}

func (p protocol) isTLS() bool { return p == "https" || p == "tls" }

func checkProtocol(s string) error {
	if s != "" && parseProtocol(s) == protoUnsupported {
		return fmt.Errorf("unsupported protocol: %s", s)
	}
	return nil
}

const unixPrefix = "unix://"

func checkUnixAddress(addr string) error {
	if addr == "" {
		return fmt.Errorf("unix address must not be empty")
	}
	if strings.HasPrefix(addr, "@") {
		return nil
	}
	if !strings.HasPrefix(addr, "/") || strings.HasSuffix(addr, "/") {
		return fmt.Errorf("%s is not an absolute path to a file", addr)
	}
	return nil
}

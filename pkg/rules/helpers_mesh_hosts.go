package rules

import (
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// ---------------------------------------------------------------------------
// Hosts

// HostClass says where a host name points.
type HostClass int

const (
	hostUnknown  HostClass = iota // cannot tell (IPs, private suffixes, bare words)
	HostCluster                   // a Kubernetes Service
	HostExternal                  // a name outside the cluster
)

// ClusterHost is a host resolved to a Kubernetes Service.
type ClusterHost struct{ Name, Namespace string }

func (c ClusterHost) FQDN() string { return c.Name + "." + c.Namespace + ".svc.cluster.local" }

// ClassifyHost tells a Service name from an external one, the way a pod in
// clientNS resolves it with the cluster's search path: "x" and "x.ns"
// (ns a namespace seen in the input) and "x.ns.svc[.cluster.local]" are
// Services; a name ending in a public top-level domain is external.
// Single-label names count as Services only when that Service is loaded,
// so that words in arguments are not taken for hosts.
//
// Reads: Service (declare its spec).
func (ix *Index) ClassifyHost(host, clientNS string) (HostClass, ClusterHost) {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "" || net.ParseIP(h) != nil || h == "localhost" || strings.ContainsAny(h, "[*") {
		return hostUnknown, ClusterHost{}
	}
	labels := strings.Split(h, ".")
	if i := slices.Index(labels, "svc"); i == 2 {
		return HostCluster, ClusterHost{labels[0], labels[1]}
	}
	switch {
	case strings.HasSuffix(h, ".cluster.local") || strings.HasSuffix(h, ".local") ||
		strings.HasSuffix(h, ".svc") || strings.HasSuffix(h, ".internal"):
		return hostUnknown, ClusterHost{}
	case len(labels) == 1:
		if ix.Service(h+"."+clientNS+".svc.cluster.local") != nil {
			return HostCluster, ClusterHost{h, clientNS}
		}
		return hostUnknown, ClusterHost{}
	case len(labels) == 2 && ix.KnownNamespace(labels[1]):
		return HostCluster, ClusterHost{labels[0], labels[1]}
	}
	if publicTLD(labels[len(labels)-1]) {
		return HostExternal, ClusterHost{}
	}
	return hostUnknown, ClusterHost{}
}

var gTLDs = map[string]bool{
	"com": true, "net": true, "org": true, "edu": true, "gov": true, "mil": true, "int": true,
	"io": true, "dev": true, "app": true, "cloud": true, "ai": true, "co": true, "info": true,
	"biz": true, "xyz": true, "tech": true, "online": true, "site": true, "page": true,
	"services": true, "systems": true, "digital": true, "network": true, "solutions": true,
	"aws": true, "azure": true, "google": true, "goog": true, "microsoft": true, "amazon": true,
}

// publicTLD reports whether a label is a top-level domain of the public
// DNS: the usual generic ones and every two-letter country code.
func publicTLD(label string) bool {
	if gTLDs[label] {
		return true
	}
	return len(label) == 2 && label[0] >= 'a' && label[0] <= 'z' && label[1] >= 'a' && label[1] <= 'z'
}

// HostRef is a host a container names in its environment or command line.
type HostRef struct {
	Host   string
	Port   uint32 // 0 when not given and not implied by the scheme
	Scheme string // lower case, "" for bare host[:port] values
	Path   string // field path of the env value or args/command entry
	Where  string // "env DATABASE_URL of container etl", for messages
}

// schemes are the URL schemes whose authority is a network host, with the
// port they imply. Others (s3://bucket, file://, gs://) name no host.
var schemes = map[string]uint32{
	"http": 80, "https": 443, "ws": 80, "wss": 443, "grpc": 0, "grpcs": 0, "h2c": 80,
	"postgres": 5432, "postgresql": 5432, "pgsql": 5432, "mysql": 3306, "mariadb": 3306,
	"sqlserver": 1433, "mongodb": 27017, "redis": 6379, "rediss": 6379,
	"amqp": 5672, "amqps": 5671, "kafka": 9092, "nats": 4222, "tcp": 0, "tls": 0,
	"ftp": 21, "sftp": 22, "ssh": 22, "ldap": 389, "ldaps": 636, "smtp": 25, "smtps": 465,
	"clickhouse": 9000, "cassandra": 9042, "elasticsearch": 9200, "memcached": 11211,
}

var (
	urlRE     = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*)://(?:[^\s/@?#]*@)?([a-z0-9_](?:[a-z0-9_.-]*[a-z0-9])?)(?::(\d{1,5}))?`)
	dsnHostRE = regexp.MustCompile(`(?i)\bhost=([a-z0-9_](?:[a-z0-9_.-]*[a-z0-9])?)`)
	dsnPortRE = regexp.MustCompile(`(?i)\bport=(\d{1,5})\b`)
	bareRE    = regexp.MustCompile(`(?i)^([a-z0-9_](?:[a-z0-9_.-]*[a-z0-9])?)(?::(\d{1,5}))?$`)
)

// hostEnvSuffixes mark env vars whose bare value is a host ("DB_HOST",
// libpq's "PGHOST").
var hostEnvSuffixes = []string{"HOSTNAME", "HOST", "_SERVER", "_ENDPOINT", "_ADDR", "_ADDRESS"}

// envStem is an env var name without its host or port suffix, so that
// DB_HOST pairs with DB_PORT and PGHOST with PGPORT.
func envStem(name, suffix string) (string, bool) {
	stem, ok := strings.CutSuffix(strings.ToUpper(name), suffix)
	return strings.TrimSuffix(stem, "_"), ok
}

// hostRefs finds the network hosts the app containers name: URLs with a
// known scheme and libpq-style host= settings in env values, args and
// command entries, bare host[:port] values of env vars named like *_HOST
// (with a sibling *_PORT), and env values that are lists of host:port, as
// Kafka's bootstrap servers are. Values of env vars whose names look like
// credentials are skipped.
func findHostRefs(w *Workload) []HostRef {
	var out []HostRef
	for _, c := range w.Containers() {
		cname := c.Container.Name
		ports := map[string]uint32{}
		for _, e := range c.Container.Env {
			if stem, ok := envStem(e.Name, "PORT"); ok {
				if n, err := strconv.ParseUint(e.Value, 10, 16); err == nil {
					ports[stem] = uint32(n)
				}
			}
		}
		for i, e := range c.Container.Env {
			if e.Value == "" || CredentialName(e.Name) {
				continue
			}
			refs := scanHosts(e.Value, "", "")
			if len(refs) == 0 {
				refs = bareHost(e, ports, "", "")
			}
			if len(refs) == 0 {
				refs = hostPortList(e.Value)
			}
			for k := range refs {
				refs[k].Path = fmt.Sprintf("%s.env[%d].value", c.Path, i)
				refs[k].Where = fmt.Sprintf("env %s of container %s", e.Name, cname)
			}
			out = append(out, refs...)
		}
		for _, f := range []struct {
			name string
			list []string
		}{{"command", c.Container.Command}, {"args", c.Container.Args}} {
			for i, s := range f.list {
				refs := scanHosts(s, "", "")
				for k := range refs {
					refs[k].Path = fmt.Sprintf("%s.%s[%d]", c.Path, f.name, i)
					refs[k].Where = "the " + f.name + " of container " + cname
				}
				out = append(out, refs...)
			}
		}
	}
	return out
}

func scanHosts(s, path, where string) []HostRef {
	var out []HostRef
	if !strings.Contains(s, "://") && !strings.Contains(s, "host=") && !strings.Contains(s, "HOST=") && !strings.Contains(s, "Host=") {
		return nil // the common case: no URL, no DSN
	}
	for _, m := range urlRE.FindAllStringSubmatch(s, -1) {
		scheme := strings.ToLower(m[1])
		if inner, ok := strings.CutPrefix(scheme, "jdbc:"); ok {
			scheme = inner
		}
		def, ok := schemes[scheme]
		if !ok {
			continue
		}
		out = append(out, HostRef{Host: strings.ToLower(m[2]), Port: PortOr(m[3], def), Scheme: scheme, Path: path, Where: where})
	}
	if len(out) == 0 {
		if m := dsnHostRE.FindStringSubmatch(s); m != nil {
			port := uint32(0)
			if pm := dsnPortRE.FindStringSubmatch(s); pm != nil {
				port = PortOr(pm[1], 0)
			}
			out = append(out, HostRef{Host: strings.ToLower(m[1]), Port: port, Path: path, Where: where})
		}
	}
	return out
}

// hostPortList reads a value that is nothing but host:port entries,
// separated by commas (Kafka's bootstrap.servers, a Cassandra or
// Elasticsearch node list, a lone broker.example.com:9092). Each entry
// needs its port and a host with a dot: a value like "debug:1" or
// "12:30" is not taken for a host.
func hostPortList(v string) []HostRef {
	if !strings.Contains(v, ":") || !strings.Contains(v, ".") {
		return nil // the common case
	}
	var out []HostRef
	for _, item := range strings.Split(v, ",") {
		m := bareRE.FindStringSubmatch(strings.TrimSpace(item))
		if m == nil || PortOr(m[2], 0) == 0 || !strings.Contains(m[1], ".") {
			return nil
		}
		out = append(out, HostRef{Host: strings.ToLower(m[1]), Port: PortOr(m[2], 0)})
	}
	return out
}

func bareHost(e corev1.EnvVar, ports map[string]uint32, path, where string) []HostRef {
	for _, suf := range hostEnvSuffixes {
		prefix, ok := envStem(e.Name, suf)
		if !ok {
			continue
		}
		m := bareRE.FindStringSubmatch(strings.TrimSpace(e.Value))
		if m == nil || !strings.Contains(m[1], ".") && m[2] == "" {
			// a single word without a port is too weak a signal
			if m == nil || ports[prefix] == 0 {
				return nil
			}
		}
		port := PortOr(m[2], ports[prefix])
		return []HostRef{{Host: strings.ToLower(m[1]), Port: port, Path: path, Where: where}}
	}
	return nil
}

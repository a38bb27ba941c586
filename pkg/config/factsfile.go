package config

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// FactsFile is a cluster's facts as `meshbatch facts` writes them and
// `lint --facts`, `generate --facts` and the config key factsFile read
// (docs/configuration.md, "Facts file"):
//
//	# meshbatch facts from context prod-eu, 2026-12-06T10:00:00Z
//	facts:                      # the config file's facts keys
//	  kubernetesVersion: "1.33"
//	  istioVersion: "1.28"
//	rootCert: {configMap: istio-system/istio-ca-root-cert, notAfter: "2035-11-20T08:00:00Z", subject: O=cluster.local}
//	revisions:                  # every Istio revision; facts where it differs from the above
//	  1-28-1: {namespace: istio-system, tags: [default]}
//	  1-26-3:
//	    namespace: istio-system
//	    facts: {istioVersion: "1.26", nativeSidecars: "false"}
//	namespaces:                 # every namespace's resolved dataplane
//	  batch-jobs: {injection: sidecar, revision: 1-28-1}
//	  tools: {injection: none}
//
// Unknown keys are errors with file:line:column, as in the config file.
type FactsFile struct {
	Facts      lint.RawFacts             `json:"facts,omitempty"`
	Ambient    AmbientFacts              `json:"ambient,omitempty"`
	RootCert   RootCertFacts             `json:"rootCert,omitempty"`
	Revisions  map[string]RevisionFacts  `json:"revisions,omitempty"`
	Namespaces map[string]NamespaceFacts `json:"namespaces,omitempty"`

	File string `json:"-"` // as the user would type it, for messages
	pos  map[string]manifest.Pos
}

// RevisionFacts describe one Istio revision (a control plane): where its
// istiod runs, the revision tags that point at it, and the facts in which
// it differs from the file's top-level facts.
type RevisionFacts struct {
	Namespace string `json:"namespace,omitempty"`
	Version   string `json:"version,omitempty"` // istiod's release, from its image: 1.28.1
	// Default is "true" for the revision that istio-injection=enabled and
	// the pod label sidecar.istio.io/inject select.
	Default        string         `json:"default,omitempty"`
	Tags           []string       `json:"tags,omitempty"`
	AutoMTLS       string         `json:"autoMtls,omitempty"`       // mesh enableAutoMtls: true or false
	ProxyResources ProxyResources `json:"proxyResources,omitempty"` // the injector's defaults
	Facts          lint.RawFacts  `json:"facts,omitempty"`
}

// ProxyResources are the injector's default istio-proxy resources, which
// a pod gets unless it sets a sidecar.istio.io/proxy* annotation.
type ProxyResources struct {
	CPU         string `json:"cpu,omitempty"`
	Memory      string `json:"memory,omitempty"`
	CPULimit    string `json:"cpuLimit,omitempty"`
	MemoryLimit string `json:"memoryLimit,omitempty"`
}

func (p ProxyResources) empty() bool { return p == ProxyResources{} }

// AmbientFacts say that ambient mode is installed: where its ztunnel
// DaemonSet runs and its release.
type AmbientFacts struct {
	Ztunnel string `json:"ztunnel,omitempty"` // namespace/name
	Version string `json:"version,omitempty"`
}

// Installed reports whether the file says ambient mode is installed.
func (a AmbientFacts) Installed() bool { return a.Ztunnel != "" }

// RootCertFacts are the mesh root certificate, as read from the
// istio-ca-root-cert ConfigMap istiod publishes: where it was read, when
// the first of its certificates expires (RFC 3339, UTC) and that
// certificate's subject. MB706 judges running Jobs' deadlines against it.
type RootCertFacts struct {
	ConfigMap string `json:"configMap,omitempty"` // namespace/name
	NotAfter  string `json:"notAfter,omitempty"`
	Subject   string `json:"subject,omitempty"`
}

func (r RootCertFacts) empty() bool { return r == RootCertFacts{} }

// NamespaceFacts are a namespace's resolved dataplane: injection is one
// of mesh.InjectionValues, revision the revision whose injector serves it.
type NamespaceFacts struct {
	Injection string `json:"injection"`
	Revision  string `json:"revision,omitempty"`
}

// LoadFacts reads and strictly decodes a facts file.
func LoadFacts(file string) (*FactsFile, error) {
	data, err := readFile(file)
	if err != nil {
		return nil, fmt.Errorf("facts file %s: %v", file, describeFSError(err))
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	return ParseFacts(displayPath(abs), data)
}

// ParseFacts decodes a facts file's data; name is used in errors. Every
// value is checked.
func ParseFacts(name string, data []byte) (*FactsFile, error) {
	ff := &FactsFile{File: name, pos: map[string]manifest.Pos{}}
	empty, err := decodeFile(name, data, ff, ff.pos)
	if err != nil {
		return nil, err
	}
	if empty {
		return nil, fmt.Errorf("%s: the facts file is empty: write it with `meshbatch facts -o %s`", name, name)
	}
	if err := ff.validate(); err != nil {
		return nil, err
	}
	return ff, nil
}

func (ff *FactsFile) where(fieldPath string) string {
	if p, ok := ff.pos[fieldPath]; ok {
		return fmt.Sprintf("%s:%d:%d", ff.File, p.Line, p.Col)
	}
	return ff.File
}

func (ff *FactsFile) errorf(fieldPath, format string, args ...any) error {
	return fmt.Errorf("%s: %s: %s", ff.where(fieldPath), fieldPath, fmt.Sprintf(format, args...))
}

func (ff *FactsFile) validate() error {
	check := func(prefix string, r lint.RawFacts) error {
		if _, err := r.Parse(); err != nil {
			var fe *lint.FactError
			if errors.As(err, &fe) {
				return ff.errorf(prefix+fe.Key, "%s", fe.Msg)
			}
			return err
		}
		return nil
	}
	if err := check("facts.", ff.Facts); err != nil {
		return err
	}
	if r := ff.RootCert; !r.empty() {
		if _, err := time.Parse(time.RFC3339, r.NotAfter); err != nil {
			return ff.errorf("rootCert.notAfter", "%q is not an RFC 3339 time like 2035-11-20T08:00:00Z", r.NotAfter)
		}
	}
	for _, name := range sortedKeys(ff.Revisions) {
		if err := check("revisions"+manifest.Key(name)+".facts.", ff.Revisions[name].Facts); err != nil {
			return err
		}
	}
	for _, name := range sortedKeys(ff.Revisions) {
		r, p := ff.Revisions[name], "revisions"+manifest.Key(name)
		if r.Default != "" && r.Default != "true" {
			return ff.errorf(p+".default", "%q: write true, or leave it out", r.Default)
		}
		if r.AutoMTLS != "" && r.AutoMTLS != "true" && r.AutoMTLS != "false" {
			return ff.errorf(p+".autoMtls", "%q is not one of true, false", r.AutoMTLS)
		}
	}
	for _, name := range sortedKeys(ff.Namespaces) {
		n := ff.Namespaces[name]
		p := "namespaces" + manifest.Key(name)
		if !slices.Contains(mesh.InjectionValues, n.Injection) {
			return ff.errorf(p+".injection", "%q is not one of %s", n.Injection, strings.Join(mesh.InjectionValues, ", "))
		}
		if n.Revision == "" {
			continue
		}
		if n.Injection != mesh.InjectSidecar {
			return ff.errorf(p+".revision", "a revision serves sidecar injection only; injection is %s", n.Injection)
		}
		if _, ok := ff.Revisions[n.Revision]; !ok {
			return ff.errorf(p+".revision", "no revision %q under revisions", n.Revision)
		}
	}
	return nil
}

// Mesh returns the file's facts, with user (flags, environment, the
// config file's facts:), which win: a key set there replaces the file's
// value at the top level and in every revision. set says which keys of
// user were set.
func (ff *FactsFile) Mesh(user lint.RawFacts, set func(key string) bool) (mesh.Facts, error) {
	var top lint.RawFacts
	for _, f := range lint.FactFields() {
		if set(f.Key) {
			f.Set(&top, f.Get(user))
		} else {
			f.Set(&top, f.Get(ff.Facts))
		}
	}
	facts, err := top.Parse()
	if err != nil {
		return facts, err
	}
	for name, r := range ff.Revisions {
		var own lint.RawFacts
		for _, f := range lint.FactFields() {
			if !set(f.Key) {
				f.Set(&own, f.Get(r.Facts))
			}
		}
		rf, err := own.Parse()
		if err != nil {
			return facts, err
		}
		if facts.Revisions == nil {
			facts.Revisions = map[string]mesh.Facts{}
		}
		facts.Revisions[name] = rf
	}
	if ff.RootCert.NotAfter != "" {
		facts.RootCertExpiry, _ = time.Parse(time.RFC3339, ff.RootCert.NotAfter) // checked by validate
	}
	for name, n := range ff.Namespaces {
		if facts.Namespaces == nil {
			facts.Namespaces = map[string]mesh.Namespace{}
		}
		facts.Namespaces[name] = mesh.Namespace{Injection: n.Injection, Revision: n.Revision}
	}
	return facts, nil
}

// Marshal writes the file as `meshbatch facts` prints it: header (each
// line a comment), then facts, revisions and namespaces, keys in a fixed
// order, one namespace per line.
func (ff *FactsFile) Marshal(header string) []byte {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(header, "\n"), "\n") {
		if line != "" {
			b.WriteString("# " + line + "\n")
		}
	}
	b.WriteString("facts:")
	if writeRawFacts(&b, "  ", ff.Facts) == 0 {
		b.WriteString(" {}")
	}
	b.WriteString("\n")
	if a := ff.Ambient; a.Installed() {
		b.WriteString("ambient: {ztunnel: " + flowScalar(a.Ztunnel))
		if a.Version != "" {
			b.WriteString(", version: " + flowScalar(a.Version))
		}
		b.WriteString("}\n")
	}
	if r := ff.RootCert; !r.empty() {
		var parts []string
		for _, kv := range [][2]string{{"configMap", r.ConfigMap}, {"notAfter", r.NotAfter}, {"subject", r.Subject}} {
			if kv[1] != "" {
				parts = append(parts, kv[0]+": "+flowScalar(kv[1]))
			}
		}
		b.WriteString("rootCert: {" + strings.Join(parts, ", ") + "}\n")
	}
	if len(ff.Revisions) > 0 {
		b.WriteString("revisions:\n")
		for _, name := range sortedKeys(ff.Revisions) {
			r := ff.Revisions[name]
			b.WriteString("  " + scalar(name) + ":")
			n := 0
			line := func(key, value string) {
				if value != "" {
					b.WriteString("\n    " + key + ": " + value)
					n++
				}
			}
			line("namespace", scalar(r.Namespace))
			line("version", scalar(r.Version))
			line("default", r.Default)
			if len(r.Tags) > 0 {
				line("tags", flowList(r.Tags))
			}
			line("autoMtls", r.AutoMTLS)
			if p := r.ProxyResources; !p.empty() {
				var parts []string
				for _, kv := range [][2]string{{"cpu", p.CPU}, {"memory", p.Memory}, {"cpuLimit", p.CPULimit}, {"memoryLimit", p.MemoryLimit}} {
					if kv[1] != "" {
						parts = append(parts, kv[0]+": "+flowScalar(kv[1]))
					}
				}
				line("proxyResources", "{"+strings.Join(parts, ", ")+"}")
			}
			var facts strings.Builder
			if writeRawFacts(&facts, "      ", r.Facts) > 0 {
				b.WriteString("\n    facts:" + facts.String())
				n++
			}
			if n == 0 {
				b.WriteString(" {}")
			}
			b.WriteString("\n")
		}
	}
	if len(ff.Namespaces) > 0 {
		b.WriteString("namespaces:\n")
		for _, name := range sortedKeys(ff.Namespaces) {
			n := ff.Namespaces[name]
			b.WriteString("  " + scalar(name) + ": {injection: " + flowScalar(n.Injection))
			if n.Revision != "" {
				b.WriteString(", revision: " + flowScalar(n.Revision))
			}
			b.WriteString("}\n")
		}
	}
	return []byte(b.String())
}

// writeRawFacts writes each set fact on a line of its own, indented, and
// returns how many it wrote.
func writeRawFacts(b *strings.Builder, indent string, r lint.RawFacts) int {
	n := 0
	for _, f := range lint.FactFields() {
		v := f.Get(r)
		if len(v) == 0 {
			continue
		}
		b.WriteString("\n" + indent + f.Key + ": ")
		if f.List {
			b.WriteString(flowList(v))
		} else {
			b.WriteString(scalar(v[0]))
		}
		n++
	}
	return n
}

// scalar writes a string as a YAML scalar that reads back as that string:
// quoted when YAML would read it as something else ("1.28", "true").
func scalar(s string) string {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	out, err := yaml.Marshal(n)
	if err != nil || strings.Contains(strings.TrimSpace(string(out)), "\n") {
		return fmt.Sprintf("%q", s)
	}
	return strings.TrimSpace(string(out))
}

// flowScalar is scalar for a flow collection ([a, b], {k: v}), where
// commas and brackets end a plain scalar.
func flowScalar(s string) string {
	if strings.ContainsAny(s, ",[]{}") {
		return fmt.Sprintf("%q", s)
	}
	return scalar(s)
}

func flowList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = flowScalar(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Overridden is a fact given explicitly (a flag, a variable, the config
// file's facts:) that differs from the one the facts file detected: the
// given one wins (Mesh), which a user should be told.
type Overridden struct {
	Key      string // config key, e.g. "istioVersion"
	Given    string // the value given, which wins
	Detected string // the facts file's value
	Revision string // the revision whose facts say Detected; "" for the top level
}

// Overrides lists the facts user gives (set says which keys it set) that
// contradict the file's, at the top level and in each revision, in
// RawFacts order, then by revision. Values that parse to the same fact
// ("1.28" and "v1.28", "TRUE" and "true") agree; an Istio patch is a fact
// ("1.28.0" and "1.28" differ).
func (ff *FactsFile) Overrides(user lint.RawFacts, set func(key string) bool) []Overridden {
	var out []Overridden
	differ := func(f lint.FactField, given, detected []string) bool {
		if len(detected) == 0 {
			return false
		}
		var a, b lint.RawFacts
		f.Set(&a, given)
		f.Set(&b, detected)
		pa, errA := a.Parse()
		pb, errB := b.Parse()
		if errA != nil || errB != nil {
			return !slices.Equal(given, detected)
		}
		return !reflect.DeepEqual(pa, pb)
	}
	for _, f := range lint.FactFields() {
		if !set(f.Key) {
			continue
		}
		given := f.Get(user)
		if d := f.Get(ff.Facts); differ(f, given, d) {
			out = append(out, Overridden{Key: f.Key, Given: strings.Join(given, ","), Detected: strings.Join(d, ",")})
		}
		for _, name := range sortedKeys(ff.Revisions) {
			if d := f.Get(ff.Revisions[name].Facts); differ(f, given, d) {
				out = append(out, Overridden{Key: f.Key, Given: strings.Join(given, ","), Detected: strings.Join(d, ","), Revision: name})
			}
		}
	}
	return out
}

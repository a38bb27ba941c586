package config

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/meshbatch/meshbatch/internal/orderedjson"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// The facts file's JSON Schema (docs/facts.schema.json) is generated from
// the Go types of FactsFile and factsDocs below, so that it cannot miss a
// field; TestFactsSchemaUpToDate keeps the committed file in step
// (go test ./pkg/config -update rewrites it). ParseFacts stays the
// reference: the schema lets an editor or a CI step flag a hand-edited
// file early.

// FactsSchemaID is where the published schema lives.
const FactsSchemaID = "https://raw.githubusercontent.com/meshbatch/meshbatch/main/docs/facts.schema.json"

// factsDoc documents one field of the facts file. Paths are JSON keys
// joined by dots, "*" for a map's entries; the fields of lint.RawFacts are
// documented once, under "facts.", and shared by every revision's facts.
type factsDoc struct {
	Desc string
	// Enum lists the values meshbatch writes; ParseFacts also takes the
	// facts' enums in any case, which the schema leaves out.
	Enum []string
	// YAMLBool: an unquoted true or false is taken as the word.
	YAMLBool bool
	Pattern  string
	Format   string
	// Scalar: any YAML scalar is taken as its text (a quantity as 1).
	Scalar   bool
	Required bool
}

const (
	factsVersionPattern  = `^v?[0-9]+\.[0-9]+(\.[0-9]+)?$`
	factsDurationPattern = `^([0-9]+d|([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)$`
	quoteVersion         = ` A quoted string ("1.28"): YAML reads an unquoted 1.30 as the number 1.3, so meshbatch refuses a number here.`
)

var factsDocs = map[string]factsDoc{
	"facts": {Desc: "The facts every revision shares or, where revisions differ, those of the default revision: the keys of the config file's facts:, which (like flags and MESHBATCH_* variables) win over these key by key."},
	"facts.istioVersion": {
		Desc: "The default revision's Istio release, MAJOR.MINOR.PATCH when the patch is known (meshbatch facts reads it from istiod's image tag), else MAJOR.MINOR: some of Istio's checks differ between patches of a release, which the patch settles." + quoteVersion, Pattern: factsVersionPattern,
	},
	"facts.kubernetesVersion": {Desc: "The API server's release, MAJOR.MINOR (a patch is read and ignored)." + quoteVersion, Pattern: factsVersionPattern},
	"facts.kubeletVersion":    {Desc: "The oldest node's kubelet release, MAJOR.MINOR (a patch is read and ignored)." + quoteVersion, Pattern: factsVersionPattern},
	"facts.nativeSidecars": {
		Desc: "istiod's ENABLE_NATIVE_SIDECARS, or its default for that release.", Enum: []string{"true", "false", "auto"}, YAMLBool: true,
	},
	"facts.outboundPolicy": {Desc: "meshConfig.outboundTrafficPolicy.mode.", Enum: []string{"ALLOW_ANY", "REGISTRY_ONLY"}},
	"facts.rootNamespace":  {Desc: "The mesh root namespace (istio-system when left out)."},
	"facts.trustDomain":    {Desc: "The mesh trust domain (cluster.local when left out)."},
	"facts.trustDomainAliases": {
		Desc: "meshConfig.trustDomainAliases: the other trust domains the mesh's identities may carry.",
	},
	"facts.maxCertTTL": {
		Desc: "istiod's MAX_WORKLOAD_CERT_TTL: a Go duration (36h) or whole days (90d).", Pattern: factsDurationPattern,
	},
	"facts.holdApplicationUntilProxyStarts": {
		Desc: "The mesh-wide meshConfig.defaultConfig.holdApplicationUntilProxyStarts.", Enum: []string{"true", "false"}, YAMLBool: true,
	},
	"facts.dnsAutoAllocate": {
		Desc: "Sidecars capture DNS and get ServiceEntry addresses allocated mesh-wide.", Enum: []string{"true", "false"}, YAMLBool: true,
	},
	"ambient":         {Desc: "Ambient mode, present only when its ztunnel DaemonSet runs."},
	"ambient.ztunnel": {Desc: "The ztunnel DaemonSet, namespace/name."},
	"ambient.version": {Desc: "ztunnel's release, from its image." + quoteVersion},
	"rootCert": {
		Desc: "The mesh root certificate, read from the istio-ca-root-cert ConfigMap istiod publishes; MB706 judges running Jobs' deadlines against notAfter.",
	},
	"rootCert.configMap": {Desc: "Where the certificate was read, namespace/name."},
	"rootCert.notAfter":  {Desc: "When the root certificate expires, RFC 3339 in UTC, quoted: 2035-11-20T08:00:00Z.", Format: "date-time"},
	"rootCert.subject":   {Desc: "That certificate's subject."},
	"revisions":          {Desc: "Every Istio revision (control plane), by name."},
	"revisions.*":        {Desc: "One revision: where its istiod runs, the tags that point at it, and the facts in which it differs from the top-level facts."},
	"revisions.*.namespace": {
		Desc: "The namespace istiod runs in.",
	},
	"revisions.*.version": {Desc: "istiod's release, from its image: 1.28.1." + quoteVersion},
	"revisions.*.default": {
		Desc: "true for the revision that istio-injection=enabled and the pod label sidecar.istio.io/inject select; left out for the others.",
		Enum: []string{"true"}, YAMLBool: true,
	},
	"revisions.*.tags":     {Desc: "The revision tags (istio.io/tag) that point at this revision."},
	"revisions.*.autoMtls": {Desc: "The mesh config's enableAutoMtls.", Enum: []string{"true", "false"}, YAMLBool: true},
	"revisions.*.proxyResources": {
		Desc: "The injector's default istio-proxy resources, which a pod gets unless it sets a sidecar.istio.io/proxy* annotation.",
	},
	"revisions.*.proxyResources.cpu":         {Desc: "The CPU request, a quantity.", Scalar: true},
	"revisions.*.proxyResources.memory":      {Desc: "The memory request, a quantity.", Scalar: true},
	"revisions.*.proxyResources.cpuLimit":    {Desc: "The CPU limit, a quantity.", Scalar: true},
	"revisions.*.proxyResources.memoryLimit": {Desc: "The memory limit, a quantity.", Scalar: true},
	"revisions.*.facts":                      {Desc: "The facts in which this revision differs from the top-level facts; the keys of facts."},
	"namespaces": {
		Desc: "Every namespace's resolved dataplane, for namespaces that are not in the linted input.",
	},
	"namespaces.*": {Desc: "One namespace's dataplane."},
	"namespaces.*.injection": {
		Desc:     "sidecar (an injector webhook selects the namespace), ambient, none (only labelled pods get a sidecar) or disabled (no injector can select it).",
		Enum:     mesh.InjectionValues,
		Required: true,
	},
	"namespaces.*.revision": {
		Desc: "The revision whose injector serves the namespace: a key of revisions, with injection sidecar only.",
	},
}

// factsFields lists every documented path of the facts file's Go types,
// depth first, in declaration order, with lint.RawFacts's fields once.
func factsFields() []string {
	var out []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for f := range t.Fields() {
			name := jsonKey(f)
			if name == "" {
				continue
			}
			path := joinField(prefix, name)
			out = append(out, path)
			ft := f.Type
			if ft.Kind() == reflect.Map {
				out = append(out, path+".*")
				path, ft = path+".*", ft.Elem()
			}
			if ft.Kind() == reflect.Struct && (ft != rawFactsType || path == "facts") {
				walk(ft, path)
			}
		}
	}
	walk(reflect.TypeFor[FactsFile](), "")
	return out
}

var rawFactsType = reflect.TypeFor[lint.RawFacts]()

func jsonKey(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" || !f.IsExported() {
		return ""
	}
	return name
}

// FactsSchema returns the facts file's JSON Schema (draft-07, which
// yaml-language-server reads best).
func FactsSchema() ([]byte, error) {
	root := factsSchemaOf(reflect.TypeFor[FactsFile](), "")
	var doc orderedjson.Object
	doc.Set("$schema", "http://json-schema.org/draft-07/schema#")
	doc.Set("$id", FactsSchemaID)
	doc.Set("title", "meshbatch facts file")
	doc.Set("description", "A cluster's facts as `meshbatch facts` writes them and `meshbatch lint --facts` reads them. Reference: docs/configuration.md, \"factsFile\".")
	doc.Set("type", "object")
	for _, kv := range root {
		if kv.Key != "type" { // the file itself is never null
			doc.Set(kv.Key, kv.Value)
		}
	}
	doc.Set("definitions", orderedjson.Object{{Key: "facts", Value: factsSchemaOf(rawFactsType, "facts")}})
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// factsSchemaOf describes a Go type at a path of the facts file. A key
// with no value (null) leaves the field unset, so every optional value
// may be null.
func factsSchemaOf(t reflect.Type, path string) orderedjson.Object {
	var s orderedjson.Object
	doc := factsDocs[path]
	if doc.Desc != "" {
		s.Set("description", doc.Desc)
	}
	switch t.Kind() {
	case reflect.Struct:
		if t == rawFactsType && path != "facts" {
			s.Set("$ref", "#/definitions/facts")
			return s
		}
		s.Set("type", []string{"object", "null"})
		var props orderedjson.Object
		var required []string
		for f := range t.Fields() {
			name := jsonKey(f)
			if name == "" {
				continue
			}
			p := joinField(path, name)
			props.Set(name, factsSchemaOf(f.Type, p))
			if factsDocs[p].Required {
				required = append(required, name)
			}
		}
		s.Set("properties", props)
		if len(required) > 0 {
			s.Set("required", required)
		}
		s.Set("additionalProperties", false)
		if path == "rootCert" {
			// validate: a rootCert with anything in it needs notAfter.
			s.Set("anyOf", []orderedjson.Object{{{Key: "maxProperties", Value: 0}}, {{Key: "required", Value: []string{"notAfter"}}}})
		}
	case reflect.Map:
		s.Set("type", []string{"object", "null"})
		s.Set("additionalProperties", factsSchemaOf(t.Elem(), path+".*"))
	case reflect.Slice:
		s.Set("type", []string{"array", "null"})
		s.Set("items", orderedjson.Object{{Key: "type", Value: "string"}})
	case reflect.String:
		switch {
		case len(doc.Enum) > 0:
			var enum []any
			for _, v := range doc.Enum {
				enum = append(enum, v)
			}
			if doc.YAMLBool {
				for _, b := range []bool{true, false} {
					if slices.Contains(doc.Enum, strconv.FormatBool(b)) {
						enum = append(enum, b)
					}
				}
			}
			if !doc.Required {
				enum = append(enum, nil)
			}
			s.Set("enum", enum)
		case doc.Scalar:
			s.Set("type", []string{"string", "number", "null"})
		default:
			s.Set("type", []string{"string", "null"})
		}
		if doc.Pattern != "" {
			s.Set("pattern", doc.Pattern)
		}
		if doc.Format != "" {
			s.Set("format", doc.Format)
		}
	}
	return s
}

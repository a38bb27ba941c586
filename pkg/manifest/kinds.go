package manifest

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	networkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	securityv1 "istio.io/client-go/pkg/apis/security/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	sigsjson "sigs.k8s.io/json"

	"github.com/meshbatch/meshbatch/internal/suggest"
)

// kind says how to decode one group/kind and which versions exist.
type kind struct {
	versions []string
	decode   func(js []byte) (any, *decodeError)
	// fast decodes a document the fast path parsed, as decode would decode
	// its JSON; false when it cannot say, and then decode decides.
	fast func(p *fastParser) (any, bool)
	// typ is the decoded type, and partial decodes only the fields of a
	// Fields: Kubernetes built-in kinds have both.
	typ     reflect.Type
	partial func(p *fastParser, f Fields) (any, bool)
	// decodeStored decodes an object an API server stored: the fields
	// the type does not know are dropped and their paths returned.
	decodeStored func(js []byte) (any, []string, *decodeError)
}

// decodeError is a decoding failure with the field path it concerns (as
// precise as the decoder tells) and, for Istio specs, a field name to search.
type decodeError struct {
	path  string // field path, "" when unknown
	field string // bare field name, when only that is known
	msg   string
}

// kinds lists what meshbatch decodes, keyed by "group/Kind" ("" is the core
// group). Istio kinds of every served version decode into the v1 client-go
// types: their specs are the same protobuf messages.
var kinds = map[string]kind{
	"/Namespace":       k8s[corev1.Namespace]("v1"),
	"/ServiceAccount":  k8s[corev1.ServiceAccount]("v1"),
	"/Service":         k8s[corev1.Service]("v1"),
	"/Pod":             k8s[corev1.Pod]("v1"),
	"/ConfigMap":       k8s[corev1.ConfigMap]("v1"),
	"apps/Deployment":  k8s[appsv1.Deployment]("v1"),
	"apps/StatefulSet": k8s[appsv1.StatefulSet]("v1"),
	"apps/DaemonSet":   k8s[appsv1.DaemonSet]("v1"),
	"apps/ReplicaSet":  k8s[appsv1.ReplicaSet]("v1"),
	"batch/Job":        k8s[batchv1.Job]("v1"),
	"batch/CronJob":    k8s[batchv1.CronJob]("v1", "v1beta1"),

	"security.istio.io/PeerAuthentication": istio(securityVersions, func() (any, *metav1.ObjectMeta, proto.Message) {
		o := &securityv1.PeerAuthentication{}
		return o, &o.ObjectMeta, &o.Spec
	}),
	"security.istio.io/AuthorizationPolicy": istio(securityVersions, func() (any, *metav1.ObjectMeta, proto.Message) {
		o := &securityv1.AuthorizationPolicy{}
		return o, &o.ObjectMeta, &o.Spec
	}),
	"security.istio.io/RequestAuthentication": istio(securityVersions, func() (any, *metav1.ObjectMeta, proto.Message) {
		o := &securityv1.RequestAuthentication{}
		return o, &o.ObjectMeta, &o.Spec
	}),
	"networking.istio.io/DestinationRule": istio(networkingVersions, func() (any, *metav1.ObjectMeta, proto.Message) {
		o := &networkingv1.DestinationRule{}
		return o, &o.ObjectMeta, &o.Spec
	}),
	"networking.istio.io/ServiceEntry": istio(networkingVersions, func() (any, *metav1.ObjectMeta, proto.Message) {
		o := &networkingv1.ServiceEntry{}
		return o, &o.ObjectMeta, &o.Spec
	}),
	"networking.istio.io/Sidecar": istio(networkingVersions, func() (any, *metav1.ObjectMeta, proto.Message) {
		o := &networkingv1.Sidecar{}
		return o, &o.ObjectMeta, &o.Spec
	}),
	"networking.istio.io/VirtualService": istio(networkingVersions, func() (any, *metav1.ObjectMeta, proto.Message) {
		o := &networkingv1.VirtualService{}
		return o, &o.ObjectMeta, &o.Spec
	}),
	"networking.istio.io/Gateway": istio(networkingVersions, func() (any, *metav1.ObjectMeta, proto.Message) {
		o := &networkingv1.Gateway{}
		return o, &o.ObjectMeta, &o.Spec
	}),
	"networking.istio.io/WorkloadEntry": istio(networkingVersions, func() (any, *metav1.ObjectMeta, proto.Message) {
		o := &networkingv1.WorkloadEntry{}
		return o, &o.ObjectMeta, &o.Spec
	}),
}

var (
	securityVersions   = []string{"v1", "v1beta1"}
	networkingVersions = []string{"v1", "v1beta1", "v1alpha3"}
)

// k8s decodes a Kubernetes built-in type the way the API server does with
// strict field validation: case-sensitive, unknown and duplicate fields
// rejected.
func k8s[T any](versions ...string) kind {
	return kind{versions: versions, decode: func(js []byte) (any, *decodeError) {
		obj := new(T)
		strict, err := sigsjson.UnmarshalStrict(js, obj)
		if err != nil {
			return nil, jsonError(js, err, reflect.TypeFor[T]())
		}
		if len(strict) > 0 {
			return nil, jsonError(js, strict[0], reflect.TypeFor[T]())
		}
		return obj, nil
	}, decodeStored: func(js []byte) (any, []string, *decodeError) {
		obj := new(T)
		strict, err := sigsjson.UnmarshalStrict(js, obj)
		if err != nil {
			return nil, nil, jsonError(js, err, reflect.TypeFor[T]())
		}
		unknown, derr := unknownOnly(js, strict, reflect.TypeFor[T]())
		if derr != nil {
			return nil, nil, derr
		}
		return obj, unknown, nil
	}, fast: func(p *fastParser) (any, bool) {
		obj := new(T)
		return obj, p.decodeInto(0, reflect.ValueOf(obj).Elem())
	}, typ: reflect.TypeFor[T](), partial: func(p *fastParser, f Fields) (any, bool) {
		obj := new(T)
		return obj, p.decodeFields(0, reflect.ValueOf(obj).Elem(), f)
	}}
}

// istioEnvelope holds everything of an Istio object but its spec, which
// protojson decodes: the JSON shims in istio.io/api accept unknown fields.
type istioEnvelope struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   metav1.ObjectMeta `json:"metadata"`
	Spec       json.RawMessage   `json:"spec"`
	Status     json.RawMessage   `json:"status,omitempty"`
}

var (
	strictProto = protojson.UnmarshalOptions{}
	storedProto = protojson.UnmarshalOptions{DiscardUnknown: true}
)

// unknownOnly returns the paths of the unknown fields among a strict
// decoder's complaints about js, or the first other one (a duplicate
// field) as an error.
func unknownOnly(js []byte, strict []error, t reflect.Type) ([]string, *decodeError) {
	var paths []string
	for _, e := range strict {
		m := jsonStrictRE.FindStringSubmatch(e.Error())
		if m == nil || m[1] != "unknown" {
			return nil, jsonError(js, e, t)
		}
		paths = append(paths, m[2])
	}
	return paths, nil
}

// unknownProtoFields lists the paths (under path) of the fields of the
// JSON object js that the message md does not have, by its JSON or proto
// names as protojson reads them, in the messages it holds too.
func unknownProtoFields(md protoreflect.MessageDescriptor, js []byte, path string) []string {
	var v any
	if json.Unmarshal(js, &v) != nil {
		return nil
	}
	var out []string
	walkProtoJSON(md, v, path, &out)
	return out
}

func walkProtoJSON(md protoreflect.MessageDescriptor, v any, path string, out *[]string) {
	obj, ok := v.(map[string]any)
	if !ok || strings.HasPrefix(string(md.FullName()), "google.protobuf.") {
		return // a well-known type (Struct, Duration, wrappers) takes any JSON of its kind
	}
	fields := md.Fields()
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		fd := fields.ByJSONName(key)
		if fd == nil {
			fd = fields.ByName(protoreflect.Name(key))
		}
		at := path + "." + key
		switch {
		case fd == nil:
			*out = append(*out, at)
		case fd.IsMap():
			if vd := fd.MapValue(); vd.Message() != nil {
				if m, ok := obj[key].(map[string]any); ok {
					for _, k := range slices.Sorted(maps.Keys(m)) {
						walkProtoJSON(vd.Message(), m[k], at+Key(k), out)
					}
				}
			}
		case fd.Message() != nil && fd.IsList():
			if l, ok := obj[key].([]any); ok {
				for i, item := range l {
					walkProtoJSON(fd.Message(), item, fmt.Sprintf("%s[%d]", at, i), out)
				}
			}
		case fd.Message() != nil:
			walkProtoJSON(fd.Message(), obj[key], at, out)
		case fd.Enum() != nil:
			// DiscardUnknown also drops an enum value of a newer Istio: the
			// field then reads as its zero value, which a rule would judge.
			values := []any{obj[key]}
			if l, ok := obj[key].([]any); ok && fd.IsList() {
				values = l
			}
			for _, v := range values {
				if name, ok := v.(string); ok && fd.Enum().Values().ByName(protoreflect.Name(name)) == nil {
					*out = append(*out, at+"="+name)
				}
			}
		}
	}
}

func istio(versions []string, newObj func() (any, *metav1.ObjectMeta, proto.Message)) kind {
	return kind{versions: versions, decode: func(js []byte) (any, *decodeError) {
		var env istioEnvelope
		strict, err := sigsjson.UnmarshalStrict(js, &env)
		if err != nil {
			return nil, jsonError(js, err, reflect.TypeFor[istioEnvelope]())
		}
		if len(strict) > 0 {
			return nil, jsonError(js, strict[0], reflect.TypeFor[istioEnvelope]())
		}
		obj, meta, spec := newObj()
		*meta = env.Metadata
		if len(env.Spec) > 0 && string(env.Spec) != "null" {
			if err := strictProto.Unmarshal(env.Spec, spec); err != nil {
				return nil, protoError(err, spec, env.Spec)
			}
		}
		return obj, nil
	}, decodeStored: func(js []byte) (any, []string, *decodeError) {
		var env istioEnvelope
		strict, err := sigsjson.UnmarshalStrict(js, &env)
		if err != nil {
			return nil, nil, jsonError(js, err, reflect.TypeFor[istioEnvelope]())
		}
		unknown, derr := unknownOnly(js, strict, reflect.TypeFor[istioEnvelope]())
		if derr != nil {
			return nil, nil, derr
		}
		obj, meta, spec := newObj()
		*meta = env.Metadata
		if len(env.Spec) > 0 && string(env.Spec) != "null" {
			if err := strictProto.Unmarshal(env.Spec, spec); err != nil {
				if lerr := storedProto.Unmarshal(env.Spec, spec); lerr != nil {
					return nil, nil, protoError(err, spec, env.Spec)
				}
				unknown = append(unknown, unknownProtoFields(spec.ProtoReflect().Descriptor(), env.Spec, "spec")...)
			}
		}
		return obj, unknown, nil
	}, fast: func(p *fastParser) (any, bool) {
		var env istioEnvelope
		if !p.decodeInto(0, reflect.ValueOf(&env).Elem()) {
			return nil, false
		}
		obj, meta, spec := newObj()
		*meta = env.Metadata
		if len(env.Spec) > 0 && string(env.Spec) != "null" {
			if err := strictProto.Unmarshal(env.Spec, spec); err != nil {
				return nil, false
			}
		}
		return obj, true
	}}
}

var (
	jsonTypeRE    = regexp.MustCompile(`cannot unmarshal (\w+) into Go struct field \w+\.(\S+) of type (\S+)`)
	jsonValueRE   = regexp.MustCompile(`cannot unmarshal (\w+) into Go value of type (\S+)`)
	jsonStrictRE  = regexp.MustCompile(`^(?:json: )?(unknown|duplicate) field "([^"]*)"`)
	protoFieldRE  = regexp.MustCompile(`(?:unknown field|field) "?([A-Za-z_][\w]*)"?`)
	protoPrefixRE = regexp.MustCompile(`^proto:[\s\x{a0}]*(?:syntax error[\s\x{a0}]*)?(?:\(line \d+:\d+\):[\s\x{a0}]*)?`)
)

// jsonError explains a decoding error of js into a value of type t. The
// messages name fields and types, never values.
func jsonError(js []byte, err error, t reflect.Type) *decodeError {
	msg := err.Error()
	if m := jsonStrictRE.FindStringSubmatch(msg); m != nil {
		de := &decodeError{path: m[2], msg: fmt.Sprintf("%s field %q", m[1], m[2])}
		if m[1] == "unknown" {
			if s := closestField(t, m[2]); s != "" {
				de.msg += fmt.Sprintf("; did you mean %q?", s)
			}
		}
		return de
	}
	if m := jsonTypeRE.FindStringSubmatch(msg); m != nil {
		path := m[2]
		// The decoder names the field without list indexes; the offset
		// it stopped at gives the full path.
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			if p, _ := JSONValueAt(js, te.Offset); p != "" {
				path = p
			}
		}
		return &decodeError{path: path, msg: fmt.Sprintf("%s: expected %s, found %s", path, goTypeName(m[3]), jsonTypeName(m[1]))}
	}
	if m := jsonValueRE.FindStringSubmatch(msg); m != nil {
		return &decodeError{msg: fmt.Sprintf("expected %s, found %s", goTypeName(m[2]), jsonTypeName(m[1]))}
	}
	return &decodeError{msg: strings.TrimPrefix(msg, "json: ")}
}

// closestField is the field of t a did-you-mean offers for the unknown
// field at path, remembered by type and path: the loader decodes a
// document with an unknown field twice (its fast path gives up, then the
// slow one reports it) and lint decodes it again in its pass, and a field
// misspelt once is often misspelt in every copy of a template. It holds
// maxClosestFields answers at most.
func closestField(t reflect.Type, path string) string {
	k := closestKey{t, path}
	if s, ok := closestFields.Load(k); ok {
		return s.(string)
	}
	parent, name := SplitFieldPath(path)
	s := suggest.Closest(name, JSONFieldsAt(t, parent))
	if closestFieldsHeld.Add(1) <= maxClosestFields {
		closestFields.Store(k, s)
	}
	return s
}

type closestKey struct {
	t    reflect.Type
	path string
}

var (
	closestFields     sync.Map
	closestFieldsHeld atomic.Int64
)

const maxClosestFields = 4096

// jsonTypeName names a JSON value's type, as a decoder reports it, in a
// YAML author's words.
func jsonTypeName(t string) string {
	switch t {
	case "object":
		return "a mapping"
	case "array":
		return "a list"
	case "bool":
		return "a boolean"
	}
	return "a " + t // a string, a number
}

// goTypeName turns a Go type in a decoder message into words a YAML author
// knows.
func goTypeName(t string) string {
	switch {
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map["), strings.HasPrefix(t, "v1.") || strings.HasPrefix(t, "struct"):
		return "a mapping"
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"):
		return "an integer"
	case t == "string":
		return "a string"
	case t == "bool":
		return "a boolean"
	}
	return t
}

// protoValueREs match the protojson messages that quote the value they
// refuse; the value is cut off (the position shows it).
var protoValueREs = []*regexp.Regexp{
	regexp.MustCompile(`^(invalid value for \w+ (?:field \S+|key)): .*$`),
	regexp.MustCompile(`^(unexpected token) .*$`),
	regexp.MustCompile(`^(invalid google\.protobuf\.\w+ value) .*$`),
}

// protoLineRE is where protojson says it stopped in the spec's JSON.
var protoLineRE = regexp.MustCompile(`\(line 1:(\d+)\)`)

// protoError explains a protojson error decoding spec from js, with the
// path of the field it refused when the error's position leads to one,
// so that the object can be linted without that field.
func protoError(err error, spec proto.Message, js []byte) *decodeError {
	raw := err.Error()
	msg := protoPrefixRE.ReplaceAllString(raw, "")
	for _, re := range protoValueREs {
		msg = re.ReplaceAllString(msg, "$1")
	}
	de := &decodeError{msg: msg}
	var at string
	located := false
	if m := protoLineRE.FindStringSubmatch(raw); m != nil {
		if col, err := strconv.Atoi(m[1]); err == nil {
			at, _ = JSONValueAt(js, int64(col-1))
			located = true
		}
	}
	if m := protoFieldRE.FindStringSubmatch(msg); m != nil {
		de.field = m[1]
		if located && strings.HasPrefix(msg, "unknown field") {
			// the position is the object holding the field
			at = strings.TrimPrefix(at+"."+m[1], ".")
		}
		// protojson names the field, not where it is: the suggestion is
		// taken from every field of the spec's messages.
		if strings.HasPrefix(msg, "unknown field") {
			if s := suggest.Closest(m[1], protoFieldNames(spec.ProtoReflect().Descriptor())); s != "" && s != m[1] {
				de.msg += fmt.Sprintf("; did you mean %q?", s)
			}
		}
	}
	if at != "" {
		de.path = "spec." + at
	}
	return de
}

// lookupKind finds the decoder for an apiVersion and kind. known is false
// for kinds meshbatch does not read; err is set for a known kind at a
// version that does not exist.
func lookupKind(apiVersion, kindName string) (k kind, known bool, err error) {
	group, version := splitAPIVersion(apiVersion)
	k, known = kinds[group+"/"+kindName]
	if !known {
		return kind{}, false, nil
	}
	if !slices.Contains(k.versions, version) {
		want := k.versions[0]
		if group != "" {
			want = group + "/" + want
		}
		return k, true, fmt.Errorf("%s is not served as %q; use apiVersion: %s", kindName, apiVersion, want)
	}
	return k, true, nil
}

func splitAPIVersion(apiVersion string) (group, version string) {
	if i := strings.LastIndexByte(apiVersion, '/'); i >= 0 {
		return apiVersion[:i], apiVersion[i+1:]
	}
	return "", apiVersion
}

// KnownKinds lists the kinds meshbatch decodes, sorted, each once (a kind
// of several API groups or versions appears once).
func KnownKinds() []string {
	var out []string
	for key := range kinds {
		_, kind := splitAPIVersion(key) // "group/Kind": the part after the last "/"
		out = append(out, kind)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// IsKnownKind reports whether meshbatch decodes objects of this kind.
func IsKnownKind(apiVersion, kindName string) bool {
	_, known, _ := lookupKind(apiVersion, kindName)
	return known
}

// GroupKind is a kind meshbatch decodes, its API group ("" is the core
// group) and the versions it decodes, the preferred first.
type GroupKind struct {
	Group, Kind string
	Versions    []string
}

// KnownGroupKinds lists the kinds meshbatch decodes with their groups
// and versions, sorted by group and kind: what a live lint lists.
func KnownGroupKinds() []GroupKind {
	var out []GroupKind
	for key, k := range kinds {
		group, kind := splitAPIVersion(key)
		out = append(out, GroupKind{Group: group, Kind: kind, Versions: slices.Clone(k.versions)})
	}
	slices.SortFunc(out, func(a, b GroupKind) int { return strings.Compare(a.Group+"/"+a.Kind, b.Group+"/"+b.Kind) })
	return out
}

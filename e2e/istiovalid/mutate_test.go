package istiovalid

import (
	"math/rand/v2"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/durationpb"
)

// strings a mutation writes: the shapes Istio's checks tell apart.
var stringPool = []string{
	"", "*", "*.example.com", "api.example.com", "example.com.", "db", "a.b.c.1", "*-db.example.com", "db*.example.com",
	"./*", "*/*", "istio-system/*", "~/*.example.com", "ns/db", "./db.svc.cluster.local", "Bad_NS/x.com", "db/",
	"10.0.0.1", "10.0.0.0/8", "10.0.0.0/33", "::1", "fe80::/10", "1.2.3", "unix:///var/run/sock", "unix://rel", "unix://@abs",
	"127.0.0.1:8080", "0.0.0.0:80", "[::1]:80", ":8080", "10.1.1.1:80", "localhost:80", "127.0.0.1:x",
	"http", "HTTP", "TCP", "tcp", "tls", "HTTPS", "grpc", "http2", "mongo", "udp", "DoubleHBONE", "thrift",
	"http-web", "-bad", "UPPER", "a_b", "p1", "web", "v1",
	"cluster.local/ns/a/sa/b", "ns/sa", "sa", "a/b/c", "/sa", "ns/", "*sa", "cluster.local", "td*", "a*b", "*a*",
	"GET", "/api/{*}", "/api/{**}/x", "/a/{x}", "/ok", "80", "65536", "-1", "abc",
	"request.headers[x-user]", "request.headers", "source.ip", "source.namespace", "destination.port",
	"destination.labels[app]", "unknown.attr", "request.auth.claims[iss]", "source.serviceAccount",
	"source.trustDomain", "experimental.envoy.filters.a[b]", "remote.ip", "connection.sni", "request.auth.principal",
	"configmap://ns/ca", "configmap://etl/ca", "configmap://x", "kubernetes://secret", "secret", "/etc/certs/ca.pem",
	"us-east1", "us-east1/a", "us-east1/a/b", "us-*", "*", "us/a*", "CONNECT", "POST", "GET",
	"topology.kubernetes.io/region", "topology.istio.io/subzone", "istio.io/rev", "app", "",
	// what releases judge differently (pkg/istiovalid/releases.go)
	"~other/*", "~/*", "/a/{**}/{*}", "/a/{*}/b*", "configmap://other/ca", "ServiceEntry", "GatewayClass", "Gateway",
	"networking.istio.io", "gateway.networking.k8s.io",
}

var intPool = []int64{0, 1, -1, 2, 3, 4, 80, 100, 101, 443, 5432, 15000, 65535, 65536, 5000011, 4294967295}

var durationPool = []*durationpb.Duration{
	nil, durationpb.New(0), durationpb.New(time.Nanosecond), durationpb.New(time.Millisecond),
	durationpb.New(1500 * time.Microsecond), durationpb.New(time.Second), durationpb.New(-time.Second),
	durationpb.New(90 * time.Minute),
}

// mutate changes one randomly chosen field somewhere in m.
func mutate(r *rand.Rand, m proto.Message) {
	mutateMessage(r, m.ProtoReflect(), 0)
}

func mutateMessage(r *rand.Rand, m protoreflect.Message, depth int) {
	fields := m.Descriptor().Fields()
	if fields.Len() == 0 {
		return
	}
	// descend into a set message field more often than not
	if depth < 6 && r.IntN(3) > 0 {
		var set []protoreflect.FieldDescriptor
		m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			if fd.Kind() == protoreflect.MessageKind && !isWellKnown(fd) {
				set = append(set, fd)
			}
			return true
		})
		if len(set) > 0 {
			fd := set[r.IntN(len(set))]
			switch {
			case fd.IsList():
				l := m.Mutable(fd).List()
				if l.Len() > 0 {
					mutateMessage(r, l.Get(r.IntN(l.Len())).Message(), depth+1)
					return
				}
			case fd.IsMap():
				mp := m.Mutable(fd).Map()
				var done bool
				mp.Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
					if fd.MapValue().Kind() == protoreflect.MessageKind {
						mutateMessage(r, v.Message(), depth+1)
						done = true
					}
					return false
				})
				if done {
					return
				}
			default:
				mutateMessage(r, m.Mutable(fd).Message(), depth+1)
				return
			}
		}
	}
	fd := fields.Get(r.IntN(fields.Len()))
	setRandom(r, m, fd, depth)
}

func isWellKnown(fd protoreflect.FieldDescriptor) bool {
	if fd.Message() == nil {
		return false
	}
	n := fd.Message().FullName()
	return n.Parent() == "google.protobuf"
}

func setRandom(r *rand.Rand, m protoreflect.Message, fd protoreflect.FieldDescriptor, depth int) {
	if r.IntN(6) == 0 {
		m.Clear(fd)
		return
	}
	switch {
	case fd.IsList():
		l := m.Mutable(fd).List()
		switch {
		case r.IntN(4) == 0 && l.Len() > 0:
			l.Append(l.Get(r.IntN(l.Len()))) // a duplicate
		case r.IntN(5) == 0 && l.Len() > 0:
			l.Truncate(l.Len() - 1)
		default:
			v := l.NewElement()
			if fd.Kind() == protoreflect.MessageKind {
				if depth < 6 && r.IntN(2) == 0 {
					fillRandom(r, v.Message(), depth+1)
				}
				l.Append(v)
			} else {
				l.Append(scalar(r, fd))
			}
		}
	case fd.IsMap():
		mp := m.Mutable(fd).Map()
		k := scalar(r, fd.MapKey()).MapKey()
		if fd.MapValue().Kind() == protoreflect.MessageKind {
			v := mp.NewValue()
			if depth < 6 {
				fillRandom(r, v.Message(), depth+1)
			}
			mp.Set(k, v)
		} else {
			mp.Set(k, scalar(r, fd.MapValue()))
		}
	case fd.Kind() == protoreflect.MessageKind:
		if fd.Message().FullName() == "google.protobuf.Duration" {
			d := durationPool[r.IntN(len(durationPool))]
			if d == nil {
				m.Clear(fd)
			} else {
				m.Set(fd, protoreflect.ValueOfMessage(proto.Clone(d).ProtoReflect()))
			}
			return
		}
		v := m.NewField(fd)
		if !isWellKnown(fd) && depth < 6 && r.IntN(3) > 0 {
			fillRandom(r, v.Message(), depth+1)
		} else if isWellKnown(fd) {
			wk := v.Message()
			if f := wk.Descriptor().Fields().ByName("value"); f != nil && !f.IsList() && f.Kind() != protoreflect.MessageKind {
				wk.Set(f, scalar(r, f))
			}
		}
		m.Set(fd, v)
	default:
		m.Set(fd, scalar(r, fd))
	}
}

// fillRandom sets a few fields of an empty message.
func fillRandom(r *rand.Rand, m protoreflect.Message, depth int) {
	fields := m.Descriptor().Fields()
	for range 1 + r.IntN(3) {
		if fields.Len() == 0 {
			return
		}
		setRandom(r, m, fields.Get(r.IntN(fields.Len())), depth)
	}
}

func scalar(r *rand.Rand, fd protoreflect.FieldDescriptor) protoreflect.Value {
	n := intPool[r.IntN(len(intPool))]
	switch fd.Kind() {
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(stringPool[r.IntN(len(stringPool))])
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(r.IntN(2) == 0)
	case protoreflect.EnumKind:
		vals := fd.Enum().Values()
		if r.IntN(10) == 0 {
			return protoreflect.ValueOfEnum(protoreflect.EnumNumber(vals.Len() + 3))
		}
		return protoreflect.ValueOfEnum(vals.Get(r.IntN(vals.Len())).Number())
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(int32(n))
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(n)
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(uint32(max(n, 0)))
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(uint64(max(n, 0)))
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32(float32(n))
	case protoreflect.DoubleKind:
		if r.IntN(4) == 0 {
			return protoreflect.ValueOfFloat64(0.5) // a warmup aggression releases disagree on
		}
		return protoreflect.ValueOfFloat64(float64(n))
	case protoreflect.BytesKind:
		return protoreflect.ValueOfBytes([]byte("x"))
	}
	return protoreflect.ValueOfString("")
}

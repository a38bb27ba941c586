package istiovalid

import (
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	networking "istio.io/api/networking/v1alpha3"
	security "istio.io/api/security/v1beta1"
)

// TestReleaseGates pins every behaviour that differs between releases at
// its boundary: the release before it, the first with it (and the patch
// boundaries inside a minor), and, for a behaviour later dropped, the
// first release without it. The commits and tags are releases.go's and
// prune.go's; docs/istio-validation-versions.md has the table.
//
// want, by release ("1.24", patch unknown, or "1.24.3"): "" no issue
// with msg at path; "error" or "warning" an issue every patch of the
// release has (or the patch, when it is given); "~<patches>" one that
// only those patches have.
func TestReleaseGates(t *testing.T) {
	for _, tc := range []struct {
		name, kind, js string
		anns, labels   map[string]string
		path, msg      string
		want           map[string]string
	}{
		// e3386b498af (#51287), 1.23.0
		{name: "PeerAuthentication port above 65535", kind: "PeerAuthentication",
			js:   `{"selector":{"matchLabels":{"app":"db"}},"portLevelMtls":{"70000":{"mode":"STRICT"}}}`,
			path: `spec.portLevelMtls["70000"]`, msg: "port must be in range 1..65535",
			want: map[string]string{"1.22": "", "1.23": "error", "1.31": "error"}},
		{name: "PeerAuthentication port 0 in 1.22's words", kind: "PeerAuthentication",
			js:   `{"selector":{"matchLabels":{"app":"db"}},"portLevelMtls":{"0":{"mode":"STRICT"}}}`,
			path: `spec.portLevelMtls["0"]`, msg: "port cannot be 0",
			want: map[string]string{"1.22": "error", "1.23": ""}},
		// c21de31904a (#52154), 1.24.0; d3ac996fe11 (#54780), 1.25.0
		{name: "targetRef ServiceEntry", kind: "AuthorizationPolicy",
			js:   `{"targetRef":{"group":"networking.istio.io","kind":"ServiceEntry","name":"db"}}`,
			path: "spec.targetRef", msg: "targetRef must be to one of",
			want: map[string]string{"1.22": "error", "1.23": "error", "1.24": "", "1.31": ""}},
		{name: "targetRef GatewayClass", kind: "AuthorizationPolicy",
			js:   `{"targetRef":{"group":"gateway.networking.k8s.io","kind":"GatewayClass","name":"istio"}}`,
			path: "spec.targetRef", msg: "targetRef must be to one of",
			want: map[string]string{"1.24": "error", "1.25": ""}},
		// 8ac43d22d77 (#54091), 1.25.0
		{name: "condition source.serviceAccount", kind: "AuthorizationPolicy",
			js:   `{"rules":[{"when":[{"key":"source.serviceAccount","values":["etl/etl"]}]}]}`,
			path: "spec.rules[0].when[0].values", msg: "unknown attribute",
			want: map[string]string{"1.22": "error", "1.24": "error", "1.25": ""}},
		{name: "CUSTOM with serviceAccounts", kind: "AuthorizationPolicy",
			js:   `{"action":"CUSTOM","provider":{"name":"ext"},"rules":[{"from":[{"source":{"serviceAccounts":["etl/etl"]}}]}]}`,
			path: "spec.rules[0].from[0].source", msg: "From.ServiceAccounts is currently not supported",
			want: map[string]string{"1.24": "", "1.25": "error"}},
		{name: "serviceAccounts dropped before 1.25 leave the source empty", kind: "AuthorizationPolicy",
			js:   `{"rules":[{"from":[{"source":{"serviceAccounts":["etl/etl"]}}]}]}`,
			path: "spec.rules[0].from[0].source", msg: "`from.source` must not be empty",
			want: map[string]string{"1.24": "error", "1.25": ""}},
		// 9a028a975ce (#59052), 1.30.0; 6f3c7bf0243 (#59358), 1.30.2
		{name: "condition source.trustDomain", kind: "AuthorizationPolicy",
			js:   `{"rules":[{"when":[{"key":"source.trustDomain","values":["a*b"]}]}]}`,
			path: "spec.rules[0].when[0].values", msg: "unknown attribute",
			want: map[string]string{"1.29": "error", "1.30": ""}},
		{name: "source.trustDomain values", kind: "AuthorizationPolicy",
			js:   `{"rules":[{"when":[{"key":"source.trustDomain","values":["a*b"]}]}]}`,
			path: "spec.rules[0].when[0].values", msg: "wildcard is only allowed at the start or end",
			want: map[string]string{"1.29": "", "1.30": "~from 1.30.2", "1.30.1": "", "1.30.2": "error", "1.31": "error"}},
		{name: "a source of trustDomains only", kind: "AuthorizationPolicy",
			js:   `{"rules":[{"from":[{"source":{"trustDomains":["example.org"]}}]}]}`,
			path: "spec.rules[0].from[0].source", msg: "`from.source` must not be empty",
			want: map[string]string{"1.29": "error", "1.30": "~before 1.30.2", "1.30.1": "error", "1.30.2": "", "1.31": ""}},
		// fdad067badd (#53746): 1.23.5, 1.24.3, 1.25.0
		{name: "path template {**} not last", kind: "AuthorizationPolicy",
			js:   `{"rules":[{"to":[{"operation":{"paths":["/a/{**}/{*}"]}}]}]}`,
			path: "spec.rules[0].to[0].operation.paths", msg: "{**} is not the last operator",
			want: map[string]string{"1.22": "", "1.23": "~from 1.23.5", "1.23.4": "", "1.23.5": "error",
				"1.24": "~from 1.24.3", "1.24.2": "", "1.24.3": "error", "1.25": "error", "1.25.0": "error"}},
		{name: "path template with '*' in a segment, before 1.25", kind: "AuthorizationPolicy",
			js:   `{"rules":[{"to":[{"operation":{"paths":["/a/{*}/b*"]}}]}]}`,
			path: "spec.rules[0].to[0].operation.paths", msg: "Contains '*' beyond a supported path template",
			want: map[string]string{"1.22": "error", "1.24": "error", "1.25": ""}},
		// 1e5b9a0f09c (#55595), 1.27.0
		{name: "internal.istio.io/parents", kind: "Sidecar", js: `{"egress":[{"hosts":["./*"]}]}`,
			anns: map[string]string{"internal.istio.io/parents": "x"},
			path: `metadata.annotations["internal.istio.io/parents"]`, msg: "may not be set by users",
			want: map[string]string{"1.26": "", "1.27": "error"}},
		// a09d83baa4c (#55545), 1.26.0
		{name: "configmap:// credentialName of another namespace", kind: "DestinationRule",
			js:   `{"host":"db","trafficPolicy":{"tls":{"mode":"SIMPLE","credentialName":"configmap://other/ca"}}}`,
			path: "spec.trafficPolicy.tls.credentialName", msg: "invalid configmap:// credentialName",
			want: map[string]string{"1.25": "", "1.26": "error"}},
		// c96b8ea654d (#51946), 1.23.0; de8674aa1f8 (#55410): 1.23.6, 1.24.4, 1.25.1
		{name: "tcp idleTimeout 0s", kind: "DestinationRule",
			js:   `{"host":"db","trafficPolicy":{"connectionPool":{"tcp":{"idleTimeout":"0s"}}}}`,
			path: "spec.trafficPolicy.connectionPool.tcp.idleTimeout", msg: "duration must be greater than 1ms",
			want: map[string]string{"1.22": "", "1.23": "~before 1.23.6", "1.23.5": "error", "1.23.6": "",
				"1.24": "~before 1.24.4", "1.24.0": "error", "1.24.3": "error", "1.24.4": "", "1.25": "~before 1.25.1", "1.25.0": "error", "1.25.1": "", "1.26": ""}},
		{name: "tcpKeepalive time below a millisecond", kind: "DestinationRule",
			js:   `{"host":"db","trafficPolicy":{"connectionPool":{"tcp":{"tcpKeepalive":{"time":"0.0005s"}}}}}`,
			path: "spec.trafficPolicy.connectionPool.tcp.tcpKeepalive.time", msg: "duration must be greater than 1ms",
			want: map[string]string{"1.22": "", "1.23": "error", "1.31": "error"}},
		// ba5b0c6dfd7 (#60436), 1.31.0 (the CRD's field too)
		{name: "http2KeepAlive without interval", kind: "DestinationRule",
			js:   `{"host":"db","trafficPolicy":{"connectionPool":{"http":{"http2KeepAlive":{"timeout":"5s"}}}}}`,
			path: "spec.trafficPolicy.connectionPool.http.http2KeepAlive.interval", msg: "interval is required",
			want: map[string]string{"1.30": "", "1.31": "error"}},
		{name: "http2KeepAlive unknown to 1.30's CRD", kind: "DestinationRule",
			js:   `{"host":"db","trafficPolicy":{"connectionPool":{"http":{"http2KeepAlive":{"timeout":"5s"}}}}}`,
			path: "spec.trafficPolicy.connectionPool.http.http2KeepAlive", msg: "unknown field",
			want: map[string]string{"1.30": "error", "1.31": ""}},
		// c96b8ea654d, 1.23.0; d643c2b4db7 (#53472), 1.24.0
		{name: "warmupDurationSecs 0s", kind: "DestinationRule",
			js:   `{"host":"db","trafficPolicy":{"loadBalancer":{"simple":"ROUND_ROBIN","warmupDurationSecs":"0s"}}}`,
			path: "spec.trafficPolicy.loadBalancer.warmupDurationSecs", msg: "duration must be greater than 1ms",
			want: map[string]string{"1.22": "", "1.23": "error", "1.24": ""}},
		// d643c2b4db7, 1.24.0; 9f7f71384a0 (#60611), 1.31.0
		{name: "warmup aggression below 1", kind: "DestinationRule",
			js:   `{"host":"db","trafficPolicy":{"loadBalancer":{"warmup":{"duration":"10s","aggression":0.5}}}}`,
			path: "spec.trafficPolicy.loadBalancer.warmup.aggression", msg: "aggression should be",
			want: map[string]string{"1.23": "", "1.24": "error", "1.30": "error", "1.31": ""}},
		// 7a9eafa5574 (#57735), 1.28.0
		{name: "cookie attribute without a name", kind: "DestinationRule",
			js:   `{"host":"db","trafficPolicy":{"loadBalancer":{"consistentHash":{"httpCookie":{"name":"c","ttl":"1s","attributes":[{"value":"x"}]}}}}}`,
			path: "spec.trafficPolicy.loadBalancer.consistentHash.httpCookie.attributes[0]", msg: "cookie attribute name cannot be empty",
			want: map[string]string{"1.27": "", "1.28": "error"}},
		// cb9728f907e (#60765), 1.31.0
		{name: "locality and zone-aware together", kind: "DestinationRule",
			js:   `{"host":"db","trafficPolicy":{"loadBalancer":{"localityLbSetting":{"enabled":true},"zoneAwareLbSetting":{"enabled":true}}}}`,
			path: "spec.trafficPolicy.loadBalancer", msg: "only one of localityLbSetting and zoneAwareLbSetting",
			want: map[string]string{"1.30": "", "1.31": "error"}},
		// 4a3e1b75d2d (#57322), 1.27.1; the CRD has retryBudget from 1.27.0
		{name: "trafficPolicy with retryBudget only", kind: "DestinationRule",
			js:   `{"host":"db","trafficPolicy":{"retryBudget":{"percent":20}}}`,
			path: "spec.trafficPolicy", msg: "traffic policy must have at least one field",
			want: map[string]string{"1.26": "error", "1.27": "~before 1.27.1", "1.27.0": "error", "1.27.1": "", "1.28": ""}},
		// af4d964e019 (#55760), 1.27.0; the CRD has the fields from 1.26.0
		{name: "Sidecar ingress credentialNames", kind: "Sidecar",
			js:   `{"ingress":[{"port":{"number":8443,"protocol":"HTTPS","name":"https"},"tls":{"mode":"SIMPLE","credentialNames":["a"]}}]}`,
			path: "spec.ingress[0].tls.credentialNames", msg: "credentialNames is not currently supported",
			want: map[string]string{"1.26": "", "1.27": "error"}},
		{name: "Sidecar ingress credentialNames read by no release before 1.27", kind: "Sidecar",
			js:   `{"ingress":[{"port":{"number":8443,"protocol":"HTTPS","name":"https"},"tls":{"mode":"SIMPLE","credentialNames":["a"]}}]}`,
			path: "spec.ingress[0].tls.serverCertificate", msg: "SIMPLE TLS requires a server certificate",
			want: map[string]string{"1.25": "error", "1.26": "error", "1.27": ""}},
		// 4c3c712eed2 (#60581), 1.31.0
		{name: "Sidecar egress host of an excluded namespace", kind: "Sidecar", js: `{"egress":[{"hosts":["~other/*","./*"]}]}`,
			path: "spec.egress[0].hosts[0]", msg: "invalid namespace value",
			want: map[string]string{"1.22": "error", "1.30": "error", "1.31": ""}},
		// 1fc5b25133f (#59802), 1.31.0
		{name: "Sidecar outbound mode ALLOW_ANY_DYNAMIC_DNS", kind: "Sidecar",
			js:   `{"egress":[{"hosts":["./*"]}],"outboundTrafficPolicy":{"mode":2}}`,
			path: "spec.outboundTrafficPolicy.mode", msg: "ALLOW_ANY_DYNAMIC_DNS",
			want: map[string]string{"1.30": "", "1.31": "error"}},
		// 9ae09ab0ced (#57658), 1.28.0 (CRD enum too); 0a3fed3748f (#57972), 1.29.0; b29d7766ddc (#58688), 1.30.0
		{name: "ServiceEntry DYNAMIC_DNS before its CRD", kind: "ServiceEntry",
			js:   `{"hosts":["*.example.com"],"ports":[{"number":80,"name":"http","protocol":"HTTP"}],"resolution":"DYNAMIC_DNS","location":"MESH_EXTERNAL"}`,
			path: "spec.resolution", msg: "Unsupported value",
			want: map[string]string{"1.22": "error", "1.27": "error", "1.28": ""}},
		{name: "ServiceEntry DYNAMIC_DNS TLS port", kind: "ServiceEntry",
			js:   `{"hosts":["*.example.com"],"ports":[{"number":443,"name":"tls","protocol":"TLS"}],"resolution":"DYNAMIC_DNS","location":"MESH_EXTERNAL"}`,
			path: "spec.ports[0].protocol", msg: "supported for resolution type DYNAMIC_DNS",
			want: map[string]string{"1.28": "error", "1.29": ""}},
		{name: "ServiceEntry DYNAMIC_DNS GRPC port", kind: "ServiceEntry",
			js:   `{"hosts":["*.example.com"],"ports":[{"number":443,"name":"grpc","protocol":"GRPC"}],"resolution":"DYNAMIC_DNS","location":"MESH_EXTERNAL"}`,
			path: "spec.ports[0].protocol", msg: "supported for resolution type DYNAMIC_DNS",
			want: map[string]string{"1.28": "error", "1.29": "error", "1.30": ""}},
		{name: "ServiceEntry DYNAMIC_DNS MESH_INTERNAL", kind: "ServiceEntry",
			js:   `{"hosts":["*.example.com"],"ports":[{"number":80,"name":"http","protocol":"HTTP"}],"resolution":"DYNAMIC_DNS","location":"MESH_INTERNAL"}`,
			path: "spec.location", msg: "location must be MESH_EXTERNAL",
			want: map[string]string{"1.29": "error", "1.30": ""}},
		// 9ae09ab0ced, 1.28.0: one error for the first non-FQDN host
		{name: "ServiceEntry DNS second non-FQDN host", kind: "ServiceEntry",
			js:   `{"hosts":["*.a.example.com","*.b.example.com"],"ports":[{"number":443,"name":"tls","protocol":"TLS"}],"resolution":"DNS"}`,
			path: "spec.hosts[1]", msg: "hosts must be FQDN",
			want: map[string]string{"1.27": "error", "1.28": ""}},
		// bf0e0f534c5 (#49429); a32cfc289b8 (#55567): 1.23.6, 1.24.6, 1.25.1
		{name: "ServiceEntry DNS with workloadSelector", kind: "ServiceEntry",
			js:   `{"hosts":["db.example.com"],"ports":[{"number":443,"name":"tls","protocol":"TLS"}],"resolution":"DNS","workloadSelector":{"labels":{"app":"db"}}}`,
			path: "spec.workloadSelector", msg: "workloadSelector should not be set when resolution mode is DNS",
			want: map[string]string{"1.22": "warning", "1.23": "~before 1.23.6", "1.23.5": "warning", "1.23.6": "",
				"1.24": "~before 1.24.6", "1.24.5": "warning", "1.24.6": "", "1.25": "~before 1.25.1", "1.25.0": "warning", "1.25.1": "", "1.26": ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var spec proto.Message
			switch tc.kind {
			case "PeerAuthentication":
				spec = &security.PeerAuthentication{}
			case "AuthorizationPolicy":
				spec = &security.AuthorizationPolicy{}
			case "DestinationRule":
				spec = &networking.DestinationRule{}
			case "ServiceEntry":
				spec = &networking.ServiceEntry{}
			case "Sidecar":
				spec = &networking.Sidecar{}
			}
			if err := protojson.Unmarshal([]byte(tc.js), spec); err != nil {
				t.Fatal(err)
			}
			for v, want := range tc.want {
				r := releaseFor(t, v)
				is, ok := ConfigAt(r, Meta{Namespace: "etl", Name: "x", Annotations: tc.anns, Labels: tc.labels}, spec, true)
				if !ok {
					t.Fatal("kind not validated")
				}
				got := ""
				for _, i := range is {
					if i.Path != tc.path || !strings.Contains(i.Msg, tc.msg) {
						continue
					}
					switch {
					case i.Patches != "":
						got = "~" + i.Patches
					case i.Warning:
						got = "warning"
					default:
						got = "error"
					}
				}
				if got != want {
					t.Errorf("Istio %s: %q at %s: got %q, want %q; issues %v", r, tc.msg, tc.path, got, want, is)
				}
			}
		})
	}
}

// releaseFor reads "1.24" or "1.24.3" as a release.
func releaseFor(t *testing.T, v string) Release {
	t.Helper()
	parts := strings.Split(v, ".")
	minor, err := strconv.Atoi(parts[1])
	if err != nil || len(parts) > 3 {
		t.Fatalf("release %q", v)
	}
	if len(parts) == 2 {
		return ReleaseOf(minor)
	}
	patch, err := strconv.Atoi(parts[2])
	if err != nil {
		t.Fatalf("release %q", v)
	}
	return ReleaseAt(minor, patch)
}

func TestReleaseOf(t *testing.T) {
	for _, tc := range []struct {
		minor int
		want  string
	}{{0, "1.31"}, {18, "1.22"}, {22, "1.22"}, {27, "1.27"}, {31, "1.31"}, {33, "1.31"}} {
		got := ReleaseOf(tc.minor)
		if _, known := got.Patch(); got.String() != tc.want || known {
			t.Errorf("ReleaseOf(%d) = %s, want %s", tc.minor, got, tc.want)
		}
	}
	if ReleaseOf(33) != Latest || ReleaseOf(0) != Latest {
		t.Errorf("a later or unknown minor is not Latest")
	}
}

// TestReleaseAtKeepsThePatchOfAFollowedMinorOnly: a patch of 1.18 or 1.33
// says nothing of 1.22 or 1.31, whose validation is followed instead.
func TestReleaseAtKeepsThePatchOfAFollowedMinorOnly(t *testing.T) {
	for _, tc := range []struct {
		minor, patch int
		want         string
	}{{24, 3, "1.24.3"}, {24, 0, "1.24.0"}, {31, 2, "1.31.2"}, {18, 4, "1.22"}, {33, 1, "1.31"}, {0, 1, "1.31"}, {24, -1, "1.24"}} {
		if got := ReleaseAt(tc.minor, tc.patch); got.String() != tc.want {
			t.Errorf("ReleaseAt(%d, %d) = %s, want %s", tc.minor, tc.patch, got, tc.want)
		}
	}
}

func TestPresenceAt(t *testing.T) {
	p := since(25).and(23, 5, 0).and(24, 3, 0)
	for _, tc := range []struct {
		r    Release
		all  bool
		some string
	}{
		{ReleaseOf(22), false, ""}, {ReleaseOf(23), false, "from 1.23.5"}, {ReleaseOf(24), false, "from 1.24.3"},
		{ReleaseOf(25), true, ""}, {ReleaseOf(31), true, ""},
		// a known patch: all or nothing
		{ReleaseAt(23, 4), false, ""}, {ReleaseAt(23, 5), true, ""}, {ReleaseAt(24, 2), false, ""},
		{ReleaseAt(24, 3), true, ""}, {ReleaseAt(24, 9), true, ""}, {ReleaseAt(22, 9), false, ""}, {ReleaseAt(25, 0), true, ""},
	} {
		all, some := p.at(tc.r)
		if all != tc.all || some != tc.some {
			t.Errorf("at %s: %v %q, want %v %q", tc.r, all, some, tc.all, tc.some)
		}
	}
	// the patches after a known one
	for _, tc := range []struct {
		r    Release
		all  bool
		some string
	}{
		{ReleaseAt(24, 1), false, "from 1.24.3"}, {ReleaseAt(24, 2), true, ""}, {ReleaseAt(24, 5), true, ""},
		{ReleaseAt(22, 3), false, ""}, {ReleaseAt(23, 0), false, "from 1.23.5"},
	} {
		later, ok := tc.r.LaterPatches()
		if !ok {
			t.Fatalf("%s has no later patches", tc.r)
		}
		if all, some := p.at(later); all != tc.all || some != tc.some || later.String() != ReleaseOf(tc.r.Minor()).String() {
			t.Errorf("after %s (%s): %v %q, want %v %q", tc.r, later, all, some, tc.all, tc.some)
		}
	}
	if _, ok := ReleaseOf(24).LaterPatches(); ok {
		t.Errorf("a release without a patch has later patches")
	}
	if all, some := (presence{}.and(24, 0, 4)).at(mustLater(t, ReleaseAt(24, 2))); all || some != "before 1.24.4" {
		t.Errorf("after 1.24.2, a behaviour before 1.24.4: %v %q", all, some)
	}
	q := presence{}.and(23, 2, 6)
	if all, some := q.at(ReleaseOf(23)); all || some != "1.23.2 to 1.23.5" {
		t.Errorf("a span inside a minor: %v %q", all, some)
	}
	for patch, want := range map[int]bool{1: false, 2: true, 5: true, 6: false} {
		if all, _ := q.at(ReleaseAt(23, patch)); all != want {
			t.Errorf("a span inside a minor at 1.23.%d: %v, want %v", patch, all, want)
		}
	}
}

func mustLater(t *testing.T, r Release) Release {
	t.Helper()
	later, ok := r.LaterPatches()
	if !ok {
		t.Fatalf("%s has no later patches", r)
	}
	return later
}

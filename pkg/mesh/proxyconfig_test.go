package mesh

import (
	"strings"
	"testing"
)

// TestProtoErrorText checks that protojson's "proto:" prefix goes whichever
// space follows it: protojson picks a regular or a non-breaking one per
// build, and messages must not depend on the build.
func TestProtoErrorText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"proto: unexpected EOF", "unexpected EOF"},
		{"proto:\u00a0unexpected EOF", "unexpected EOF"},
		{"proto: (line 1:16): invalid value for int32 field value: \"x\"", "invalid value for int32 field value: \"x\""},
		{"proto:\u00a0(line 1:16): invalid value for int32 field value: \"x\"", "invalid value for int32 field value: \"x\""},
		{"proto:\u00a0syntax error (line 1:1): unexpected token [", "unexpected token ["},
	} {
		if got := protoErrorText(tc.in); got != tc.want {
			t.Errorf("protoErrorText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// and through the parser, whatever this build's prefix is
	_, err := ParseProxyConfig(`{"concurrency": "x"}`)
	if err == nil || err.Error() != `not a ProxyConfig: invalid value for int32 field value: "x"` {
		t.Errorf("ParseProxyConfig: %v", err)
	}
}

// TestParseProxyConfigGoDuration: the injector's decoder takes Go
// durations, so the rest of such an annotation must be read too.
func TestParseProxyConfigGoDuration(t *testing.T) {
	pc, err := ParseProxyConfig(`{"holdApplicationUntilProxyStarts": true, "drainDuration": "1m"}`)
	if err != nil || !pc.GetHoldApplicationUntilProxyStarts().GetValue() || pc.GetDrainDuration().AsDuration().Seconds() != 60 {
		t.Fatalf("ParseProxyConfig: %v, %v; want hold set and a 1m drain", pc, err)
	}
	if _, err := ParseProxyConfigStrict(`{"drainDuration": "1m", "holdApplicationUntilProxyStart": true}`); err == nil {
		t.Fatal("ParseProxyConfigStrict accepts an unknown field")
	}
}

func TestParseProxyConfigStrictNamesUnknownField(t *testing.T) {
	_, err := ParseProxyConfigStrict(`{"drainDuration": "1m", "holdApplicationUntilProxyStart": true}`)
	if err == nil || !strings.Contains(err.Error(), `unknown field "holdApplicationUntilProxyStart"`) {
		t.Fatalf("ParseProxyConfigStrict: %v; want the unknown field named", err)
	}
}

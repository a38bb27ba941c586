package mesh

import (
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

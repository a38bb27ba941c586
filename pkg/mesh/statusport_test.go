package mesh

import (
	"strings"
	"testing"
)

// TestPodStatusServer: the port pilot-agent serves /quitquitquit on, as
// pilot/cmd/pilot-agent/config/config.go reads it after the injector's
// validation (pkg/kube/inject/validate.go) let the pod through.
func TestPodStatusServer(t *testing.T) {
	for _, tc := range []struct {
		name        string
		annotations map[string]string
		port        int
		from        string
		spaced      bool
	}{
		{"none", nil, 15020, "", false},
		{"moved", map[string]string{AnnotStatusPort: "16020"}, 16020, AnnotStatusPort, false},
		{"default spelled out", map[string]string{AnnotStatusPort: "15020"}, 15020, "", false},
		{"off", map[string]string{AnnotStatusPort: "0"}, 0, AnnotStatusPort, false},
		// the injector trims before it checks, pilot-agent's Atoi does not
		{"spaces", map[string]string{AnnotStatusPort: " 16020"}, 0, AnnotStatusPort, true},
		// refused by the injector: the pod never runs, the default stands
		{"not a number", map[string]string{AnnotStatusPort: "status"}, 15020, "", false},
		{"too big", map[string]string{AnnotStatusPort: "70000"}, 15020, "", false},
		{"sign", map[string]string{AnnotStatusPort: "+16020"}, 15020, "", false},
		{"proxy config", map[string]string{AnnotProxyConfig: "statusPort: 17020"}, 17020, AnnotProxyConfig + " statusPort", false},
		{"proxy config out of range", map[string]string{AnnotProxyConfig: "statusPort: 70000"}, 15020, "", false},
		{"annotation over proxy config", map[string]string{AnnotProxyConfig: `{"statusPort": 17020}`, AnnotStatusPort: "16020"}, 16020, AnnotStatusPort, false},
		{"annotation's default over proxy config", map[string]string{AnnotProxyConfig: `{"statusPort": 17020}`, AnnotStatusPort: "15020"}, 15020, "", false},
		{"unreadable proxy config", map[string]string{AnnotProxyConfig: "statusPort: [1"}, 15020, "", false},
	} {
		s := PodStatusServer(tc.annotations)
		if s.Port != tc.port || s.From != tc.from || s.Spaced != tc.spaced {
			t.Errorf("%s: got %+v, want port %d from %q spaced %v", tc.name, s, tc.port, tc.from, tc.spaced)
		}
		if s.Moved() != (tc.port != DefaultStatusPort) || (s.Describe() == "") == s.Moved() {
			t.Errorf("%s: Moved %v, Describe %q", tc.name, s.Moved(), s.Describe())
		}
	}
}

// TestInjectedPodStatusServer: in a pod the injector ran on, PROXY_CONFIG
// (the merged ProxyConfig, mesh-wide defaultConfig included) sets the port
// unless an annotation does, as pilot-agent applies them.
func TestInjectedPodStatusServer(t *testing.T) {
	mesh := `{"statusPort":18020}`
	for _, tc := range []struct {
		name        string
		annotations map[string]string
		env         string
		port        int
		from        string
	}{
		{"no env", nil, "", 15020, ""},
		{"env", nil, mesh, 18020, FromProxyConfigEnv},
		{"env without a port", nil, `{"concurrency":2}`, 15020, ""},
		{"env unreadable", nil, "{", 15020, ""},
		{"env out of range", nil, `{"statusPort":70000}`, 15020, ""},
		{"annotation wins", map[string]string{AnnotStatusPort: "16020"}, mesh, 16020, AnnotStatusPort},
		{"annotation's 15020 wins", map[string]string{AnnotStatusPort: "15020"}, mesh, 15020, ""},
		{"annotation off", map[string]string{AnnotStatusPort: "0"}, mesh, 0, AnnotStatusPort},
		{"proxy config wins", map[string]string{AnnotProxyConfig: "statusPort: 17020"}, mesh, 17020, AnnotProxyConfig + " statusPort"},
		{"proxy config's 15020 wins", map[string]string{AnnotProxyConfig: "statusPort: 15020"}, mesh, 15020, ""},
		{"proxy config without a port", map[string]string{AnnotProxyConfig: "concurrency: 2"}, mesh, 18020, FromProxyConfigEnv},
	} {
		s := InjectedPodStatusServer(tc.annotations, tc.env)
		if s.Port != tc.port || s.From != tc.from {
			t.Errorf("%s: got %+v, want port %d from %q", tc.name, s, tc.port, tc.from)
		}
	}
}

// TestQuitCommandPort: the quit call and the wrapper go to the port given.
func TestQuitCommandPort(t *testing.T) {
	if got, want := QuitCommand(16020), "curl -fsS -X POST http://127.0.0.1:16020/quitquitquit"; got != want {
		t.Errorf("QuitCommand(16020) = %q, want %q", got, want)
	}
	if w := ClassicWrapper(16020); !strings.Contains(w, QuitCommand(16020)+" ") || strings.Contains(w, "15020") {
		t.Errorf("ClassicWrapper(16020) does not call 16020 alone:\n%s", w)
	}
}

package checks

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestQuitNowFollowsTheStatusPort: the command reaches pilot-agent's
// status port as the pod's annotations set it.
func TestQuitNowFollowsTheStatusPort(t *testing.T) {
	for _, tc := range []struct {
		port        string // "" : no annotation
		proxyConfig string // "" : no annotation
		want        []string
	}{
		{"", "", []string{"`kubectl exec -n batch etl-1 -c istio-proxy -- pilot-agent request POST quitquitquit --debug-port 15020`"}},
		{"15021", "", []string{"--debug-port 15021`"}},
		{"not-a-port", "", []string{"--debug-port 15020`"}},
		{"16020", "", []string{"`kubectl exec -n batch etl-1 -c istio-proxy -- curl -sf -XPOST http://127.0.0.1:16020/quitquitquit`",
			"pilot-agent request cannot reach", "--image=curlimages/curl -- curl -sf -XPOST http://127.0.0.1:16020/quitquitquit`"}},
		{"0", "", []string{"`kubectl delete pod -n batch etl-1`", "status server off"}},
		// pilot-agent reads the annotation with strconv.Atoi: no spaces
		{" 16020", "", []string{"`kubectl delete pod -n batch etl-1`", "no status server"}},
		{"", "statusPort: 17020", []string{"curl -sf -XPOST http://127.0.0.1:17020/quitquitquit`", "from proxy.istio.io/config statusPort"}},
		{"16020", "statusPort: 17020", []string{"curl -sf -XPOST http://127.0.0.1:16020/quitquitquit`"}},
	} {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "etl-1", Namespace: "batch"}}
		pod.Annotations = map[string]string{}
		if tc.port != "" {
			pod.Annotations["status.sidecar.istio.io/port"] = tc.port
		}
		if tc.proxyConfig != "" {
			pod.Annotations["proxy.istio.io/config"] = tc.proxyConfig
		}
		got := quitNow(pod)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("port %q: %s\nwant it to contain %s", tc.port, got, w)
			}
		}
	}
}

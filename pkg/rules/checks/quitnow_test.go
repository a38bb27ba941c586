package checks

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestQuitNowFollowsTheStatusPort: the command reaches pilot-agent's
// status port as the pod's annotations set it, else the PROXY_CONFIG the
// injector wrote into istio-proxy.
func TestQuitNowFollowsTheStatusPort(t *testing.T) {
	for _, tc := range []struct {
		port        string // "" : no annotation
		proxyConfig string // "" : no annotation
		env         string // istio-proxy's PROXY_CONFIG, "" : none
		want        []string
	}{
		{"", "", "", []string{"`kubectl exec -n batch etl-1 -c istio-proxy -- pilot-agent request POST quitquitquit --debug-port 15020`"}},
		{"15021", "", "", []string{"--debug-port 15021`"}},
		{"not-a-port", "", "", []string{"--debug-port 15020`"}},
		{"16020", "", "", []string{"`kubectl exec -n batch etl-1 -c istio-proxy -- curl -sf -XPOST http://127.0.0.1:16020/quitquitquit`",
			"pilot-agent request cannot reach", "--image=curlimages/curl -- curl -sf -XPOST http://127.0.0.1:16020/quitquitquit`"}},
		{"0", "", "", []string{"`kubectl delete pod -n batch etl-1`", "status server off"}},
		// pilot-agent reads the annotation with strconv.Atoi: no spaces
		{" 16020", "", "", []string{"`kubectl delete pod -n batch etl-1`", "no status server"}},
		{"", "statusPort: 17020", "", []string{"curl -sf -XPOST http://127.0.0.1:17020/quitquitquit`", "from its proxy.istio.io/config statusPort"}},
		{"16020", "statusPort: 17020", "", []string{"curl -sf -XPOST http://127.0.0.1:16020/quitquitquit`"}},
		// the injector's PROXY_CONFIG carries the mesh's defaultConfig.statusPort;
		// a port in either annotation wins over it, as in pilot-agent
		{"", "", `{"statusPort":18020}`, []string{"curl -sf -XPOST http://127.0.0.1:18020/quitquitquit`", "from its istio-proxy container's PROXY_CONFIG"}},
		{"", "", `{"statusPort":15021}`, []string{"--debug-port 15021`"}},
		{"16020", "", `{"statusPort":18020}`, []string{"curl -sf -XPOST http://127.0.0.1:16020/quitquitquit`"}},
		{"15020", "", `{"statusPort":18020}`, []string{"--debug-port 15020`"}},
		{"", "statusPort: 17020", `{"statusPort":17020}`, []string{"curl -sf -XPOST http://127.0.0.1:17020/quitquitquit`", "from its proxy.istio.io/config statusPort"}},
		{"", "concurrency: 2", `{"statusPort":18020,"concurrency":2}`, []string{"curl -sf -XPOST http://127.0.0.1:18020/quitquitquit`"}},
	} {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "etl-1", Namespace: "batch"}}
		pod.Annotations = map[string]string{}
		if tc.port != "" {
			pod.Annotations["status.sidecar.istio.io/port"] = tc.port
		}
		if tc.proxyConfig != "" {
			pod.Annotations["proxy.istio.io/config"] = tc.proxyConfig
		}
		if tc.env != "" {
			pod.Spec.Containers = []corev1.Container{{Name: "istio-proxy", Env: []corev1.EnvVar{{Name: "PROXY_CONFIG", Value: tc.env}}}}
		}
		got := quitNow(pod)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("port %q, PROXY_CONFIG %q: %s\nwant it to contain %s", tc.port, tc.env, got, w)
			}
		}
	}
}

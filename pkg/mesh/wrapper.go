package mesh

import (
	"strconv"
	"strings"
)

// QuitCommand stops istio-proxy from the app container: pilot-agent's
// /quitquitquit on the pod's status port (DefaultStatusPort unless the pod
// moves it, see StatusServerOf), POST only and from localhost only. It
// needs curl in the app's image; the wrapper says so on stderr when the
// call fails.
func QuitCommand(statusPort int) string {
	return "curl -fsS -X POST http://127.0.0.1:" + strconv.Itoa(statusPort) + "/quitquitquit"
}

// ClassicWrapper is the shell script that runs the app ("$@") for a
// classic sidecar whose status server is on statusPort: it forwards
// SIGTERM to the app (also one that came before the app had started),
// waits for it (again if the wait was cut short by a signal), stops the
// proxy whether the app succeeded or failed, and exits with the app's
// code. A classic sidecar is an ordinary container, so without the quit
// call the pod never completes. generate writes it, and meshbatch fix
// wraps a shell command in it.
func ClassicWrapper(statusPort int) string {
	return strings.Join([]string{
		`trap 'stop=1; kill -TERM "$app" 2>/dev/null' TERM INT`,
		`"$@" &`,
		`app=$!`,
		`[ -z "$stop" ] || kill -TERM "$app" 2>/dev/null`,
		`while :; do`,
		`  wait "$app"; code=$?`,
		`  kill -0 "$app" 2>/dev/null || break`,
		`done`,
		QuitCommand(statusPort) + ` >/dev/null || echo "meshbatch: could not stop istio-proxy" >&2`,
		`exit "$code"`,
		``,
	}, "\n")
}

// WrapperName is $0 of the wrapper shell, shown in its error messages.
const WrapperName = "meshbatch-wrapper"

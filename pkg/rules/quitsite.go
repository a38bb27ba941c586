package rules

import (
	"slices"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// QuitWhen says when a quit call runs relative to the app's outcome.
type QuitWhen int

// QuitWhen values.
const (
	QuitUnknown   QuitWhen = iota // cannot tell from the script
	QuitAlways                    // after the app, whatever its exit status
	QuitOnSuccess                 // only when the app succeeded
	QuitOnFailure                 // only when the app failed
)

// QuitSite is one call to a /quitquitquit endpoint in an app container's
// command line, as far as a shell-unaware reading can tell.
type QuitSite struct {
	QuitCall
	Command string   // the simple command around the URL, e.g. "curl -fsS -X POST http://..."
	Tool    string   // "curl", "wget", or "" for anything else
	Host    string   // host as written ("127.0.0.1", "localhost", "$(POD_IP)"); "" when not found
	Port    int      // numeric port; 0 when absent or not a number
	PortVar bool     // the port is a variable or otherwise not a number
	NoPort  bool     // a URL without a port (80 or 443, never Istio's)
	Post    mesh.Tri // the request is a POST
	When    QuitWhen
	// NotRun is set when no shell ever runs the line: it sits in a
	// container whose command or args hold an exec-form line (see
	// ExecLines), so the call never stops anything.
	NotRun bool
	// Status is where the pod's pilot-agent serves /quitquitquit.
	Status mesh.StatusServer
}

// Istio reports whether the call may reach Istio: the pod's status port
// (pilot-agent), 15020 (its default, which an author may call after the
// pod moved it: MB102), 15000 (Envoy admin), or a port the text does not
// pin down. Other sidecars have quit endpoints too (cloud-sql-proxy on its
// admin port).
func (q QuitSite) Istio() bool {
	switch {
	case q.Port == mesh.DefaultStatusPort || q.Port == 15000:
		return true
	case q.Port != 0 && q.Port == q.Status.Port:
		return true
	case q.NoPort || q.Port != 0:
		return false
	}
	return true
}

// WrongPort reports a call to pilot-agent's default status port on a pod
// whose status server is elsewhere or off: nothing listens there.
func (q QuitSite) WrongPort() bool {
	return q.Port == mesh.DefaultStatusPort && q.Status.Moved()
}

// Fails says why the call certainly cannot stop the proxy, "" when it may:
// pilot-agent (and Envoy's admin API) take /quitquitquit only as a POST,
// and only from localhost (pilot/cmd/pilot-agent/status/server.go
// handleQuit), on the pod's status port.
func (q QuitSite) Fails() string {
	switch {
	case q.Post == mesh.No:
		return "it sends a GET, and the endpoint takes only a POST"
	case q.Loopback() == mesh.No:
		return "it goes to " + q.Host + ", and the endpoint answers only on localhost"
	case q.WrongPort():
		return "it goes to port 15020, but " + q.Status.Describe()
	}
	return ""
}

// Loopback reports whether the host is this pod's loopback address;
// Unknown for variables.
func (q QuitSite) Loopback() mesh.Tri {
	h := strings.Trim(q.Host, "[]")
	switch {
	case h == "":
		return mesh.Unknown
	case h == "localhost" || h == "::1" || strings.HasPrefix(h, "127."):
		return mesh.Yes
	case strings.ContainsAny(h, "$`{}()"):
		if strings.Contains(h, "POD_IP") || strings.Contains(h, "INSTANCE_IP") || strings.Contains(h, "HOSTNAME") {
			return mesh.No
		}
		return mesh.Unknown
	}
	return mesh.No
}

// QuitSites finds every call to a quit endpoint in the app containers'
// command lines and reads, heuristically, its method, address and when it
// runs relative to the app.
func QuitSites(w *Workload) []QuitSite {
	var out []QuitSite
	calls := QuitCalls(w)
	var status mesh.StatusServer
	if len(calls) > 0 {
		status = w.StatusServer()
	}
	var unrun []string // paths of the containers whose lines no shell runs
	if len(calls) > 0 {
		for _, l := range ExecLines(w) {
			unrun = append(unrun, l.Container.Path)
		}
	}
	for _, qc := range calls {
		c := qc.Container.Container
		full := strings.Join(append(append([]string{}, c.Command...), c.Args...), " ")
		text := qc.Text
		if !strings.ContainsAny(strings.TrimSpace(text), " \t\n;") {
			// exec form: the URL is one argument; read the whole line
			text = full
		}
		errexit := shellErrexit(full)
		for off := 0; ; {
			// the endpoint's path, not a flag like cloud-sql-proxy's --quitquitquit
			i := strings.Index(text[off:], "/quitquitquit")
			if i < 0 {
				break
			}
			at := off + i
			off = at + len("/quitquitquit")
			q := readQuit(qc, text, at, errexit)
			q.NotRun = slices.Contains(unrun, qc.Container.Path)
			q.Status = status
			out = append(out, q)
		}
	}
	return out
}

package checks

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// sev lowers a rule's severity by one step when the verdict rests on an
// assumption. Severities follow the cost of being wrong: a verdict that a
// Job may never complete, never get a pod or never get a working proxy
// keeps the rule's severity when it rests on an unknown cluster fact, and
// its message says what was assumed and how to state the fact (see
// settle); sev is for verdicts about degraded behaviour (a startup race,
// proxy resources, traffic of init containers), where a wrong assumption
// costs noise and a right one a visible, bounded failure.
func sev(r *rules.Rule, certain bool) rules.Severity {
	if certain || r.Severity == rules.Info {
		return r.Severity
	}
	return r.Severity - 1
}

// assumed formats assumptions for the end of a message, "" when none.
func assumed(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return " (" + strings.Join(list, "; ") + ")"
}

// effectiveRunAsUser returns the UID a container runs as from the
// manifest (container securityContext over pod securityContext) and the
// field path that sets it; ok is false when neither sets it.
func effectiveRunAsUser(w *rules.Workload, c rules.ContainerRef) (uid int64, path string, ok bool) {
	uid, podLevel, ok := runAsUser(w, c)
	switch {
	case !ok:
		return 0, "", false
	case podLevel:
		return uid, w.PodPath("securityContext", "runAsUser"), true
	}
	return uid, c.Path + ".securityContext.runAsUser", true
}

// runAsUser is effectiveRunAsUser without the field path: podLevel says
// that the pod's securityContext sets it.
func runAsUser(w *rules.Workload, c rules.ContainerRef) (uid int64, podLevel, ok bool) {
	if sc := c.Container.SecurityContext; sc != nil && sc.RunAsUser != nil {
		return *sc.RunAsUser, false, true
	}
	if psc := w.Template.Spec.SecurityContext; psc != nil && psc.RunAsUser != nil {
		return *psc.RunAsUser, true, true
	}
	return 0, false, false
}

// envPath returns the field path of an env entry of a container.
func envPath(base string, i int) string { return fmt.Sprintf("%s.env[%d]", base, i) }

// envIndex finds an env var by name.
func envIndex(c *corev1.Container, name string) int {
	for i, e := range c.Env {
		if e.Name == name {
			return i
		}
	}
	return -1
}

// settle says how to replace a lifecycle verdict's assumptions with facts,
// for the end of its message: the flags (and .meshbatch.yaml facts) the
// native-sidecar verdict is missing, and the Namespace when injection was
// assumed; "" when nothing was assumed.
func settle(f mesh.Facts, m rules.PodMesh) string {
	var parts []string
	if m.Native == mesh.Unknown && !m.NativeAssumed {
		var flags, keys []string
		add := func(flag, key string) {
			flags = append(flags, "--"+flag)
			keys = append(keys, "facts."+key)
		}
		if !f.IstioVersion.Known() {
			add("istio-version", "istioVersion")
		}
		if f.NativeSidecars == "" {
			add("native-sidecars", "nativeSidecars")
		}
		if !f.KubeletVersion.Known() && f.IstioVersion.AtLeast(1, 27) != mesh.No {
			add("kubelet-version", "kubeletVersion")
		}
		if len(flags) > 0 {
			parts = append(parts, fmt.Sprintf("state the facts with %s (%s in .meshbatch.yaml)", joinAnd(flags), strings.Join(keys, ", ")))
		}
	}
	if m.Injected() == mesh.Unknown {
		parts = append(parts, fmt.Sprintf("lint the Namespace %s with it", m.W.Namespace))
	}
	if len(parts) == 0 {
		return ""
	}
	return "; " + strings.Join(parts, ", and ")
}

// notStopped says why nothing stops a classic proxy, for messages: no quit
// call, or only calls that cannot work.
func notStopped(m rules.PodMesh) string {
	if len(m.Quits) == 0 && len(m.Unrun) > 0 {
		q := m.Unrun[0]
		if len(q.Container.Container.Command) == 0 {
			return fmt.Sprintf("the call to /quitquitquit at %s runs only if the image of container %s has a shell run with -c "+
				"as its ENTRYPOINT: Kubernetes runs no shell for it (MB108)", q.Path, q.Container.Container.Name)
		}
		return fmt.Sprintf("the call to /quitquitquit at %s never runs: container %s holds it in an exec-form command line, "+
			"which no shell runs (MB108)", q.Path, q.Container.Container.Name)
	}
	if len(m.Quits) == 0 {
		return "no container calls /quitquitquit" + statusNote(m.W)
	}
	q := m.Quits[0]
	return fmt.Sprintf("the call to /quitquitquit in container %s cannot stop it: %s (MB102)", q.Container.Container.Name, q.Fails())
}

// statusNote is, for the end of a message that tells the app to stop a
// classic proxy, where this pod's pilot-agent serves /quitquitquit: ""
// on the default port 15020 (the one the rule's fix text names), else the
// call on the pod's own port, or, with the status server off, that the
// app has nothing to call.
func statusNote(w *rules.Workload) string {
	s := w.StatusServer()
	switch {
	case !s.Moved():
		return ""
	case s.Port == 0:
		return " (" + s.Describe() + "; the app cannot stop the proxy: ask for a native sidecar or give the status " +
			"server a port)"
	}
	return fmt.Sprintf(" (%s: the call that stops the proxy is `%s`)", s.Describe(), mesh.QuitCommand(s.Port))
}

// sortedKeysWhere returns the keys of m that keep accepts, sorted: the
// few annotations or labels a rule reports, without sorting every key of
// every pod template first.
func sortedKeysWhere(m map[string]string, keep func(key string) bool) []string {
	var keys []string
	for k := range m {
		if keep(k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

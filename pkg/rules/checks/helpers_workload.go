package checks

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/meshbatch/meshbatch/pkg/rules"
)

// sev lowers a rule's severity by one step when the verdict rests on an
// assumption.
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

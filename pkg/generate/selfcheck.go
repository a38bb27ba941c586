package generate

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// selfCheck lints the manifests a valid spec generates, with the cluster
// facts the spec declares, and turns every finding at warning or above
// into a problem of the spec: generate never writes what meshbatch lint
// rejects. Most such findings come from the spec's own values: an env URL
// or an argument that calls a host on a port no destination declares,
// which the generated Sidecar (REGISTRY_ONLY) would block. Those are placed
// on the env entry or argument. Anything else is a meshbatch bug, and says
// so rather than writing manifests that fail.
func selfCheck(loc locator, j *Job) []Problem {
	out, err := Render(j.Source, Generate(j))
	if err != nil {
		return []Problem{{File: j.Source, Pos: loc.pos(""), Msg: fmt.Sprintf("rendering the manifests failed (a meshbatch bug, please report it): %v", err)}}
	}
	res, err := lint.Run(context.Background(), []string{"-"}, lint.Options{
		Facts: mesh.Facts{
			IstioVersion:      j.IstioVersion,
			KubernetesVersion: j.KubernetesVersion,
			KubeletVersion:    j.KubeletVersion,
			TrustDomain:       j.TrustDomain,
		},
		Stdin:   bytes.NewReader(out),
		Workers: 1,
	})
	if err != nil {
		return []Problem{{File: j.Source, Pos: loc.pos(""), Msg: fmt.Sprintf("checking the manifests failed: %v", err)}}
	}
	var probs []Problem
	for f := range res.Findings.All() {
		if f.Severity < rules.Warning && f.RuleID != rules.InvalidInput.ID {
			continue
		}
		if path := specPathOf(j, f.FieldPath); path != "" {
			probs = append(probs, Problem{File: j.Source, Pos: loc.pos(path),
				Msg: fmt.Sprintf("%s: the generated %s would fail meshbatch lint %s: %s%s", path, f.Object, f.RuleID, f.Message, destinationAdvice(f))})
			continue
		}
		probs = append(probs, Problem{File: j.Source, Pos: loc.pos(""),
			Msg: fmt.Sprintf("the generated %s fails meshbatch lint %s at %s: %s (a meshbatch bug: please report it with this spec)",
				f.Object, f.RuleID, f.FieldPath, f.Message)})
	}
	return probs
}

// callRE finds the host and port in the message of an external host that
// no ServiceEntry declares (MB601): "... calls api.example.com:443 (env ...".
var callRE = regexp.MustCompile(`\bcalls ([^\s:()]+):(\d+) \(`)

// destinationAdvice says, for a host the app calls that the generated
// ServiceEntries do not declare, what to add to the spec: its Sidecar
// allows only the destinations, and lint's advice (add a ServiceEntry)
// is generate's to follow.
func destinationAdvice(f lint.Finding) string {
	if f.RuleID != "MB601" {
		return ""
	}
	m := callRE.FindStringSubmatch(f.Message)
	if m == nil {
		return "; declare the host in spec.destinations"
	}
	if strings.Contains(f.Message, "no ServiceEntry declares that host") {
		return fmt.Sprintf("; add it to spec.destinations (host: %s, port: %s)", m[1], m[2])
	}
	return fmt.Sprintf("; add a destination for that port to spec.destinations (host: %s, port: %s)", m[1], m[2])
}

// appFieldRE matches a field of the app container in the generated Job or
// CronJob: its env entries, command and args.
var appFieldRE = regexp.MustCompile(`\.containers\[0\]\.(env|command|args)\[(\d+)\](.*)$`)

// specPathOf maps a field of the generated workload's app container back
// to the spec field it came from, "" when it did not come from one.
func specPathOf(j *Job, fieldPath string) string {
	m := appFieldRE.FindStringSubmatch(fieldPath)
	if m == nil {
		return ""
	}
	i, _ := strconv.Atoi(m[2])
	switch {
	case m[1] == "env":
		return fmt.Sprintf("spec.env[%d]%s", i, m[3]) // the container's env is the spec's, in order
	case j.Mode == ModeClassicSidecar && m[1] == "command":
		return "" // the wrapper
	case j.Mode == ModeClassicSidecar && i < len(j.Command):
		return fmt.Sprintf("spec.command[%d]", i) // the wrapper runs command and args as its arguments
	case j.Mode == ModeClassicSidecar:
		return fmt.Sprintf("spec.args[%d]", i-len(j.Command))
	}
	return fmt.Sprintf("spec.%s[%d]", m[1], i)
}

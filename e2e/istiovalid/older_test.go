package istiovalid

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/meshbatch/meshbatch/pkg/istiovalid"
)

// olderVerdict runs a program built in an older Istio release's tree
// (hack/istio-verdict.sh) that says what that release's validation says of
// one object a line.
type olderVerdict struct {
	cmd *exec.Cmd
	in  *bufio.Writer
	out *bufio.Scanner
}

func startOlderVerdict(t *testing.T, path string) *olderVerdict {
	cmd := exec.Command(path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	// verdicts come on descriptor 3: Istio logs to standard output
	verdicts, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	_ = w.Close()
	t.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Wait()
		_ = verdicts.Close()
	})
	out := bufio.NewScanner(verdicts)
	out.Buffer(make([]byte, 1<<20), 1<<24)
	return &olderVerdict{cmd: cmd, in: bufio.NewWriter(stdin), out: out}
}

// verdict is "accept", "reject <error>" or "undecodable <error>" (a
// value the release's API types do not know).
func (o *olderVerdict) verdict(t *testing.T, kind string, meta istiovalid.Meta, spec proto.Message) string {
	js, err := protojson.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	labels, _ := json.Marshal(meta.Labels)
	anns, _ := json.Marshal(meta.Annotations)
	fmt.Fprintf(o.in, "%s\t%s\t%s\t%s\t%s\t%s\n", kind, meta.Namespace, meta.Name, labels, anns, js)
	if err := o.in.Flush(); err != nil {
		t.Fatal(err)
	}
	if !o.out.Scan() {
		t.Fatalf("the verdict program stopped: %v", o.out.Err())
	}
	return o.out.Text()
}

// proxyConfigVerdict is the program's verdict on a proxy.istio.io/config
// value: "accept" or "reject <error>".
func (o *olderVerdict) proxyConfigVerdict(t *testing.T, raw string) string {
	js, _ := json.Marshal(raw)
	fmt.Fprintf(o.in, "ProxyConfig\t\t\tnull\tnull\t%s\n", js)
	if err := o.in.Flush(); err != nil {
		t.Fatal(err)
	}
	if !o.out.Scan() {
		t.Fatalf("the verdict program stopped: %v", o.out.Err())
	}
	return o.out.Text()
}

// rejectsAt says whether issues of a release reject the object at one
// of its patches (-1: the last one): an issue of only some patches counts
// when its Patches ("from 1.24.3", "before 1.24.4", "1.23.2 to 1.23.5",
// joined by " and ") take in that patch.
func rejectsAt(t *testing.T, is istiovalid.Issues, patch int) bool {
	for _, i := range is {
		if i.Warning || i.Schema {
			continue
		}
		if i.Patches == "" {
			return true
		}
		for _, part := range strings.Split(i.Patches, " and ") {
			if inPatches(t, part, patch) {
				return true
			}
		}
	}
	return false
}

func inPatches(t *testing.T, part string, patch int) bool {
	num := func(release string) int {
		p, err := strconv.Atoi(release[strings.LastIndex(release, ".")+1:])
		if err != nil {
			t.Fatalf("patches %q: %v", part, err)
		}
		return p
	}
	switch {
	case strings.HasPrefix(part, "from "):
		return patch < 0 || patch >= num(strings.TrimPrefix(part, "from "))
	case strings.HasPrefix(part, "before "):
		return patch >= 0 && patch < num(strings.TrimPrefix(part, "before "))
	}
	lo, hi, ok := strings.Cut(part, " to ")
	if !ok {
		t.Fatalf("patches %q: unknown form", part)
	}
	return patch >= num(lo) && patch <= num(hi)
}

// olderIstio reads MESHBATCH_ISTIO_VERDICT, "<release>=<program>", and
// starts the program; it skips the test without the variable.
func olderIstio(t *testing.T) (ver string, r istiovalid.Release, patch int, prog *olderVerdict) {
	env := os.Getenv("MESHBATCH_ISTIO_VERDICT")
	if env == "" {
		t.Skip("MESHBATCH_ISTIO_VERDICT not set (hack/istio-verdict.sh builds the program)")
	}
	ver, path, ok := strings.Cut(env, "=")
	parts := strings.Split(ver, ".")
	minor, patch, err := 0, -1, error(nil)
	if len(parts) >= 2 {
		minor, err = strconv.Atoi(parts[1])
	}
	if len(parts) == 3 && err == nil {
		patch, err = strconv.Atoi(parts[2])
	}
	if !ok || err != nil || parts[0] != "1" || len(parts) > 3 || istiovalid.ReleaseOf(minor).Minor() != minor {
		t.Fatalf("MESHBATCH_ISTIO_VERDICT=%q: want 1.<minor>[.<patch>]=<program>, a minor from 1.%d to 1.%d", env,
			istiovalid.OldestMinor, istiovalid.AsOfMinor)
	}
	// with the patch, the release at that patch: its issues are all or
	// nothing, and rejectsAt reads no patch words
	r = istiovalid.ReleaseOf(minor)
	if patch >= 0 {
		r = istiovalid.ReleaseAt(minor, patch)
	}
	return ver, r, patch, startOlderVerdict(t, path)
}

// TestValidationAgreesWithOlderIstio holds ConfigAt for an older release
// to that release's own functions, on the seeds and mutations
// TestValidationAgreesWithIstio uses. MESHBATCH_ISTIO_VERDICT is
// "<release>=<program>", the program built by hack/istio-verdict.sh at
// that release: "1.24.2=/tmp/mbverdict-1.24.2", or "1.24=..." for one
// built at the minor's last patch. The test is skipped without it. Objects the release's API server refuses (an enum
// value its CRD lacks) never reach the webhook and are left out; the
// others go to the program as the API server passes them on (Prune).
func TestValidationAgreesWithOlderIstio(t *testing.T) {
	ver, r, patch, prog := olderIstio(t)
	seeds := loadSeeds(t)
	compared, rejected, failures := 0, 0, 0
	check := func(s seed) {
		pruned, _, refused := istiovalid.Prune(r, s.spec)
		if refused {
			return
		}
		theirs := prog.verdict(t, s.kind, s.meta, pruned)
		if strings.HasPrefix(theirs, "undecodable") {
			return
		}
		compared++
		ours, _ := istiovalid.ConfigAt(r, s.meta, s.spec, r.Minor() >= 25)
		istioRejects := strings.HasPrefix(theirs, "reject")
		if istioRejects {
			rejected++
		}
		if rejectsAt(t, ours, patch) != istioRejects {
			failures++
			if failures <= 25 {
				js, _ := protojson.Marshal(s.spec)
				t.Errorf("%s %s: Istio %s says %s; meshbatch says %v\nspec: %s", s.kind, s.where, ver, theirs, ours, js)
			}
		}
	}
	for _, s := range seeds {
		check(s)
	}
	rnd := rand.New(rand.NewPCG(16, 24))
	for i := range mutationsTotal {
		s := seeds[i%len(seeds)]
		m := seed{where: fmt.Sprintf("%s mutation %d", s.where, i), kind: s.kind, meta: s.meta, spec: proto.Clone(s.spec)}
		for range 1 + rnd.IntN(3) {
			mutate(rnd, m.spec)
		}
		if rnd.IntN(20) == 0 {
			m.meta.Annotations = mutateAnnotations(rnd, m.meta.Annotations)
		}
		check(m)
	}
	if failures > 25 {
		t.Errorf("... and %d more disagreements", failures-25)
	}
	if compared < mutationsTotal/2 || rejected < compared/10 || rejected > compared*9/10 {
		t.Errorf("Istio %s rejected %d of %d objects compared: too few compared, or the mutator gives one verdict", ver, rejected, compared)
	}
	t.Logf("Istio %s: %d objects compared, %d rejected, %d disagreements", ver, compared, rejected, failures)
}

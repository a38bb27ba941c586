package rules

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// PodMesh is what the workload rules need to know about one batch pod
// template: does it get a sidecar, is it native, how does it stop.
type PodMesh struct {
	W   *Workload
	Inj Injection
	// Intent is set when the template itself shows that its author
	// expects a sidecar (an Istio label or annotation, an injected proxy, a
	// call to Istio's quit endpoint, a proxy-stopping wrapper): with the
	// namespace unknown, the rules then assume injection. IntentWhy names
	// the first sign found.
	Intent    bool
	IntentWhy string
	Native    mesh.Tri
	// NativeWhy explains Native.
	NativeWhy string
	// NativeAssumed is set when the template asks for a native sidecar
	// with sidecar.istio.io/nativeSidecar: "true", which every Istio from
	// 1.24 honours, and only missing facts (the Istio version) keep the
	// answer open: the rules take the author at their word and stay
	// quiet. Any other value is read strictly (see ReadNativeAnnotation).
	NativeAssumed bool
	Quits         []QuitSite // calls to Istio's quit endpoint (not other sidecars') that run
	// Unrun are calls to Istio's quit endpoint in lines no shell runs
	// (QuitSite.NotRun): they stop nothing.
	Unrun   []QuitSite
	Wrapper bool // a known wrapper stops the proxy
}

// MeshOf returns what the workload rules need to know about a pod
// template, worked out once per template (see meshCache) for the facts of
// the run.
func MeshOf(p *Pass, w *Workload) PodMesh {
	pf := w.podFacts()
	m := PodMesh{W: w, Inj: p.Index.Injection(w), Intent: pf.intent != "", IntentWhy: pf.intent, Quits: pf.quits, Unrun: pf.unrun, Wrapper: pf.wrapper}
	m.Native, m.NativeWhy = w.nativeSidecar(p.Facts)
	m.NativeAssumed = m.Native == mesh.Unknown && pf.requested
	return m
}

// nativeSidecar is NativeSidecar(f, w), its reason followed by the note
// on a typographically quoted annotation, worked out once per template for
// the facts of the first caller: every workload rule asks, and reading the
// annotation again cost more than the rest of MeshOf.
func (w *Workload) nativeSidecar(f mesh.Facts) (mesh.Tri, string) {
	if w.mc == nil {
		return w.nativeSidecarNoted(f)
	}
	k := nativeFactsOf(f)
	w.mc.nativeOnce.Do(func() {
		w.mc.nativeKey = k
		w.mc.native, w.mc.nativeWhy = w.nativeSidecarNoted(f)
	})
	if w.mc.nativeKey != k {
		// another set of facts than the first caller's (an Index reused
		// with other facts): correct, only not cached
		return w.nativeSidecarNoted(f)
	}
	return w.mc.native, w.mc.nativeWhy
}

func (w *Workload) nativeSidecarNoted(f mesh.Facts) (mesh.Tri, string) {
	native, why := NativeSidecar(f, w)
	return native, why + mesh.QuoteNote(mesh.AnnotNative, w.Template.Annotations[mesh.AnnotNative])
}

// nativeFacts are the facts Facts.NativeSidecar reads: the key of the
// cached meshOf.
type nativeFacts struct {
	istio, kubernetes, kubelet mesh.Version
	nativeSidecars             string
}

func nativeFactsOf(f mesh.Facts) nativeFacts {
	return nativeFacts{istio: f.IstioVersion, kubernetes: f.KubernetesVersion, kubelet: f.KubeletVersion, nativeSidecars: f.NativeSidecars}
}

// Sidecar says whether the pod gets an istio-proxy sidecar: No for pods
// that are not injected and for ambient pods (no explicit injection).
func (m PodMesh) Sidecar() mesh.Tri {
	switch {
	case m.Inj.Sidecar == mesh.No:
		return mesh.No
	case m.Inj.Ambient && m.Inj.Sidecar != mesh.Yes:
		return mesh.No
	}
	return m.Inj.Sidecar
}

// Injected is what the sidecar rules take as the pod's injection: Yes when
// it is known; Unknown when the namespace is not in the input and the
// template shows that its author expects a sidecar (Intent): the rules
// assume injection and say so; No when the pod gets no sidecar, and also
// when the namespace is unknown and nothing in the template asks for one.
// Istio's default there is no injection: without a namespace label the
// injection webhook's objectSelector needs the pod label
// sidecar.istio.io/inject: "true" (or istio.io/rev), and
// sidecarInjectorWebhook.enableNamespacesByDefault is off
// (manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml
// and values.yaml at 1.22.0 to 1.30.0). Such a sidecar is only a
// possibility, which MaybeInjected reports.
func (m PodMesh) Injected() mesh.Tri {
	s := m.Sidecar()
	if s == mesh.Unknown && !m.Intent {
		return mesh.No
	}
	return s
}

// MaybeInjected reports a pod whose injection is unknown and whose
// template does not ask for a sidecar: it gets one only if its namespace,
// not in the input, is labelled for injection. Rules say so as a
// possibility, at info at most.
func (m PodMesh) MaybeInjected() bool {
	return m.Sidecar() == mesh.Unknown && !m.Intent
}

// Relevant reports whether sidecar rules should look at the pod: it gets
// a sidecar, or it may and its template shows the author expects one.
func (m PodMesh) Relevant() bool { return m.Injected() != mesh.No }

// Classic says whether the sidecar is an ordinary container that outlives
// the app: Yes only when injection and the classic mode are both known,
// Unknown when either is assumed, No when the pod gets no sidecar, a
// native one, or only possibly one (see Injected).
func (m PodMesh) Classic() mesh.Tri {
	switch {
	case m.Injected() == mesh.No, m.Native == mesh.Yes, m.NativeAssumed:
		return mesh.No
	case m.Injected() == mesh.Yes && m.Native == mesh.No:
		return mesh.Yes
	}
	return mesh.Unknown
}

// ClassicIfInjected says whether the sidecar would be classic were the pod
// injected: Classic without the injection half, for MaybeInjected pods.
func (m PodMesh) ClassicIfInjected() mesh.Tri {
	switch {
	case m.Native == mesh.Yes, m.NativeAssumed:
		return mesh.No
	case m.Native == mesh.No:
		return mesh.Yes
	}
	return mesh.Unknown
}

// Stops reports whether something in the pod stops a classic proxy: a
// known wrapper, or a quit call that is not known to fail (see
// QuitSite.Fails; MB102 reports the ones that do).
func (m PodMesh) Stops() bool {
	if m.Wrapper {
		return true
	}
	for _, q := range m.Quits {
		if q.Fails() == "" {
			return true
		}
	}
	return false
}

// InjectionAssumption says, for messages, why injection is assumed; ""
// when it is not (see Injected).
func (m PodMesh) InjectionAssumption() string {
	if m.Injected() != mesh.Unknown {
		return ""
	}
	return "assumed injected: " + m.Inj.Reason + ", and the pod template expects a sidecar (" + m.IntentWhy + ")"
}

// Assumptions lists what an Unknown verdict rested on, for messages.
func (m PodMesh) Assumptions() []string {
	var out []string
	if a := m.InjectionAssumption(); a != "" {
		out = append(out, a)
	}
	if m.Native == mesh.Unknown && !m.NativeAssumed {
		out = append(out, "assumed a classic sidecar: "+m.NativeWhy)
	}
	return out
}

// FirstAppPath is the field path of the first app container, where
// findings about the app's lifecycle point.
func (m PodMesh) FirstAppPath() string {
	for _, c := range m.W.Containers() {
		if !c.Init {
			return c.Path
		}
	}
	return m.W.PodPath("containers")
}

// MeshIntent reports whether a pod template carries Istio configuration.
func MeshIntent(w *Workload) bool { return meshIntentWhy(w) != "" }

// meshIntentWhy names the first Istio setting a pod template carries, ""
// when it has none.
func meshIntentWhy(w *Workload) string {
	if _, _, ok := InjectedProxy(w); ok {
		return "an injected istio-proxy container"
	}
	if k := firstIstioKey(w.Template.Labels); k != "" {
		return "the label " + k
	}
	if k := firstIstioKey(w.Template.Annotations); k != "" {
		return "the annotation " + k
	}
	return ""
}

// firstIstioKey returns the smallest Istio key of a map, "" when it has
// none; it runs on every template, so it neither sorts nor allocates.
func firstIstioKey(m map[string]string) string {
	first := ""
	for k := range m {
		if mesh.IsIstioKey(k) && (first == "" || k < first) {
			first = k
		}
	}
	return first
}

// ExecLine is an entry of a container's command or args that holds a
// command line no shell runs. Kubernetes runs the first entry of command
// (or, without a command, of the image's ENTRYPOINT followed by the args)
// as a program and hands it the other entries as its arguments, without a
// shell: a line like "/bin/main && curl ..." in one entry is a program
// name no file has, and the calls in it never happen.
type ExecLine struct {
	Container ContainerRef
	Path      string // field path of the entry: ...command[0] or ...args[0]
	Program   string // the line's first word
	Operators []string
	// InArgs is set for args[0] of a container without a command: the
	// image's ENTRYPOINT, which the manifest does not show, receives the
	// line as one argument, and only a shell run with -c there runs it.
	InArgs bool
}

// ExecLines finds, in the app containers, a command whose first entry is a
// command line (it has words, so it names no program: the container cannot
// start), and, for a container without a command, a first args entry that
// holds a shell line (words and a shell operator: &&, ||, ;, |,
// redirections, $(...), backquotes).
func ExecLines(w *Workload) []ExecLine {
	var out []ExecLine
	for _, c := range w.Containers() {
		cmd, args := c.Container.Command, c.Container.Args
		var line, path string
		inArgs := false
		switch {
		case len(cmd) > 0:
			line, path = strings.TrimSpace(cmd[0]), c.Path+".command[0]"
		case len(args) > 0:
			line, path, inArgs = strings.TrimSpace(args[0]), c.Path+".args[0]", true
		default:
			continue
		}
		words := strings.Fields(line)
		if len(words) < 2 {
			continue
		}
		ops := shellOperators(line)
		if inArgs && len(ops) == 0 {
			continue // perhaps one argument with spaces, for the ENTRYPOINT
		}
		out = append(out, ExecLine{Container: c, Path: path, Program: words[0], Operators: ops, InArgs: inArgs})
	}
	return out
}

// shellOperators lists the shell operators a line holds, in a fixed order.
func shellOperators(line string) []string {
	var ops []string
	rest := line
	for _, op := range []string{"&&", "||", ";", "|", ">", "<", "$(", "`"} {
		if strings.Contains(rest, op) {
			ops = append(ops, op)
			rest = strings.ReplaceAll(rest, op, " ") // "||" is not also "|"
		}
	}
	return ops
}

var (
	trapRE    = regexp.MustCompile(`(^|[\s;])trap\s`)
	sepBefore = []string{"&&", "||", ";", "\n", "|", "(", "{", "`"}
	sepAfter  = []string{"&&", "||", ";", "\n", "|", ")", "}", "`"}
)

func readQuit(qc QuitCall, text string, at int, errexit bool) QuitSite {
	q := QuitSite{QuitCall: qc}
	// the simple command around the URL; $(...) and ${...} are words, not
	// separators, and a backslash-newline continues the line, as in the shell
	masked := strings.ReplaceAll(maskExpansions(text), "\\\n", "  ")
	start, sep := lastSeparator(masked[:at])
	end := len(text)
	for _, s := range sepAfter {
		if j := strings.Index(masked[at:], s); j >= 0 && at+j < end {
			end = at + j
		}
	}
	cmd := strings.TrimSpace(text[start:end])
	q.Command = strings.Trim(cmd, `"' `)

	// when it runs
	lineStart := strings.LastIndex(masked[:at], "\n") + 1
	line := text[lineStart:at]
	words := strings.Fields(q.Command)
	switch {
	case trapRE.MatchString(line):
		q.When = QuitAlways // runs when the shell exits, errexit or not
	case len(words) > 0 && (words[0] == "then" || words[0] == "else" || words[0] == "do"):
		q.When = QuitUnknown
	case sep == "&&":
		q.When = QuitOnSuccess
	case sep == "||":
		q.When = QuitOnFailure
	case sep == ";" || sep == "\n":
		prev := strings.TrimSpace(masked[:start-len(sep)])
		pw := strings.Fields(prev)
		switch {
		case prev == "" || endsWithShellInvocation(prev):
			q.When = QuitUnknown // nothing runs before it
		case pw[len(pw)-1] == "then" || pw[len(pw)-1] == "else" || pw[len(pw)-1] == "do":
			q.When = QuitUnknown // a branch or loop body
		case pw[len(pw)-1] == "&&":
			q.When = QuitOnSuccess // "app &&" at the end of a line goes on on the next
		case pw[len(pw)-1] == "||":
			q.When = QuitOnFailure
		case errexit || exitsOnFailure(prev):
			q.When = QuitOnSuccess
		default:
			q.When = QuitAlways
		}
	default:
		q.When = QuitUnknown
	}

	// tool, method and address
	for len(words) > 0 && (words[0] == "then" || words[0] == "else" || words[0] == "do" || words[0] == "exec" || words[0] == "command" || strings.Contains(words[0], "=")) {
		words = words[1:]
	}
	if len(words) > 0 {
		switch tool := words[0][strings.LastIndex(words[0], "/")+1:]; tool {
		case "curl", "wget":
			q.Tool = tool
		}
	}
	q.Post = methodIsPost(q.Tool, q.Command)
	q.Host, q.Port, q.PortVar, q.NoPort = quitAddress(q.Command)
	return q
}

// lastSeparator finds the last command separator in a (masked) shell
// text: the offset just after it and the separator, or 0 and "" when there
// is none.
func lastSeparator(masked string) (end int, sep string) {
	for _, s := range sepBefore {
		if j := strings.LastIndex(masked, s); j >= 0 && j+len(s) > end {
			end, sep = j+len(s), s
		}
	}
	return end, sep
}

// exitsOnFailure reports whether a (masked) shell text ends with a command
// that leaves the shell when the one before it failed: "app || exit 1",
// "app || { echo failed; exit 1; }". What follows it runs only after a
// success.
func exitsOnFailure(prev string) bool {
	i := strings.LastIndex(prev, "||")
	if i < 0 {
		return false
	}
	rest := strings.TrimSpace(prev[i+2:])
	if inner, ok := strings.CutPrefix(rest, "{"); ok {
		inner, ok = strings.CutSuffix(inner, "}")
		if !ok {
			return false
		}
		inner = strings.TrimSuffix(strings.TrimSpace(inner), ";")
		rest = strings.TrimSpace(inner[strings.LastIndexAny(inner, ";\n")+1:])
	} else if end, _ := lastSeparator(rest); end > 0 {
		return false // another command follows the one after ||
	}
	w := strings.Fields(rest)
	return len(w) > 0 && w[0] == "exit"
}

// maskExpansions returns text with the insides of $(...) and ${...}
// replaced by the same number of 'x' bytes, so that separator positions
// stay valid in the original.
func maskExpansions(text string) string {
	b := []byte(text)
	for i := 0; i+1 < len(b); i++ {
		if b[i] != '$' || (b[i+1] != '(' && b[i+1] != '{') {
			continue
		}
		open, closing := b[i+1], byte(')')
		if open == '{' {
			closing = '}'
		}
		depth := 0
		for j := i + 1; j < len(b); j++ {
			switch b[j] {
			case open:
				depth++
			case closing:
				depth--
			}
			done := depth == 0
			b[j] = 'x'
			if done {
				i = j
				break
			}
		}
	}
	return string(b)
}

var (
	curlPostRE = regexp.MustCompile(`(?i)(^|\s)(-[a-zA-Z]*X\s*=?\s*['"]?POST|--request[\s=]+['"]?POST|-d\b|-[a-zA-Z]*d\s|--data|--json|-F\s|--form)`)
	wgetPostRE = regexp.MustCompile(`(?i)--post-data|--post-file|--method[\s=]+['"]?POST`)
)

func methodIsPost(tool, cmd string) mesh.Tri {
	switch tool {
	case "curl":
		return mesh.TriOf(curlPostRE.MatchString(cmd)) // curl sends GET unless told otherwise
	case "wget":
		return mesh.TriOf(wgetPostRE.MatchString(cmd))
	}
	if strings.Contains(strings.ToLower(cmd), "post") {
		return mesh.Yes
	}
	return mesh.Unknown
}

var quitURLRE = regexp.MustCompile(`(?:https?://)?(\[[^\]]*\]|[^\s/'":\[]+)(?::([^\s/'"]+))?/quitquitquit`)

// quitAddress reads host and port from the URL in a quit command.
func quitAddress(cmd string) (host string, port int, portVar, noPort bool) {
	m := quitURLRE.FindStringSubmatch(cmd)
	if m == nil {
		return "", 0, true, false
	}
	host = m[1]
	switch {
	case m[2] == "":
		noPort = true
	default:
		if n, err := strconv.Atoi(m[2]); err == nil {
			port = n
		} else {
			portVar = true
		}
	}
	return host, port, portVar, noPort
}

var (
	errexitSetRE = regexp.MustCompile(`^set\s+(-[a-zA-Z]*e[a-zA-Z]*\b|-o\s+errexit)`)
	errexitShRE  = regexp.MustCompile(`^(ba|da|z|k|a)?sh\s+(-[a-zA-Z]+\s+)*-[a-zA-Z]*e[a-zA-Z]*\b`)
)

// shellErrexit reports whether the command line turns on errexit (set -e,
// sh -e), so that a failing app stops the script before a following quit.
// It tries the two anchored patterns only where a word can start them: one
// unanchored pattern tried at every byte showed in a run's CPU profile.
func shellErrexit(full string) bool {
	for i := 0; i < len(full); i++ {
		prev := byte(' ') // the start of the line counts as a space
		if i > 0 {
			prev = full[i-1]
		}
		space := prev == ' ' || prev == '\t' || prev == '\n' || prev == '\f' || prev == '\r'
		switch full[i] {
		case 's':
			if (space || prev == ';' || prev == '&' || prev == '|') && errexitSetRE.MatchString(full[i:]) {
				return true
			}
			if (space || prev == '/') && errexitShRE.MatchString(full[i:]) {
				return true
			}
		case 'b', 'd', 'z', 'k', 'a':
			if (space || prev == '/') && errexitShRE.MatchString(full[i:]) {
				return true
			}
		}
	}
	return false
}

var shellInvocationRE = regexp.MustCompile(`(^|/)(ba|da|z|k|a)?sh(\s+-[a-zA-Z]+)*\s+-[a-zA-Z]*c$`)

func endsWithShellInvocation(s string) bool {
	return shellInvocationRE.MatchString(strings.TrimSpace(s))
}

// exitWrappers are programs known to stop the proxy when the app ends.
var exitWrappers = []string{"scuttle", "go-istio-proxy-wait", "istio-job-wrapper"}

func usesExitWrapper(w *Workload) bool {
	for _, c := range w.Containers() {
		for _, s := range append(append([]string{}, c.Container.Command...), c.Container.Args...) {
			for _, wr := range exitWrappers {
				if strings.Contains(s, wr) {
					return true
				}
			}
		}
	}
	return false
}

// waitsForProxy reports whether an app container polls the proxy's
// readiness itself before starting (localhost:15021/healthz/ready or the
// agent's 15020/healthz/ready).
func waitsForProxy(w *Workload) bool {
	for _, c := range w.Containers() {
		for _, s := range append(append([]string{}, c.Container.Command...), c.Container.Args...) {
			if strings.Contains(s, "/healthz/ready") {
				return true
			}
		}
	}
	return false
}

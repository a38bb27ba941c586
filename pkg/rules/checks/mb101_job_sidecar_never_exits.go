package checks

import (
	"errors"
	"path"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// JobSidecarNeverExits is the original batch-in-Istio problem: a classic
// sidecar is an ordinary container, and a pod completes only when all its
// containers have exited.
var JobSidecarNeverExits = &rules.Rule{
	ID:       "MB101",
	Slug:     "job-sidecar-never-exits",
	Severity: rules.Error,
	Summary:  "Injected Job keeps its istio-proxy sidecar running after the app exits",
	Rationale: "A classic istio-proxy sidecar is an ordinary container: when the app container of a Job exits, " +
		"the proxy keeps running, the pod stays Running/NotReady, the Job never completes, and a CronJob with " +
		"concurrencyPolicy: Forbid stops scheduling. Nothing sends the proxy SIGTERM, so " +
		"EXIT_ON_ZERO_ACTIVE_CONNECTIONS does not help. Kubernetes native sidecars (an init container with " +
		"restartPolicy: Always) end with the pod: Istio injects them with sidecar.istio.io/nativeSidecar: \"true\" " +
		"(Istio 1.24+, Kubernetes 1.29+), with ENABLE_NATIVE_SIDECARS=true, or by default from Istio 1.27, whose " +
		"ENABLE_NATIVE_SIDECARS=auto picks native sidecars only when every node's kubelet is 1.33+ (istiod checks " +
		"every node it sees, and picks classic ones when it has no client for the nodes). Kubelets may lag the API server by three minors, so " +
		"that needs --kubelet-version: without it the answer is open unless the API server is older than 1.33. The annotation's value matters: Istio 1.24 to 1.26 inject a native sidecar only " +
		"for exactly \"true\" and a classic one for any other value (\"True\", \"yes\", \"\"), whatever ENABLE_NATIVE_SIDECARS " +
		"says; from 1.27 any value but \"false\" asks for a native one. Without the Istio version the rule reads other " +
		"values as 1.24 to 1.26 do. Otherwise the app must stop the proxy itself with a POST to " +
		"127.0.0.1:15020/quitquitquit, or to the port the pod template's status.sidecar.istio.io/port (or the statusPort of its " +
		"proxy.istio.io/config) moves pilot-agent's status server to; with port 0 there is no status server and nothing to call. " +
		"A call to 15020 on a pod that moved the port does not count; nor does a call to another sidecar's quit endpoint (cloud-sql-proxy's admin port), " +
		"or one in an exec-form command line that no shell runs (MB108). A template that already " +
		"contains istio-proxy (istioctl kube-inject output) is judged by where the " +
		"proxy sits: in containers it is classic, as an init container with restartPolicy: Always it is native. " +
		"The verdict depends on cluster facts: pass --istio-version, " +
		"--kubernetes-version, --kubelet-version and --native-sidecars for an exact answer. Without them the rule says " +
		"what it assumed and how to state it, and still reports an error unless the manifest itself makes the pod safe " +
		"(sidecar.istio.io/nativeSidecar: \"true\" not contradicted by a stated fact, a quit call that can work, ambient " +
		"mode): a Job that never completes costs far more than stating the facts. A pod whose namespace is not in the " +
		"input gets a sidecar only if that namespace is labelled for injection (Istio's default is no injection: without the label the webhook needs the pod label " +
		"sidecar.istio.io/inject: \"true\"), so the rule assumes injection only when the pod template shows that its " +
		"author expects a sidecar (an Istio label or annotation, a quit call); otherwise it reports the possibility as info.",
	Remediation: "Annotate the pod template with sidecar.istio.io/nativeSidecar: \"true\" (Istio 1.24+ on Kubernetes 1.29+); " +
		"on older clusters make the app's command end with `curl -fsS -X POST http://127.0.0.1:15020/quitquitquit` " +
		"whether the app succeeds or fails (the message names another port where the pod moves pilot-agent's status port; " +
		"with the status server off, ask for a native sidecar), or run the Job in ambient mode.",
	Kinds: []string{"Job", "CronJob", "Namespace"},
	Reads: rules.Reads{Labels: []string{"Namespace"}},
	Sources: []string{
		"istio/istio#6324, #11659, #11045",
		"kubernetes.io/docs/concepts/workloads/pods/sidecar-containers",
		"istio/istio pkg/kube/inject/webhook.go DetectNativeSidecar",
		"istio/istio manifests/charts/istio-control/istio-discovery/files/injection-template.yaml@1.24.0, @1.26.0, @1.27.0 ($nativeSidecar)",
		"istio/istio pilot/cmd/pilot-agent/status/server.go (quitquitquit)",
		"istio/istio manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml and values.yaml " +
			"(objectSelector of unlabelled namespaces, enableNamespacesByDefault: false)",
	},
	Bad: `apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
	Good: `apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
      annotations: {sidecar.istio.io/nativeSidecar: "true"}
    spec:
      restartPolicy: Never
      containers:
        - name: etl
          image: registry.example.com/etl:1.4.2
`,
	AutoFix: "Where the facts say Istio is 1.24 or later and every kubelet 1.29 or later (--istio-version, " +
		"--kubelet-version, or a facts file), sets sidecar.istio.io/nativeSidecar: \"true\" on the pod template (adding " +
		"it, or replacing a value Istio 1.24 to 1.26 read as classic); not for a pod that opts out with \"false\", was " +
		"injected before it was committed, or holds the app until the proxy starts (the hold would do nothing). " +
		"Elsewhere, where the pod's only app container runs a shell command ([sh, -c, ...], so a shell exists), nothing " +
		"tries to stop the proxy yet, restartPolicy is Never and the template does not turn pilot-agent's status server " +
		"off (status.sidecar.istio.io/port: \"0\"), runs the command under the wrapper meshbatch generate " +
		"writes, which stops the proxy with curl on the pod's status port when the app ends, whatever its exit code: the app's image must have " +
		"curl (meshbatch cannot see into the image; without curl the wrapper says \"could not stop istio-proxy\" on " +
		"stderr and the pod still never completes). No fix otherwise.",
	Check: checkJobSidecarNeverExits,
}

func checkJobSidecarNeverExits(p *rules.Pass) {
	for _, w := range p.Index.BatchWorkloads() {
		m := rules.MeshOf(p, w)
		if m.MaybeInjected() {
			reportMaybeInjected(p, m)
			continue
		}
		v := neverExits(m)
		if v == mesh.No {
			continue
		}
		path := m.FirstAppPath()
		stops := len(m.Quits) + len(m.Unrun)
		native := rules.Offer{Description: "stop istio-proxy with the app: a native sidecar where the facts allow it, else the quit wrapper (which needs curl in the app's image)", Build: func(ed *manifest.Editor) error {
			ok, missing := nativeFacts(p.Facts, w)
			if ok {
				return askNative(ed, p.Facts, w)
			}
			err := wrapQuit(ed, w, stops)
			if missing != nil && errors.Is(err, manifest.ErrNoEdit) {
				return &rules.NeedsFacts{Facts: missing}
			}
			return err
		}}
		if v == mesh.Yes {
			p.ReportFixf(native, w.Object, path,
				"%s keeps its istio-proxy sidecar running after the app exits, so the pod never completes: "+
					"it is injected (%s) as a classic sidecar (%s) and %s",
				w.Object.Ref(), m.Inj.Reason, m.NativeWhy, notStopped(m))
			continue
		}
		// Unknown cluster facts leave the verdict open, but nothing in the
		// manifest makes the pod safe: an error all the same.
		p.ReportFixf(native, w.Object, path,
			"%s may keep its istio-proxy sidecar running after the app exits, so the pod may never complete (%s): "+
				"%s%s",
			w.Object.Ref(), strings.Join(m.Assumptions(), "; "), notStopped(m), settle(p.Facts, m))
	}
}

// reportMaybeInjected reports, as a possibility, a pod that gets a sidecar
// only if its namespace (not in the input) is labelled for injection, and
// would then keep it running.
func reportMaybeInjected(p *rules.Pass, m rules.PodMesh) {
	if m.ClassicIfInjected() == mesh.No || m.Stops() {
		return
	}
	w := m.W
	classic := ""
	if m.ClassicIfInjected() == mesh.Unknown {
		classic = assumed([]string{"assumed a classic sidecar: " + m.NativeWhy})
	}
	p.ReportSeverityf(rules.Info, w.Object, m.FirstAppPath(),
		"%s would keep an istio-proxy sidecar running after the app exits if namespace %s is labelled for injection "+
			"(istio-injection=enabled or istio.io/rev)%s: the Namespace is not in the input and nothing in the pod template "+
			"asks for a sidecar, so by Istio's default it gets none; lint the Namespace with it, or label the pod template "+
			"sidecar.istio.io/inject: \"false\" (or \"true\") to settle it",
		w.Object.Ref(), w.Namespace, classic)
}

// neverExits is MB101's verdict, shared with the rules about its
// consequences: Yes when the pod certainly keeps a classic proxy that
// nothing stops, Unknown when that rests on missing facts.
func neverExits(m rules.PodMesh) mesh.Tri {
	if m.Classic() == mesh.No || m.Stops() {
		return mesh.No
	}
	return m.Classic()
}

// askNative sets sidecar.istio.io/nativeSidecar: "true" on the pod
// template, only where the facts say it works: Istio >= 1.24 reads the
// annotation, and every kubelet >= 1.29 runs native sidecars. A pod that
// opts out ("false") or was injected before it was committed gets no fix.
func askNative(ed *manifest.Editor, f mesh.Facts, w *rules.Workload) error {
	if !nativeFixable(f, w) {
		return manifest.ErrNoEdit
	}
	return ed.Set(w.TemplateField("metadata.annotations"), mesh.AnnotNative, "true")
}

// nativeFixable says whether askNative fixes w.
func nativeFixable(f mesh.Facts, w *rules.Workload) bool {
	ok, _ := nativeFacts(f, w)
	return ok
}

// nativeFacts says whether askNative fixes w, and otherwise which unknown
// facts (rules.NeedsFacts) alone keep it from doing so: Istio >= 1.24 and
// every kubelet >= 1.29 (a kubelet is never newer than the API server). A
// pod that holds the app until the proxy starts gets no fix either: the
// hold would become a no-op that MB202 reports.
func nativeFacts(f mesh.Facts, w *rules.Workload) (ok bool, missing []string) {
	if _, _, pre := rules.InjectedProxy(w); pre || w.Template.Annotations[mesh.AnnotNative] == "false" {
		return false, nil
	}
	if pc, err := w.ProxyConfig(); err != nil || pc.GetHoldApplicationUntilProxyStarts().GetValue() {
		return false, nil
	}
	f = f.ForNamespace(w.Namespace)
	istio, kubelet := f.IstioVersion.AtLeast(1, 24), f.KubeletVersion.AtLeast(1, 29)
	if kubelet == mesh.Unknown && f.KubernetesVersion.AtLeast(1, 29) == mesh.No {
		kubelet = mesh.No
	}
	if istio == mesh.No || kubelet == mesh.No {
		return false, nil
	}
	if istio == mesh.Unknown {
		missing = append(missing, rules.FactIstioVersion)
	}
	if kubelet == mesh.Unknown {
		missing = append(missing, rules.FactKubeletVersion)
	}
	return missing == nil, missing
}

// shells are the programs a "shell -c script" command may name.
var shells = []string{"sh", "bash", "ash", "dash", "ksh", "zsh"}

// wrapQuit runs the only app container's shell command under
// mesh.ClassicWrapper, which stops the proxy when the app ends: the command
// must be known ([shell, -c, ...] in the manifest, so a shell exists), the
// pod must not restart its containers (a restarted app would find no
// proxy, MB103), and nothing may try to stop the proxy already (stops
// counts the attempts: MB102's). The wrapper calls the pod's status port;
// a template that turns the status server off has no quit endpoint and
// gets no fix.
func wrapQuit(ed *manifest.Editor, w *rules.Workload, stops int) error {
	if stops > 0 || w.Template.Spec.RestartPolicy != corev1.RestartPolicyNever {
		return manifest.ErrNoEdit
	}
	status := w.StatusServer()
	if status.Port == 0 {
		return manifest.ErrNoEdit
	}
	var app *rules.ContainerRef
	for _, c := range w.Containers() {
		if c.Init {
			continue
		}
		if app != nil {
			return manifest.ErrNoEdit // the first app to end would stop the proxy of the others
		}
		app = &c
	}
	if app == nil {
		return manifest.ErrNoEdit
	}
	cmd := app.Container.Command
	if len(cmd) < 3 && !(len(cmd) == 2 && len(app.Container.Args) > 0) || cmd[1] != "-c" || !slices.Contains(shells, path.Base(cmd[0])) {
		return manifest.ErrNoEdit
	}
	return ed.InsertItems(app.Path+".command", 1, []string{mesh.ClassicWrapper(status.Port), mesh.WrapperName, cmd[0], "-c"})
}

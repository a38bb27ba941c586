package generate

// fieldDoc documents one field of the job spec. The table below is the
// single source of the JSON Schema (docs/jobspec.schema.json) and of the
// field tables of docs/jobspec.md; a test fails when a field of the Go
// types has no entry, or an entry no field.
type fieldDoc struct {
	Desc      string // what the field is, one line
	Default   string // "" when there is none
	Generates string // what it turns into in the manifests
	Why       string // the domain reason, one line
	Required  bool

	// Schema constraints.
	Enum    []string
	Pattern string
	Min     *int64
	Max     *int64
	Example string // a value for the docs, as YAML
}

func ptr(i int64) *int64 { return &i }

// Patterns of the schema; the Go validation is the reference, these only
// let an editor flag mistakes early.
const (
	dnsLabelPattern    = `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	durationPattern    = `^([0-9]+d|([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)$`
	quantityPattern    = `^([0-9]+(\.[0-9]*)?|\.[0-9]+)(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?[0-9]+))?$`
	versionPattern     = `^v?[0-9]+\.[0-9]+(\.[0-9]+)?$`
	serviceRefPattern  = `^[a-z0-9]([-a-z0-9]*[a-z0-9])?\.[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	dnsSubdomainRegexp = `^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
)

var fieldDocs = map[string]fieldDoc{
	"apiVersion": {
		Desc: "The job spec's version.", Required: true, Enum: []string{SpecAPIVersion},
		Generates: "nothing", Why: "lets the format change without breaking old specs",
	},
	"kind": {
		Desc: "Always BatchJob.", Required: true, Enum: []string{SpecKind},
		Generates: "nothing", Why: "tells a job spec from a manifest",
	},
	"metadata": {Desc: "Names the job.", Required: true},
	"metadata.name": {
		Desc: "The job's name, a DNS-1123 label.", Required: true, Pattern: dnsLabelPattern, Example: "etl-daily",
		Generates: "the Job/CronJob, Sidecar and ServiceAccount names, the container name, the pod label `meshbatch.dev/job`, and the prefix of every other object's name",
		Why:       "it is also a label value and a container name, which must be DNS-1123 labels",
	},
	"metadata.namespace": {
		Desc: "The namespace the job runs in.", Required: true, Pattern: dnsLabelPattern, Example: "batch-jobs",
		Generates: "the Namespace (with its injection or ambient label) and where every job-side object goes",
		Why:       "Istio never injects pods in kube-system or kube-public, so those are refused",
	},
	"metadata.labels": {
		Desc: "Labels added to every object that serves this job and to its pods.", Default: "none", Example: "{team: data}",
		Generates: "`metadata.labels` of the ServiceAccount, policies, traffic objects, Job/CronJob, job template and pod template",
		Why:       "ownership and cost labels belong on everything the job creates; the shared Namespace and PeerAuthentication stay unlabelled so that every job of a namespace writes them identically",
	},
	"spec": {Desc: "The workload and its mesh setup.", Required: true},
	"spec.image": {
		Desc: "The container image.", Required: true, Example: "registry.example.com/etl:1.4.2",
		Generates: "`containers[0].image`", Why: "the app to run; with a classic sidecar it must contain /bin/sh and curl, which the wrapper runs (generate warns on stderr)",
	},
	"spec.command": {
		Desc: "The program and its fixed arguments (the image's entrypoint is used when absent).", Default: "the image's entrypoint", Example: `["/app/etl"]`,
		Generates: "`containers[0].command`; with a classic sidecar, the arguments of a `/bin/sh -c` wrapper",
		Why:       "a classic sidecar must be stopped by the app, so meshbatch wraps the command; it cannot wrap an entrypoint it does not know, so command is required in that mode",
	},
	"spec.args": {
		Desc: "Arguments after command.", Default: "none", Example: `["--since", "24h"]`,
		Generates: "`containers[0].args` (after the command, with a classic sidecar)", Why: "kept apart from command as Kubernetes does",
	},
	"spec.env": {
		Desc: "Environment variables of the app container.", Default: "none",
		Generates: "`containers[0].env`", Why: "configuration and secrets for the app",
	},
	"spec.env[].name": {
		Desc: "The variable's name; unique.", Required: true, Example: "LOG_LEVEL",
		Generates: "`env[].name`", Why: "Kubernetes lets a later entry override an earlier one with only a warning; meshbatch refuses the duplicate",
	},
	"spec.env[].value": {
		Desc: "A literal value (quote numbers and booleans).", Example: "info",
		Generates: "`env[].value`", Why: "plain configuration",
	},
	"spec.env[].secretKeyRef": {
		Desc:      "Take the value from a key of a Secret in the job's namespace (instead of value).",
		Generates: "`env[].valueFrom.secretKeyRef`", Why: "database passwords and API tokens do not belong in the spec",
	},
	"spec.env[].secretKeyRef.name": {
		Desc: "The Secret's name.", Required: true, Pattern: dnsSubdomainRegexp, Example: "etl-daily-db",
		Generates: "`secretKeyRef.name`", Why: "the Secret must be in the job's namespace",
	},
	"spec.env[].secretKeyRef.key": {
		Desc: "The key in the Secret.", Required: true, Example: "password",
		Generates: "`secretKeyRef.key`", Why: "a Secret holds several keys",
	},
	"spec.schedule": {
		Desc: "A cron schedule (five fields, or @hourly, @daily, @weekly, @monthly, @yearly); present: a CronJob, absent: a Job.", Default: "none (a Job)", Example: `"0 2 * * *"`,
		Generates: "a CronJob with `schedule` and `concurrencyPolicy: Forbid`; the default `activeDeadlineSeconds` is at most the shortest time between two runs",
		Why:       "Forbid is safe because every pod meshbatch generates ends (native sidecar, quit call or ambient) and is stopped by its deadline before the next run is due, so a late run cannot pile up nor hold back the runs after it; the schedule is read with Kubernetes' own parser (robfig/cron), so a day of week 7 is refused as the API server refuses it",
	},
	"spec.serviceAccount": {
		Desc: "The job's ServiceAccount, which is its mesh identity.", Default: "metadata.name", Pattern: dnsSubdomainRegexp, Example: "etl-daily",
		Generates: "the ServiceAccount (`automountServiceAccountToken: false`), `serviceAccountName`, and the principal `<trustDomain>/ns/<namespace>/sa/<serviceAccount>` of every AuthorizationPolicy",
		Why:       "one identity per job type: policies admit this job and nothing else; `default` is refused because every pod that names no account shares it",
	},
	"spec.maxDuration": {
		Desc: "The longest a run may take (Go duration or whole days: 90m, 6h, 2d); with a schedule, at most the shortest time between two runs.", Default: "24h, or the schedule's shortest interval when that is shorter", Pattern: durationPattern, Example: "6h",
		Generates: "`activeDeadlineSeconds` of the Job",
		Why:       "a backstop in every mode: a hung app, a classic proxy that was never told to quit, or a native sidecar that never became ready (kubernetes#125880) would otherwise hold the pod forever; under a CronJob (concurrencyPolicy: Forbid) a run that outlasts the interval holds back the next, and the runs due meanwhile collapse into one late run (an @hourly job hung for the 24h default would miss 23), so a longer maxDuration is refused",
	},
	"spec.retries": {
		Desc: "How many times a failed run is retried.", Default: "Kubernetes' default (6)", Min: ptr(0), Example: "2",
		Generates: "`backoffLimit` of the Job", Why: "each retry is a new pod (restartPolicy: Never), so it gets a fresh proxy",
	},
	"spec.ttlAfterFinished": {
		Desc: "How long a finished Job and its pods are kept (Go duration or whole days).", Default: "24h", Pattern: durationPattern, Example: "1h",
		Generates: "`ttlSecondsAfterFinished` of the Job",
		Why:       "finished pods stay for their logs, then go, instead of piling up under a CronJob",
	},
	"spec.resources": {
		Desc: "CPU and memory of the app container.", Default: "none",
		Generates: "`containers[0].resources`", Why: "the scheduler needs requests to place a batch pod sensibly",
	},
	"spec.resources.cpu":         {Desc: "CPU request.", Pattern: quantityPattern, Example: "500m", Generates: "`resources.requests.cpu`", Why: "scheduling"},
	"spec.resources.memory":      {Desc: "Memory request.", Pattern: quantityPattern, Example: "1Gi", Generates: "`resources.requests.memory`", Why: "scheduling"},
	"spec.resources.cpuLimit":    {Desc: "CPU limit; at least cpu.", Pattern: quantityPattern, Example: "2", Generates: "`resources.limits.cpu`", Why: "a limit below the request is rejected by Kubernetes"},
	"spec.resources.memoryLimit": {Desc: "Memory limit; at least memory.", Pattern: quantityPattern, Example: "1Gi", Generates: "`resources.limits.memory`", Why: "a limit below the request is rejected by Kubernetes"},
	"spec.mesh": {
		Desc: "What the cluster runs and how the job joins the mesh.", Default: "{}",
	},
	"spec.mesh.istioVersion": {
		Desc: "The Istio version of the cluster, as a quoted string (\"1.28\").", Default: "unknown", Pattern: versionPattern, Example: `"1.28"`,
		Generates: "the dataplane with `auto`; the Istio API version (v1 from 1.22, v1beta1 before); checks of native-sidecar and ambient",
		Why:       "native sidecars need the per-pod annotation of Istio 1.24, ambient is stable from 1.24, v1 APIs are served from 1.22; an unquoted 1.30 would be the number 1.3",
	},
	"spec.mesh.kubernetesVersion": {
		Desc: "The Kubernetes version of the cluster's API server, as a quoted string.", Default: "unknown", Pattern: versionPattern, Example: `"1.31"`,
		Generates: "checks of native-sidecar; with `auto` and no kubeletVersion, a bound on the kubelets (see kubeletVersion)",
		Why:       "the API server accepts native sidecars (SidecarContainers) by default from Kubernetes 1.29",
	},
	"spec.mesh.kubeletVersion": {
		Desc: "The oldest kubelet version of the nodes that may run the job's pods, as a quoted string.", Default: "unknown: bounded by kubernetesVersion (kubelets are at most three minors older than the API server)", Pattern: versionPattern, Example: `"1.30"`,
		Generates: "the dataplane with `auto` (native sidecar only when every kubelet is 1.29 or later); checks of native-sidecar",
		Why:       "the kubelet runs the native sidecar: an older one runs istio-proxy as an ordinary init container that never exits, and the pod stays in Init. Without it, an API server at 1.32 or later means kubelets at 1.29 or later; at 1.29 to 1.31 auto and native-sidecar are refused until it is set",
	},
	"spec.mesh.dataplane": {
		Desc: "How the pod joins the mesh.", Default: "auto", Enum: []string{DataplaneAuto, DataplaneNativeSidecar, DataplaneSidecar, DataplaneAmbient},
		Generates: "see [Dataplanes](#dataplanes): the namespace label, the pod's injection label and annotations, the command wrapper, and which objects exist",
		Why:       "a classic sidecar never exits by itself, so the pod never completes unless the app stops it; native sidecars and ambient end with the app",
	},
	"spec.mesh.revision": {
		Desc: "The Istio revision or revision tag whose injector serves the job's namespace (sidecar modes); leave it out on an install with a default revision.", Default: "none: the default injector", Pattern: dnsLabelPattern, Example: "prod-stable",
		Generates: "the Namespace label `istio.io/rev: <revision>` instead of `istio-injection: enabled`",
		Why:       "on a revision-based install without a default revision or tag, `istio-injection: enabled` matches no injector's webhook and the pod runs without a proxy; next to `istio.io/rev` it would win over the revision. Ambient namespaces are refused a revision: `istio.io/dataplane-mode` enrols them",
	},
	"spec.mesh.trustDomain": {
		Desc: "The mesh trust domain, without spiffe://.", Default: "cluster.local", Pattern: dnsSubdomainRegexp, Example: "cluster.local",
		Generates: "the first part of the AuthorizationPolicy principals",
		Why:       "Istio adds spiffe:// itself, so a principal written with it never matches; cluster.local also stands for the local trust domain and its aliases",
	},
	"spec.mesh.proxy": {
		Desc: "Resources of the istio-proxy sidecar; fields left out take the defaults.", Default: "cpu 100m, memory 128Mi, cpuLimit 1, memoryLimit 256Mi",
		Generates: "all four pod annotations `sidecar.istio.io/proxyCPU`, `proxyMemory`, `proxyCPULimit`, `proxyMemoryLimit`, always together (not in ambient mode)",
		Why:       "setting any one of them replaces the injector's whole default resources block, so a partial set leaves the proxy without limits or requests",
	},
	"spec.mesh.proxy.cpu":         {Desc: "Proxy CPU request.", Default: "100m", Pattern: quantityPattern, Example: "100m", Generates: "`sidecar.istio.io/proxyCPU`", Why: "the injector's default request"},
	"spec.mesh.proxy.memory":      {Desc: "Proxy memory request.", Default: "128Mi", Pattern: quantityPattern, Example: "128Mi", Generates: "`sidecar.istio.io/proxyMemory`", Why: "the injector's default request"},
	"spec.mesh.proxy.cpuLimit":    {Desc: "Proxy CPU limit; at least cpu.", Default: "1", Pattern: quantityPattern, Example: "500m", Generates: "`sidecar.istio.io/proxyCPULimit`", Why: "a core, so that a data-heavy job's TLS is not throttled"},
	"spec.mesh.proxy.memoryLimit": {Desc: "Proxy memory limit; at least memory.", Default: "256Mi", Pattern: quantityPattern, Example: "256Mi", Generates: "`sidecar.istio.io/proxyMemoryLimit`", Why: "Envoy's memory grows with its configuration, which the Sidecar resource cuts down to the job's destinations; 1Gi (the injector's default) is sized for the whole mesh"},
	"spec.mesh.certTTL": {
		Desc: "Lifetime of the workload certificate the proxy requests, from 1h to 90d.", Default: "unset (istiod's 24h)", Pattern: durationPattern, Example: "48h",
		Generates: "`proxyMetadata.SECRET_TTL` in the pod's `proxy.istio.io/config` (not in ambient mode)",
		Why:       "above MAX_WORKLOAD_CERT_TTL (90d) the CSR is refused and the proxy never becomes ready; below 1h rotation churns; long jobs rotate at half-life anyway",
	},
	"spec.mesh.outboundTrafficPolicy": {
		Desc: "What the job's proxy does with traffic to hosts that are not destinations.", Default: OutboundRegistryOnly, Enum: []string{OutboundRegistryOnly, OutboundAllowAny},
		Generates: "`outboundTrafficPolicy.mode` of the Sidecar resource (not in ambient mode)",
		Why:       "the destinations list is the job's whole world: REGISTRY_ONLY makes a forgotten one fail fast instead of leaving the mesh unencrypted; ALLOW_ANY is the escape hatch",
	},
	"spec.mesh.autoMTLS": {
		Desc: "Whether the mesh runs with auto-mTLS (meshConfig.enableAutoMtls); write false only if the mesh turns it off.", Default: "true (Istio's default)",
		Generates: "false: an ISTIO_MUTUAL DestinationRule per in-mesh destination, in the job's namespace (not in ambient mode); true: none",
		Why:       "with auto-mTLS the sidecar sends Istio mTLS to every server with a sidecar by itself, and a DestinationRule in the job's namespace would replace the server team's for the job, subsets included, so a VirtualService that routes to a subset fails for the job; without auto-mTLS a STRICT server refuses plain text, so the rule is needed",
	},
	"spec.destinations": {
		Desc: "What the job connects to: Services in the mesh (service) or hosts outside it (host).", Default: "none",
		Generates: "per destination, policy and traffic objects (below), and an egress host of the Sidecar resource",
		Why:       "under STRICT mTLS every connection needs an identity-based allow on the server side, and every external host a ServiceEntry",
	},
	"spec.wellKnownDestinations": {
		Desc: "Platform endpoints the job reaches besides its destinations, by name: kubernetes-api, cloud-metadata, aws-sts (or aws-sts:<region>), gcp-sts, azure-login.", Default: "none", Pattern: wellKnownPattern, Example: "[kubernetes-api, cloud-metadata, aws-sts:eu-west-1]",
		Generates: "kubernetes-api: the Sidecar egress host `default/" + kubernetesAPIHost + "` and `automountServiceAccountToken: true` on the pod; cloud-metadata: a ServiceEntry `<job>.cloud-metadata` for 169.254.169.254 and 169.254.170.23 on TCP port 80 (resolution NONE; not in ambient mode) and its egress host; the STS names: an HTTPS ServiceEntry `<job>.<name>` for sts.amazonaws.com (sts.<region>.amazonaws.com with a region), sts.googleapis.com or login.microsoftonline.com, as for a host destination",
		Why:       "REGISTRY_ONLY blocks everything the spec does not declare, including the Kubernetes API, the metadata server that GKE workload identity, EC2 instance roles, EKS Pod Identity and Azure managed identity get credentials from, and the token services that IRSA, workload identity federation and AKS workload identity exchange tokens with: cloud SDK authentication fails without them",
	},
	"spec.destinations[].name": {
		Desc: "A short name, unique in the spec (DNS-1123 label).", Required: true, Pattern: dnsLabelPattern, Example: "orders-db",
		Generates: "the names of the destination's objects: `<namespace>.<job>.to.<name>` (AuthorizationPolicy), `<job>.<name>` (DestinationRule, ServiceEntry)",
		Why:       "readable, stable object names that cannot collide: the parts are DNS-1123 labels, which never contain a dot, so with dots between them no two jobs or destinations get one name (with `-` between them, namespace team-a job etl and namespace team job a-etl would share a policy, and the second apply would replace the first)",
	},
	"spec.destinations[].service": {
		Desc: "In-mesh destination: the Service as `<service>.<namespace>`.", Pattern: serviceRefPattern, Example: "postgres.database",
		Generates: "an AuthorizationPolicy in that namespace and, with `mesh.autoMTLS: false` (not in ambient mode), an ISTIO_MUTUAL DestinationRule for `<service>.<namespace>.svc.cluster.local` with `exportTo: [\".\"]`",
		Why:       "the server's STRICT policy admits only identities it lists; auto-mTLS already sends the job's traffic as Istio mTLS, so a DestinationRule is written only where the mesh turns auto-mTLS off",
	},
	"spec.destinations[].host": {
		Desc: "External destination: a DNS name outside the mesh.", Pattern: dnsSubdomainRegexp, Example: "api.partner.example.com",
		Generates: "a ServiceEntry (MESH_EXTERNAL, resolution DNS, `exportTo: [\".\"]`) and, with tls: originate, a DestinationRule",
		Why:       "a registered host gets the proxy's routing, telemetry and TLS origination; exportTo keeps it out of other namespaces",
	},
	"spec.destinations[].port": {
		Desc: "The port the job connects to: the Service port, or the external server's port.", Required: true, Min: ptr(1), Max: ptr(65535), Example: "5432",
		Generates: "the ServiceEntry port; for an in-mesh destination, the AuthorizationPolicy port unless targetPort is set",
		Why:       "policies and ServiceEntries match ports",
	},
	"spec.destinations[].workloadSelector": {
		Desc: "In-mesh only, required: the labels of the server's pods.", Example: "{app: postgres}",
		Generates: "`selector.matchLabels` of the AuthorizationPolicy",
		Why:       "an ALLOW policy without a selector covers the whole namespace and denies every client it does not list",
	},
	"spec.destinations[].targetPort": {
		Desc: "In-mesh only: the server pods' port, when it differs from the Service port.", Default: "port", Min: ptr(1), Max: ptr(65535), Example: "8080",
		Generates: "`to.operation.ports` of the AuthorizationPolicy",
		Why:       "the server's proxy matches the port the pod receives on (the container port), not the Service port",
	},
	"spec.destinations[].protocol": {
		Desc: "External only, required: what the app speaks to the proxy.", Enum: protocols,
		Generates: "the ServiceEntry port's protocol and name; POSTGRES and MYSQL become `TCP` ports named `tcp-postgres`/`tcp-mysql`",
		Why:       "Postgres and MySQL negotiate TLS inside their protocol (STARTTLS), so the proxy must see plain TCP",
	},
	"spec.destinations[].tls": {
		Desc: "External only: who speaks TLS to the server.", Default: "app for HTTPS, TLS, POSTGRES, MYSQL; none for HTTP, GRPC, TCP", Enum: []string{TLSApp, TLSOriginate, TLSNone},
		Generates: "originate: a DestinationRule `mode: SIMPLE` with `sni` and `subjectAltNames` set to the host on the app's port, and the app's plain port forwarded to the server's TLS port; app and none: no DestinationRule",
		Why:       "TLS must be done exactly once: twice (app and proxy) breaks the handshake, and the proxy cannot do it for STARTTLS databases or in ambient mode; before Istio 1.21 a DestinationRule without a CA checks no server certificate, so originate is refused there",
	},
	"spec.destinations[].appPort": {
		Desc: "External, tls: originate only: the port the app sends plain text to.", Default: "80 for HTTP, port otherwise", Min: ptr(1), Max: ptr(65535), Example: "80",
		Generates: "a ServiceEntry port with `targetPort: <port>`, and the DestinationRule's port-level TLS",
		Why:       "Istio's egress TLS origination pattern: the app calls http://host (port 80), the proxy opens TLS to 443",
	},
	"spec.destinations[].addresses": {
		Desc: "External only: the host's IP addresses or CIDRs, if fixed.", Default: "none", Example: `["203.0.113.17"]`,
		Generates: "`addresses` of the ServiceEntry; without them, a TCP destination turns on the proxy's DNS capture (`ISTIO_META_DNS_CAPTURE` in `proxy.istio.io/config`) and, below Istio 1.25 or with istioVersion unknown, the agent's address allocation (`ISTIO_META_DNS_AUTO_ALLOCATE`)",
		Why:       "a TCP port has no Host header: without an address the ServiceEntry listens on 0.0.0.0:<port> and captures every host on that port (IST0134). From Istio 1.25 istiod allocates the addresses itself (PILOT_ENABLE_IP_AUTOALLOCATE, on by default) and ISTIO_META_DNS_AUTO_ALLOCATE is deprecated, so DNS capture alone suffices; on a 1.25+ istiod that turns PILOT_ENABLE_IP_AUTOALLOCATE off, set addresses",
	},
}

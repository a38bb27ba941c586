package manifests

// Manifests with one defect each that both validation layers are given, so
// that their tests compare the two on the same input: each test says what
// its layer makes of them.
const (
	// PortLevelMTLSWithoutSelector sets portLevelMtls on a namespace-wide
	// PeerAuthentication, which only a workload policy may.
	PortLevelMTLSWithoutSelector = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: etl}
spec:
  mtls: {mode: STRICT}
  portLevelMtls:
    9090: {mode: PERMISSIVE}`

	// UnknownMTLSMode is a PeerAuthentication with a misspelt mode.
	UnknownMTLSMode = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: etl}
spec:
  mtls: {mode: STRICTER}`

	// EgressHostWithoutNamespace is a Sidecar egress host without its
	// "namespace/" prefix.
	EgressHostWithoutNamespace = `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: etl, namespace: etl}
spec:
  egress:
    - hosts: ["postgres.database.svc.cluster.local"]`
)

// Package mesh is the Istio vocabulary that both the generator and the lint
// rules speak: the label and annotation keys, cluster facts with Istio's
// defaults, versions and yes/no/unknown answers, durations, and the
// ProxyConfig annotation parser. It knows nothing of rules or of the job
// spec, so either side can import it without the other.
package mesh

package checks

import (
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// RootCAExpiring checks the mesh root certificate's expiry instead of
// monitoring it.
var RootCAExpiring = &rules.Rule{
	ID:       "MB706",
	Slug:     "root-ca-expiring",
	Severity: rules.Error,
	Summary:  "The mesh root certificate has expired, expires within 30 days, or expires before a running Job's deadline",
	Rationale: "istiod publishes the mesh's root certificate in the ConfigMap istio-ca-root-cert of every namespace it " +
		"serves (key root-cert.pem), and every sidecar validates its peers' certificates against it. When the root " +
		"expires, every certificate it signed fails validation: mTLS between workloads fails, and under STRICT every " +
		"call in the mesh is refused. Workload certificates rotate by themselves every day. Istio's self-signed root " +
		"(10 years) is rotated by istiod's SelfSignedCARootCertRotator, which re-issues it well before expiry, so a " +
		"self-signed root near its expiry means the rotator is turned off or failing (istiod's log says which); a " +
		"plugged-in CA (cacerts) is never rotated by istiod: it is rotated by hand or by cert-manager. While a root " +
		"is rotated, root-cert.pem holds the old and the new root, of one subject (istiod's rotator keeps it), and " +
		"workloads trust both: MB706 judges such a bundle on the root that expires last and reports the old one's " +
		"expiry as information, to be removed once workloads hold certificates from the new root. A bundle of roots " +
		"of different subjects (a multicluster or plugged-in trust bundle) is no rotation: each root carries the " +
		"trust of what it signed, so MB706 judges it on the root that expires first. A Job that is running now with an activeDeadlineSeconds " +
		"that ends after the expiry may lose mTLS midway through its run. This is the source article's root CA " +
		"expiry alert, checked from the certificate itself: an error once it has expired or before a running Job's " +
		"deadline, a warning within 30 days.",
	Remediation: "For a self-signed root, find why istiod did not rotate it: its rotator checks the root every " +
		"CITADEL_SELF_SIGNED_ROOT_CERT_CHECK_INTERVAL (1h by default; zero or negative turns it off) and rotates it " +
		"within the last CITADEL_SELF_SIGNED_ROOT_CERT_GRACE_PERIOD_PERCENTILE of its lifetime; its errors are in " +
		"istiod's log. For a plugged-in CA, rotate the root before it expires: put a new root next to " +
		"the old one in cacerts (both in root-cert.pem) so that workloads trust both while their certificates are " +
		"re-issued, then remove the old one; see Istio's plugin CA and root transition docs.",
	Kinds: []string{"ConfigMap", "Job"},
	Reads: rules.Reads{Loop: []string{"ConfigMap"}},
	Sources: []string{
		"istio/istio pilot/pkg/features/experimental.go (PILOT_CA_CERT_CONFIGMAP: istio-ca-root-cert)",
		"istio/istio security/pkg/pki/ca/selfsignedcarootcertrotator.go (istiod rotates its self-signed root)",
		"istio/istio pkg/config/constants/constants.go (CACertNamespaceConfigMapDataName: root-cert.pem)",
		"istio.io/latest/docs/tasks/security/cert-management/plugin-ca-cert",
		"istio.io/latest/docs/ops/configuration/security/root-transition",
	},
	Bad: `apiVersion: v1
kind: ConfigMap
metadata: {name: istio-ca-root-cert, namespace: batch}
data:
  root-cert.pem: |
    -----BEGIN CERTIFICATE-----
    MIIBZDCCAQqgAwIBAgIEafPtADAKBggqhkjOPQQDAjAYMRYwFAYDVQQKEw1jbHVz
    dGVyLmxvY2FsMB4XDTE2MDUwMTAwMDAwMFoXDTI2MDUwMTAwMDAwMFowGDEWMBQG
    A1UEChMNY2x1c3Rlci5sb2NhbDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABBRH
    n0NYhaRwh/WR/a6OHh61iGW4M8PvDgHCHan1I7+fC6L3XhmS+mQpKQxV2RZPhqtX
    1rWGwoA0YZkDt6awG3+jQjBAMA4GA1UdDwEB/wQEAwIBBjAPBgNVHRMBAf8EBTAD
    AQH/MB0GA1UdDgQWBBT1Lcf4O+S4yq1k+Foqa4sxhbFcqzAKBggqhkjOPQQDAgNI
    ADBFAiBL9Q3lxooti6H1xkhBefQdRGaJCkc5AUaECnwcCCMpbgIhALZAfXitbBhC
    Yd0NpZO4Vx24pSuafBS9jtRZKa8sC/S5
    -----END CERTIFICATE-----
`,
	Good: `apiVersion: v1
kind: ConfigMap
metadata: {name: istio-ca-root-cert, namespace: batch}
data:
  root-cert.pem: |
    -----BEGIN CERTIFICATE-----
    MIIBaTCCAQ+gAwIBAgIFASOMR4AwCgYIKoZIzj0EAwIwGDEWMBQGA1UEChMNY2x1
    c3Rlci5sb2NhbDAiGA8yMTE1MDEwMTAwMDAwMFoYDzIxMjUwMTAxMDAwMDAwWjAY
    MRYwFAYDVQQKEw1jbHVzdGVyLmxvY2FsMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcD
    QgAE/Q1gRRBH+TnvlQOKe/aY1EkiKlv+pDANsD6nTNDVb5GpdRnDbG431HYvXQpd
    cEnkB/YeaMCHa/N+fp1BhsaCPaNCMEAwDgYDVR0PAQH/BAQDAgEGMA8GA1UdEwEB
    /wQFMAMBAf8wHQYDVR0OBBYEFOJS5SGBWGt8nEtdeiTHoyNX/BVgMAoGCCqGSM49
    BAMCA0gAMEUCIDr0jfAzJZl2GVwTx0Ps5vt1ogSqu5aygW4Sqvo77MpyAiEAme+m
    f6FdilVtVFGP23DvoL+AQQRF/rhJQAtKpVdUUcs=
    -----END CERTIFICATE-----
`,
	Check: checkRootCAExpiring,
}

// rootExpiryWarning is how long before the root's expiry MB706 warns.
const rootExpiryWarning = 30 * 24 * time.Hour

// rootCerts are the input's istio-ca-root-cert ConfigMaps, built once for
// every view of the index.
type rootCerts struct {
	first  map[[32]byte]*manifest.Object // the first copy of each bundle, in input order
	copies map[[32]byte]int
	byNS   map[string]*manifest.Object // the readable copy of each namespace
	any    *manifest.Object            // the first readable copy
}

type rootCertsKey struct{}

func rootCertsOf(ix *rules.Index) *rootCerts {
	return ix.Shared(rootCertsKey{}, func() any {
		rc := &rootCerts{first: map[[32]byte]*manifest.Object{}, copies: map[[32]byte]int{}, byNS: map[string]*manifest.Object{}}
		for _, o := range ix.Every("ConfigMap") {
			c := rules.RootCertOf(o)
			if c == nil || c.Err != "" {
				continue
			}
			if rc.first[c.Sum] == nil {
				rc.first[c.Sum] = o
			}
			rc.copies[c.Sum]++
			rc.byNS[rules.NamespaceOf(o)] = o
			if rc.any == nil {
				rc.any = o
			}
		}
		return rc
	}).(*rootCerts)
}

func checkRootCAExpiring(p *rules.Pass) {
	now := p.Now()
	certs := rootCertsOf(p.Index)
	for _, o := range p.Index.OfKind("ConfigMap") {
		c := rules.RootCertOf(o)
		if c == nil {
			continue
		}
		path := "data" + manifest.Key(mesh.RootCertKey)
		if c.Err != "" {
			p.ReportSeverityf(rules.Warning, o, path, "%s cannot be read as the mesh root certificate: %s", o.Ref(), c.Err)
			continue
		}
		if certs.first[c.Sum] != o {
			continue // reported on the first copy
		}
		others := ""
		if n := certs.copies[c.Sum] - 1; n > 0 {
			others = fmt.Sprintf(" (the same bundle is in %d more namespaces of the input)", n)
		}
		expiry, subject := c.Expiry()
		left := expiry.Sub(now)
		which := ""
		switch {
		case c.Rotation:
			which = fmt.Sprintf(" (the last of the %d roots in the bundle to expire)", c.Certs)
		case c.Certs > 1:
			which = fmt.Sprintf(" (the first of the %d roots in the bundle to expire; their subjects differ, so this "+
				"is no rotation and the others do not carry the trust of what it signed)", c.Certs)
		}
		switch {
		case left <= 0:
			p.Reportf(o, path, "the mesh root certificate in %s (%s)%s expired on %s, %s ago%s: sidecars reject every "+
				"certificate it signed, so mTLS between workloads fails and STRICT peers refuse every call",
				o.Ref(), subject, which, stamp(expiry), span(-left), others)
			continue
		case left <= rootExpiryWarning:
			p.ReportSeverityf(rules.Warning, o, path, "the mesh root certificate in %s (%s)%s expires on %s, in %s%s: "+
				"once it has, mTLS between workloads fails; rotate the root now",
				o.Ref(), subject, which, stamp(expiry), span(left), others)
			continue
		}
		// A rotation under way: the new root holds, the old one goes.
		if old := c.OldestNotAfter; c.Rotation && old.Sub(now) <= rootExpiryWarning {
			verb, when := "expires on", "in "+span(old.Sub(now))
			if !old.After(now) {
				verb, when = "expired on", span(now.Sub(old))+" ago"
			}
			p.ReportSeverityf(rules.Info, o, path, "the bundle in %s holds %d roots: the old root (%s) %s %s, %s, and "+
				"trust continues through the root that expires on %s (%s)%s; remove the old root once workloads hold "+
				"certificates from the new one", o.Ref(), c.Certs, c.OldestSubject, verb, stamp(old), when,
				stamp(c.NotAfter), c.Subject, others)
		}
	}
	for _, w := range p.Index.BatchWorkloads() {
		job, ok := w.Object.Typed.(*batchv1.Job)
		if !ok || !jobRunning(job) || job.Spec.ActiveDeadlineSeconds == nil {
			continue
		}
		end := job.Status.StartTime.Add(time.Duration(*job.Spec.ActiveDeadlineSeconds) * time.Second)
		if !end.After(now) {
			continue // past its deadline: the Job controller is ending it
		}
		expiry, from, cm := rootExpiryFor(p, certs, w.Namespace)
		if expiry.IsZero() || !expiry.Before(end) {
			continue
		}
		verb := "expires"
		if !expiry.After(now) {
			verb = "expired"
		}
		p.Because(cm).Reportf(w.Object, w.JobPath+".activeDeadlineSeconds",
			"%s is running (since %s) and its activeDeadlineSeconds lets it run until %s, but the mesh root certificate "+
				"(%s) %s on %s: from then on its mTLS connections fail, midway through the run",
			w.Object.Ref(), stamp(job.Status.StartTime.Time), stamp(end), from, verb, stamp(expiry))
	}
}

// rootExpiryFor returns the root certificate's expiry that holds for a
// namespace: its own copy, else the root namespace's, else any copy in
// the input, else the cluster's facts; from says which, and cm is the
// ConfigMap, if any.
func rootExpiryFor(p *rules.Pass, certs *rootCerts, ns string) (time.Time, string, *manifest.Object) {
	for _, o := range []*manifest.Object{certs.byNS[ns], certs.byNS[p.Facts.Root()], certs.any} {
		if o != nil {
			expiry, _ := rules.RootCertOf(o).Expiry()
			return expiry, o.Ref(), o
		}
	}
	if t := p.Facts.RootCertExpiry; !t.IsZero() {
		return t, "as `meshbatch facts` read it", nil
	}
	return time.Time{}, "", nil
}

// jobRunning reports whether a Job has started and not finished: it has a
// startTime, no completionTime, is not suspended, and has no terminal
// condition.
func jobRunning(job *batchv1.Job) bool {
	if job.Status.StartTime == nil || job.Status.CompletionTime != nil || (job.Spec.Suspend != nil && *job.Spec.Suspend) {
		return false
	}
	for _, c := range job.Status.Conditions {
		switch c.Type {
		case batchv1.JobComplete, batchv1.JobFailed, batchv1.JobFailureTarget, batchv1.JobSuccessCriteriaMet:
			if c.Status == corev1.ConditionTrue {
				return false
			}
		}
	}
	return true
}

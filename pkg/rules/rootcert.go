package rules

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/mesh"
)

// RootCert is what rules read of the mesh root certificate that istiod
// publishes in the ConfigMap istio-ca-root-cert of every namespace it
// serves (key root-cert.pem): a public certificate, or several while a
// root is rotated. It is the ConfigMap's Summary (see Summarize), so it
// outlives the decoded object.
type RootCert struct {
	// NotAfter and Subject are those of the certificate of the bundle that
	// expires last. A bundle holds more than one root while a root is
	// rotated: workloads trust the old and the new one until their
	// certificates are re-issued by the new.
	NotAfter time.Time
	Subject  string
	// OldestNotAfter and OldestSubject are those of the certificate that
	// expires first, when the bundle holds more than one.
	OldestNotAfter time.Time
	OldestSubject  string
	// Rotation says the bundle's roots, more than one, share a subject, as
	// istiod's self-signed root rotator keeps it: the mesh's trust lasts
	// until the last one expires. Roots of different subjects (a
	// multicluster or plugged-in trust bundle) each sign their own
	// certificates, so the first to expire breaks trust in those.
	Rotation bool
	Certs    int      // certificates in the bundle
	Sum      [32]byte // SHA-256 of the PEM text: the copies of one bundle in many namespaces share it
	Err      string   // why root-cert.pem cannot be read; the rest is unset then
}

// IsRootCert reports whether o is an istio-ca-root-cert ConfigMap.
func IsRootCert(o *manifest.Object) bool {
	return o.Kind == "ConfigMap" && o.Name == mesh.RootCertConfigMap
}

// RootCertOf returns the root certificate an istio-ca-root-cert ConfigMap
// holds, from the decoded object or, once released, its Summary; nil for
// any other object.
func RootCertOf(o *manifest.Object) *RootCert {
	if rc, ok := o.Summary.(*RootCert); ok {
		return rc
	}
	if cm, ok := o.Typed.(*corev1.ConfigMap); ok && IsRootCert(o) {
		return ReadRootCert(cm)
	}
	return nil
}

// ReadRootCert parses the root-cert.pem of an istio-ca-root-cert
// ConfigMap with crypto/x509.
func ReadRootCert(cm *corev1.ConfigMap) *RootCert {
	data, ok := cm.Data[mesh.RootCertKey]
	if !ok {
		return &RootCert{Err: fmt.Sprintf("it has no %s key", mesh.RootCertKey)}
	}
	rc := &RootCert{Sum: sha256.Sum256([]byte(data)), Rotation: true}
	rest := []byte(data)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return &RootCert{Err: fmt.Sprintf("its %s holds a certificate that does not parse: %v", mesh.RootCertKey, err)}
		}
		rc.Certs++
		if rc.Certs > 1 && c.Subject.String() != rc.Subject {
			rc.Rotation = false
		}
		if rc.Certs == 1 || c.NotAfter.After(rc.NotAfter) {
			rc.NotAfter, rc.Subject = c.NotAfter.UTC(), c.Subject.String()
		}
		if rc.Certs == 1 || c.NotAfter.Before(rc.OldestNotAfter) {
			rc.OldestNotAfter, rc.OldestSubject = c.NotAfter.UTC(), c.Subject.String()
		}
	}
	if rc.Certs == 0 {
		return &RootCert{Err: fmt.Sprintf("its %s holds no PEM certificate", mesh.RootCertKey)}
	}
	if rc.Certs == 1 {
		rc.OldestNotAfter, rc.OldestSubject, rc.Rotation = time.Time{}, "", false
	}
	return rc
}

// Expiry is when the bundle's trust ends and the subject of the root
// that ends it: the last root's expiry in a rotation, else the first's.
func (rc *RootCert) Expiry() (time.Time, string) {
	if rc.Certs > 1 && !rc.Rotation {
		return rc.OldestNotAfter, rc.OldestSubject
	}
	return rc.NotAfter, rc.Subject
}

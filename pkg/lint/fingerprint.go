package lint

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Fingerprint hashes the parts that identify a finding, in order, to 32
// hex digits. It is the one definition behind SARIF's partialFingerprints
// (rule, file, object, field path) and the message fingerprints of a
// baseline (pkg/baseline): parts never include a line or a column, so a
// fingerprint survives lines moving.
func Fingerprint(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:16])
}

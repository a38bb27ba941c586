package checks

import (
	"fmt"
	"strings"
	"time"

	"github.com/meshbatch/meshbatch/pkg/rules"
)

// effectiveSecretTTL is the lifetime the agent requests: the istio-proxy
// env entry, else proxyMetadata, else the default 24h. Values that do not
// parse, or are not positive, fall back to 24h as well (pilot-agent logs a
// warning and uses the default; istiod replaces a non-positive TTL with
// DEFAULT_WORKLOAD_CERT_TTL, also 24h by default).
func effectiveSecretTTL(w *rules.Workload) (time.Duration, string) {
	const def = 24 * time.Hour
	settings := w.SecretTTLSettings()
	if len(settings) == 0 {
		return def, "the default SECRET_TTL, 24h"
	}
	last := settings[len(settings)-1]
	if d, err := time.ParseDuration(last.Raw); err == nil && d > 0 {
		return d, "SECRET_TTL=" + last.Raw
	}
	return def, "SECRET_TTL is not a positive Go duration, so the default 24h"
}

// fmtDuration prints a duration the way people think about certificate
// lifetimes: "90d", "36h", "30m".
func fmtDuration(d time.Duration) string {
	switch {
	case d >= 72*time.Hour && d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d >= time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

// istiodOnlyEnv are istiod (pilot-discovery) settings about certificates:
// set on a workload or in its proxyMetadata they do nothing.
var istiodOnlyEnv = map[string]string{
	"MAX_WORKLOAD_CERT_TTL":           "istiod's cap on workload certificate lifetimes",
	"DEFAULT_WORKLOAD_CERT_TTL":       "istiod's lifetime for CSRs that ask for none (pilot-agent always asks for SECRET_TTL)",
	"PILOT_CERT_PROVIDER":             "the provider of istiod's own serving certificate, not of workload certificates",
	"CITADEL_SELF_SIGNED_CA_CERT_TTL": "the lifetime of istiod's self-signed root CA",
	"WORKLOAD_CERT_TTL":               "a Citadel-era name that no Istio component reads",
}

// isIstiodContainer reports whether a container looks like istiod or an
// Istio gateway, whose env legitimately carries istiod settings.
func isIstiodContainer(name, image string) bool {
	return name == "discovery" || strings.Contains(image, "/pilot:") || strings.Contains(image, "/pilot@") ||
		strings.HasSuffix(image, "/pilot") || strings.Contains(image, "proxyv2")
}

// goDuration prints a duration the way Istio's env vars accept it, without
// a day unit: "2160h", "90m".
func goDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

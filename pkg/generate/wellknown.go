package generate

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/meshbatch/meshbatch/internal/suggest"
)

// Well-known destinations: what cloud SDKs and Kubernetes clients reach
// without the job naming it, and what the Sidecar's REGISTRY_ONLY policy
// therefore blocks unless the spec declares it. spec.wellKnownDestinations
// lists them by name.
const (
	// wellKnownKubernetesAPI is the API server, through the kubernetes
	// Service of the default namespace (what in-cluster clients dial).
	wellKnownKubernetesAPI = "kubernetes-api"
	// wellKnownCloudMetadata is the link-local metadata server: the
	// instance metadata of GCE, EC2 and Azure and the GKE metadata server
	// of workload identity (169.254.169.254), and the EKS Pod Identity
	// agent (169.254.170.23).
	wellKnownCloudMetadata = "cloud-metadata"
	// wellKnownAWSSTS is AWS STS: the global endpoint, or with
	// ":<region>" the regional one, which IRSA's token exchange uses when
	// AWS_STS_REGIONAL_ENDPOINTS is regional.
	wellKnownAWSSTS = "aws-sts"
	// wellKnownGCPSTS is Google's Security Token Service, which workload
	// identity federation exchanges tokens with.
	wellKnownGCPSTS = "gcp-sts"
	// wellKnownAzureLogin is Microsoft Entra ID's token endpoint, which
	// AKS workload identity exchanges tokens with.
	wellKnownAzureLogin = "azure-login"
)

var wellKnownNames = []string{wellKnownKubernetesAPI, wellKnownCloudMetadata, wellKnownAWSSTS, wellKnownGCPSTS, wellKnownAzureLogin}

// wellKnownPattern is the schema's reading of one entry.
const wellKnownPattern = `^(kubernetes-api|cloud-metadata|gcp-sts|azure-login|aws-sts(:[a-z]{2}(-[a-z]+)+-[0-9]+)?)$`

var awsRegionRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

// Where the well-known destinations are.
const (
	// kubernetesAPIHost is the kubernetes Service's name in the mesh.
	kubernetesAPIHost = "kubernetes.default.svc.cluster.local"
	// cloudMetadataHost names the metadata server's ServiceEntry. Clients
	// dial its addresses, and the entry's TCP port matches them by
	// address, so the name is only a label (.internal is reserved for
	// private use and resolves nowhere).
	cloudMetadataHost = "cloud-metadata.internal"
)

// cloudMetadataAddresses are the metadata servers' addresses.
var cloudMetadataAddresses = []string{"169.254.169.254", "169.254.170.23"}

// wellKnown resolves spec.wellKnownDestinations into the job: the
// Kubernetes API and the metadata server get objects of their own, the
// STS endpoints become external HTTPS destinations like those of
// spec.destinations.
func (v *validator) wellKnown(j *Job, names []string, ds []Destination) {
	seen := map[string]int{}
	for i, entry := range names {
		path := fmt.Sprintf("spec.wellKnownDestinations[%d]", i)
		if first, dup := seen[entry]; dup {
			v.errorf(path, "%q is already spec.wellKnownDestinations[%d]", entry, first)
			continue
		}
		seen[entry] = i
		name, region, hasRegion := strings.Cut(entry, ":")
		var ext ExternalDestination
		switch {
		case hasRegion && name != wellKnownAWSSTS:
			v.errorf(path, "%q: only aws-sts takes a region (aws-sts:eu-west-1)", entry)
			continue
		case name == wellKnownKubernetesAPI:
			j.KubernetesAPI = true
			continue
		case name == wellKnownCloudMetadata:
			j.CloudMetadata = true
			continue
		case name == wellKnownAWSSTS && !hasRegion:
			ext = stsDestination(name, "sts.amazonaws.com")
		case name == wellKnownAWSSTS && !awsRegionRE.MatchString(region):
			v.errorf(path, "%q is not an AWS region (like eu-west-1)", region)
			continue
		case name == wellKnownAWSSTS:
			domain := "amazonaws.com"
			if strings.HasPrefix(region, "cn-") {
				domain = "amazonaws.com.cn"
			}
			ext = stsDestination(name+"-"+region, "sts."+region+"."+domain)
		case name == wellKnownGCPSTS:
			ext = stsDestination(name, "sts.googleapis.com")
		case name == wellKnownAzureLogin:
			ext = stsDestination(name, "login.microsoftonline.com")
		default:
			msg := fmt.Sprintf("%q is not one of %s (or aws-sts:<region>)", entry, strings.Join(wellKnownNames, ", "))
			if s := suggest.Closest(name, wellKnownNames); s != "" {
				msg += fmt.Sprintf("; did you mean %s?", s)
			}
			v.errorf(path, "%s", msg)
			continue
		}
		for k, d := range ds {
			switch {
			case d.Name == ext.Name:
				v.errorf(path, "%q generates a destination named %s, which spec.destinations[%d] is already called; rename that one", entry, ext.Name, k)
			case d.Host == ext.Host:
				v.errorf(path, "%s is already spec.destinations[%d]; list it once", ext.Host, k)
			}
		}
		j.External = append(j.External, ext)
	}
}

// stsDestination is a token service: HTTPS on 443, TLS by the SDK.
func stsDestination(name, host string) ExternalDestination {
	return ExternalDestination{Name: name, Host: host, Port: 443, Protocol: ProtoHTTPS, TLS: TLSApp}
}

// mbverdict reads one object a line (kind, namespace, name, labels JSON,
// annotations JSON, spec JSON, tab-separated) and writes Istio's verdict,
// "reject <error>" or "accept", a line each, to file descriptor 3 (Istio
// logs to standard output). Kind ProxyConfig is a proxy.istio.io/config
// value (the spec field, a JSON string), judged by the injector's check.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	networking "istio.io/api/networking/v1alpha3"
	security "istio.io/api/security/v1beta1"
	"istio.io/istio/pkg/config"
	"istio.io/istio/pkg/config/validation"
	"istio.io/istio/pkg/kube/inject"
)

var fns = map[string]validation.ValidateFunc{
	"PeerAuthentication":  validation.ValidatePeerAuthentication,
	"AuthorizationPolicy": validation.ValidateAuthorizationPolicy,
	"DestinationRule":     validation.ValidateDestinationRule,
	"ServiceEntry":        validation.ValidateServiceEntry,
	"Sidecar":             validation.ValidateSidecar,
}

func newSpec(kind string) proto.Message {
	switch kind {
	case "PeerAuthentication":
		return &security.PeerAuthentication{}
	case "AuthorizationPolicy":
		return &security.AuthorizationPolicy{}
	case "DestinationRule":
		return &networking.DestinationRule{}
	case "ServiceEntry":
		return &networking.ServiceEntry{}
	}
	return &networking.Sidecar{}
}

func main() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	w := bufio.NewWriter(os.NewFile(3, "verdicts"))
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), "\t", 6)
		var labels, anns map[string]string
		_ = json.Unmarshal([]byte(f[3]), &labels)
		_ = json.Unmarshal([]byte(f[4]), &anns)
		if f[0] == "ProxyConfig" {
			var raw string
			_ = json.Unmarshal([]byte(f[5]), &raw)
			verdict(w, inject.AnnotationValidation["proxy.istio.io/config"](raw))
			continue
		}
		spec := newSpec(f[0])
		// the caller sends the spec as this release's API server passes it
		if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal([]byte(f[5]), spec); err != nil {
			fmt.Fprintf(w, "undecodable %v\n", err)
			_ = w.Flush()
			continue
		}
		_, err := fns[f[0]](config.Config{Meta: config.Meta{Namespace: f[1], Name: f[2], Labels: labels, Annotations: anns}, Spec: spec})
		verdict(w, err)
	}
}

func verdict(w *bufio.Writer, err error) {
	if err != nil {
		fmt.Fprintf(w, "reject %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
	} else {
		fmt.Fprintln(w, "accept")
	}
	// the caller waits for each verdict before it sends the next
	_ = w.Flush()
}

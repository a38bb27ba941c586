package istiovalid

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"istio.io/api/annotation"
	"k8s.io/apimachinery/pkg/api/resource"
)

// podAnnotationChecks are the injector's AnnotationValidation, by name
// (proxy.istio.io/config apart: see ProxyConfigAnnotation).
var podAnnotationChecks = map[string]func(string) error{
	annotation.SidecarInterceptionMode.Name:                   checkInterceptionMode,
	annotation.SidecarStatusPort.Name:                         checkStatusPort,
	annotation.SidecarStatusReadinessInitialDelaySeconds.Name: checkUint32,
	annotation.SidecarStatusReadinessPeriodSeconds.Name:       checkUint32,
	annotation.SidecarStatusReadinessFailureThreshold.Name:    checkUint32,
	annotation.SidecarTrafficIncludeOutboundIPRanges.Name:     checkIncludeIPRanges,
	annotation.SidecarTrafficExcludeOutboundIPRanges.Name:     checkExcludeIPRanges,
	annotation.SidecarTrafficIncludeInboundPorts.Name:         checkIncludeInboundPorts,
	annotation.SidecarTrafficExcludeInboundPorts.Name:         portList("excludeInboundPorts"),
	annotation.SidecarTrafficExcludeOutboundPorts.Name:        portList("excludeOutboundPorts"),
	annotation.SidecarTrafficExcludeInterfaces.Name:           checkInterfaceNames,
	annotation.SidecarTrafficKubevirtInterfaces.Name:          checkInterfaceNames,
	annotation.IoIstioRerouteVirtualInterfaces.Name:           checkInterfaceNames,
	annotation.PrometheusMergeMetrics.Name:                    checkBool,
	annotation.SidecarProxyCPU.Name:                           checkQuantity,
	annotation.SidecarProxyMemory.Name:                        checkQuantity,
	annotation.SidecarProxyCPULimit.Name:                      checkQuantity,
	annotation.SidecarProxyMemoryLimit.Name:                   checkQuantity,
}

// ChecksPodAnnotation reports whether the injector checks the value of
// the annotation name.
func ChecksPodAnnotation(name string) bool {
	_, ok := podAnnotationChecks[name]
	return ok || name == annotation.ProxyConfig.Name
}

// PodAnnotationValue is what the injector's validateAnnotations says of one
// annotation's value: nil when it accepts it (or does not check it). An
// error fails the injection, and the webhook denies the pod.
func PodAnnotationValue(name, value string) error {
	if name == annotation.ProxyConfig.Name {
		if is := ProxyConfigAnnotation(value); is.Rejected() {
			for _, i := range is {
				if !i.Warning {
					return fmt.Errorf("invalid value '%s' for annotation '%s': %s", value, name, i.Msg)
				}
			}
		}
		return nil
	}
	check, ok := podAnnotationChecks[name]
	if !ok {
		return nil
	}
	if err := check(value); err != nil {
		return fmt.Errorf("invalid value '%s' for annotation '%s': %v", value, name, err)
	}
	return nil
}

func checkInterceptionMode(m string) error {
	switch m {
	case "REDIRECT", "TPROXY", "NONE":
		return nil
	}
	return fmt.Errorf("interceptionMode invalid, use REDIRECT,TPROXY,NONE: %v", m)
}

func parseAnnotationPort(s string) error {
	if _, err := strconv.ParseUint(strings.TrimSpace(s), 10, 16); err != nil {
		return fmt.Errorf("failed parsing port '%s': %v", s, err)
	}
	return nil
}

func checkStatusPort(s string) error {
	if err := parseAnnotationPort(s); err != nil {
		// sic: Istio names the wrong annotation here
		return fmt.Errorf("excludeInboundPorts invalid: %v", err)
	}
	return nil
}

func checkUint32(s string) error {
	_, err := strconv.ParseUint(s, 10, 32)
	return err
}

func checkBool(s string) error {
	_, err := strconv.ParseBool(s)
	return err
}

func checkQuantity(s string) error {
	for _, r := range s {
		if unicode.IsControl(r) {
			return fmt.Errorf("value contains control characters")
		}
	}
	_, err := resource.ParseQuantity(s)
	return err
}

func checkCIDRList(s string) error {
	if s == "" {
		return nil
	}
	for _, c := range strings.Split(s, ",") {
		if _, err := netip.ParsePrefix(c); err != nil {
			return fmt.Errorf("failed parsing cidr '%s': %v", c, err)
		}
	}
	return nil
}

func checkIncludeIPRanges(s string) error {
	if s == "*" {
		return nil
	}
	if err := checkCIDRList(s); err != nil {
		return fmt.Errorf("includeIPRanges invalid: %v", err)
	}
	return nil
}

func checkExcludeIPRanges(s string) error {
	if err := checkCIDRList(s); err != nil {
		return fmt.Errorf("excludeIPRanges invalid: %v", err)
	}
	return nil
}

func portList(name string) func(string) error {
	return func(s string) error {
		s = strings.TrimSpace(s)
		if s == "" {
			return nil
		}
		for _, p := range strings.Split(s, ",") {
			if err := parseAnnotationPort(p); err != nil {
				return fmt.Errorf("%s invalid: failed parsing port '%s': %v", name, p, err)
			}
		}
		return nil
	}
}

func checkIncludeInboundPorts(s string) error {
	if s == "*" {
		return nil
	}
	return portList("includeInboundPorts")(s)
}

var interfaceNameRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_.\-]*$`)

func checkInterfaceNames(s string) error {
	if s == "" {
		return nil
	}
	for _, n := range strings.Split(s, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			return fmt.Errorf("empty interface name")
		}
		if len(n) > 15 {
			return fmt.Errorf("interface name %q too long (max 15 chars)", n)
		}
		if !interfaceNameRE.MatchString(n) {
			return fmt.Errorf("interface name %q contains invalid characters", n)
		}
	}
	return nil
}

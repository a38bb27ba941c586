package istiovalid

import (
	"fmt"
	"strings"

	"istio.io/api/annotation"
)

// AsOf is the Istio release whose validation this package follows: its
// checks are held to Istio's own functions at the version e2e/go.mod pins
// (main of 2026-08-27, after the 1.31 branch; its validation is
// release-1.31's). Validation changes between releases: Release
// follows an older one (docs/istio-validation-versions.md lists every
// difference from 1.22 on).
const AsOf = "1.31"

// AsOfMajor and AsOfMinor are AsOf as numbers.
const AsOfMajor, AsOfMinor = 1, 31

// OldestMinor is the oldest 1.x release whose validation Release
// follows; an older one is validated as this one.
const OldestMinor = 22

// Release is the istiod release whose validation to follow, as its 1.x
// minor; the patch is not known, so a check that some patches of the
// minor make and others do not is reported as such (Issue.Patches).
type Release int

// Latest is the release AsOf names.
const Latest Release = AsOfMinor

// ReleaseOf is the release to follow for Istio 1.minor: Latest for a
// later or unknown (0) one, OldestMinor's for an older one.
func ReleaseOf(minor int) Release {
	switch {
	case minor == 0 || minor >= AsOfMinor:
		return Latest
	case minor < OldestMinor:
		return OldestMinor
	}
	return Release(minor)
}

func (r Release) String() string { return fmt.Sprintf("1.%d", int(r)) }

// patchRelease is 1.minor.patch.
type patchRelease struct{ minor, patch int }

func (p patchRelease) String() string { return fmt.Sprintf("1.%d.%d", p.minor, p.patch) }

// span is the releases from from up to but not including to (to.minor
// 0: no end).
type span struct{ from, to patchRelease }

// presence is the releases whose validation has some behaviour.
type presence []span

// since is a behaviour from 1.minor.0 on.
func since(minor int) presence { return presence{{from: patchRelease{minor, 0}}} }

// until is a behaviour of the releases before 1.minor.0 (from the oldest
// one this package follows).
func until(minor int) presence {
	return presence{{from: patchRelease{OldestMinor, 0}, to: patchRelease{minor, 0}}}
}

// and adds the patches of one minor, from 1.minor.from up to but not
// including 1.minor.to (to 0: every later patch of the minor).
func (p presence) and(minor, from, to int) presence {
	end := patchRelease{minor, to}
	if to == 0 {
		end = patchRelease{minor + 1, 0}
	}
	return append(p, span{patchRelease{minor, from}, end})
}

func (a patchRelease) less(b patchRelease) bool {
	return a.minor < b.minor || (a.minor == b.minor && a.patch < b.patch)
}

// at says which patches of release r have the behaviour: all, none, or
// some, named in words ("from 1.24.3", "before 1.23.6").
func (p presence) at(r Release) (all bool, some string) {
	lo, hi := patchRelease{int(r), 0}, patchRelease{int(r) + 1, 0}
	var parts []string
	for _, s := range p {
		to := s.to
		if to.minor == 0 {
			to = hi
		}
		if !s.from.less(hi) || !lo.less(to) {
			continue // no overlap
		}
		if !lo.less(s.from) && !to.less(hi) {
			return true, ""
		}
		switch {
		case lo.less(s.from) && to.less(hi):
			parts = append(parts, fmt.Sprintf("%s to 1.%d.%d", s.from, int(r), to.patch-1))
		case lo.less(s.from):
			parts = append(parts, "from "+s.from.String())
		default:
			parts = append(parts, "before "+to.String())
		}
	}
	return false, strings.Join(parts, " and ")
}

// has reports whether every patch of r has the behaviour.
func (r Release) has(p presence) bool {
	all, _ := p.at(r)
	return all
}

// newerPodAnnotationChecks are the pod annotations whose values the
// injector checks only from some releases on (pkg/kube/inject/validate.go:
// absent at 1.27.5 and 1.28.3, present at 1.27.6, 1.28.4 and 1.29.0), with
// the first 1.x minor that checks them in every patch.
var newerPodAnnotationChecks = map[string]struct {
	minor int
	since string
}{
	annotation.SidecarTrafficExcludeInterfaces.Name:  {29, "1.27.6, 1.28.4 and 1.29"},
	annotation.SidecarTrafficKubevirtInterfaces.Name: {29, "1.27.6, 1.28.4 and 1.29"},
	annotation.IoIstioRerouteVirtualInterfaces.Name:  {29, "1.27.6, 1.28.4 and 1.29"},
	annotation.SidecarProxyCPU.Name:                  {29, "1.27.6, 1.28.4 and 1.29"},
	annotation.SidecarProxyMemory.Name:               {29, "1.27.6, 1.28.4 and 1.29"},
	annotation.SidecarProxyCPULimit.Name:             {29, "1.27.6, 1.28.4 and 1.29"},
	annotation.SidecarProxyMemoryLimit.Name:          {29, "1.27.6, 1.28.4 and 1.29"},
}

// PodAnnotationCheckedSince says from which releases the injector checks
// the annotation's value when some 1.x release at or before minor does not
// check it in every patch ("1.27.6, 1.28.4 and 1.29"); "" when every
// release from 1.minor on checks it as this package does.
func PodAnnotationCheckedSince(name string, minor int) string {
	if c, ok := newerPodAnnotationChecks[name]; ok && minor < c.minor {
		return c.since
	}
	return ""
}

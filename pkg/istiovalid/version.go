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

// Release is the istiod release whose validation to follow: a 1.x minor,
// and its patch when that is known. With the patch unknown, a check that
// some patches of the minor make and others do not is reported as such
// (Issue.Patches); with the patch known, the check is made or not.
type Release struct {
	minor int
	patch int // the patch + 1; 0 when unknown
	from  int // when the patch is unknown, the lowest it may be
}

// Latest is the release AsOf names.
var Latest = Release{minor: AsOfMinor}

// ReleaseOf is the release to follow for Istio 1.minor, patch unknown:
// Latest for a later or unknown (0) one, OldestMinor's for an older one.
func ReleaseOf(minor int) Release {
	switch {
	case minor == 0 || minor >= AsOfMinor:
		return Latest
	case minor < OldestMinor:
		return Release{minor: OldestMinor}
	}
	return Release{minor: minor}
}

// ReleaseAt is the release to follow for Istio 1.minor.patch: ReleaseOf
// the minor, at that patch when the minor is one this package follows
// (a patch of another minor says nothing of the one followed instead).
func ReleaseAt(minor, patch int) Release {
	r := ReleaseOf(minor)
	if r.minor == minor && patch >= 0 {
		r.patch = patch + 1
	}
	return r
}

// Minor is the release's 1.x minor.
func (r Release) Minor() int { return r.minor }

// Patch is the release's patch, and whether it is known.
func (r Release) Patch() (int, bool) { return r.patch - 1, r.patch > 0 }

// Next is the minor after r, patch unknown.
func (r Release) Next() Release { return Release{minor: r.minor + 1} }

// LaterPatches is the patches of r's minor after r's patch, as a release
// whose patch is unknown beyond that (String says only the minor); ok is
// false when r's patch is unknown.
func (r Release) LaterPatches() (later Release, ok bool) {
	p, ok := r.Patch()
	if !ok {
		return Release{}, false
	}
	return Release{minor: r.minor, from: p + 1}, true
}

func (r Release) String() string {
	if p, ok := r.Patch(); ok {
		return fmt.Sprintf("1.%d.%d", r.minor, p)
	}
	return fmt.Sprintf("1.%d", r.minor)
}

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

// contains reports whether release x has the behaviour.
func (p presence) contains(x patchRelease) bool {
	for _, s := range p {
		if !x.less(s.from) && (s.to.minor == 0 || x.less(s.to)) {
			return true
		}
	}
	return false
}

// at says which patches of release r have the behaviour: all, none, or
// some, named in words ("from 1.24.3", "before 1.23.6"). A release whose
// patch is known has it or not: never some.
func (p presence) at(r Release) (all bool, some string) {
	if patch, ok := r.Patch(); ok {
		return p.contains(patchRelease{r.minor, patch}), ""
	}
	lo, hi := patchRelease{r.minor, r.from}, patchRelease{r.minor + 1, 0}
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
			parts = append(parts, fmt.Sprintf("%s to 1.%d.%d", s.from, r.minor, to.patch-1))
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

// injectorNewerChecks are the releases whose injector checks the values of
// newerPodAnnotationChecks (pkg/kube/inject/validate.go: absent at 1.27.5
// and 1.28.3, present at 1.27.6, 1.28.4 and 1.29.0).
var injectorNewerChecks = since(29).and(27, 6, 0).and(28, 4, 0)

// injectorNewerChecksSince names injectorNewerChecks' releases.
const injectorNewerChecksSince = "1.27.6, 1.28.4 and 1.29"

// newerPodAnnotationChecks are the pod annotations whose values the
// injector checks only from some releases on, with those releases.
var newerPodAnnotationChecks = map[string]presence{
	annotation.SidecarTrafficExcludeInterfaces.Name:  injectorNewerChecks,
	annotation.SidecarTrafficKubevirtInterfaces.Name: injectorNewerChecks,
	annotation.IoIstioRerouteVirtualInterfaces.Name:  injectorNewerChecks,
	annotation.SidecarProxyCPU.Name:                  injectorNewerChecks,
	annotation.SidecarProxyMemory.Name:               injectorNewerChecks,
	annotation.SidecarProxyCPULimit.Name:             injectorNewerChecks,
	annotation.SidecarProxyMemoryLimit.Name:          injectorNewerChecks,
}

// PodAnnotationCheckedSince says from which releases the injector checks
// the annotation's value when some 1.x release at or before minor does not
// check it in every patch ("1.27.6, 1.28.4 and 1.29"); "" when every
// release from 1.minor on checks it as this package does.
func PodAnnotationCheckedSince(name string, minor int) string {
	// ReleaseOf takes minor 0 for unknown, which here is 1.0
	if p, ok := newerPodAnnotationChecks[name]; ok && (minor == 0 || !ReleaseOf(minor).has(p)) {
		return injectorNewerChecksSince
	}
	return ""
}

// PodAnnotationCheckedAt says whether release r's injector checks the
// annotation's value as this package does: in every patch of r (or in
// r's patch, when it is known), and otherwise from which releases on it
// does ("1.27.6, 1.28.4 and 1.29"). Each release after one that checks
// checks too.
func PodAnnotationCheckedAt(name string, r Release) (checked bool, since string) {
	if p, ok := newerPodAnnotationChecks[name]; ok && !r.has(p) {
		return false, injectorNewerChecksSince
	}
	return true, ""
}

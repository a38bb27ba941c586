package main

import "runtime/debug"

// Build information, set with -ldflags "-X main.version=..." by make build
// and the release; main fills in what the Go toolchain recorded instead
// (fromBuildInfo).
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

// fromBuildInfo completes the ldflags values that were not set: the module
// version of `go install ...@v1.2.3`, and the VCS revision and time of a
// build in a git checkout.
func fromBuildInfo(info *debug.BuildInfo, version, commit, date string) (string, string, string) {
	if v := info.Main.Version; version == "dev" && v != "" && v != "(devel)" {
		version = v
	}
	for _, s := range info.Settings {
		switch {
		case s.Key == "vcs.revision" && commit == "none" && len(s.Value) >= 7:
			commit = s.Value[:7]
		case s.Key == "vcs.time" && date == "unknown":
			date = s.Value
		}
	}
	return version, commit, date
}

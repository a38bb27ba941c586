package rules

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// errexitEverywhereRE is the unanchored pattern shellErrexit replaces,
// the reference it is checked against.
var errexitEverywhereRE = regexp.MustCompile(`(^|[\s;&|])set\s+(-[a-zA-Z]*e[a-zA-Z]*\b|-o\s+errexit)|(^|/|\s)(ba|da|z|k|a)?sh\s+(-[a-zA-Z]+\s+)*-[a-zA-Z]*e[a-zA-Z]*\b`)

// TestShellErrexit: shellErrexit answers as the unanchored pattern does, on
// command lines and on random ones built from the pieces both read.
func TestShellErrexit(t *testing.T) {
	for _, tc := range []struct {
		line string
		want bool
	}{
		{"set -e; /app; curl -X POST localhost:15020/quitquitquit", true},
		{"/bin/bash -ec /app", true},
		{"sh -c set -o errexit; /app", true},
		{"sh -c /app; curl -fsS -X POST localhost:15020/quitquitquit", false},
		{"reset -e", false},  // not the word set
		{"fish -e x", false}, // not a shell the pattern knows
		{"x;set -eu", true},
	} {
		if got := shellErrexit(tc.line); got != tc.want || got != errexitEverywhereRE.MatchString(tc.line) {
			t.Errorf("shellErrexit(%q) = %v, want %v", tc.line, got, tc.want)
		}
	}
	pieces := []string{"set", "sh", "bash", "dash", "zsh", "ksh", "ash", "fish", "reset", "/bin/", "/", " ", "\t", "\n",
		";", "&", "|", "-e", "-c", "-eu", "-xe", "-o", "errexit", "e", "x", "--", "-", "a", "s", "h", "'", "app"}
	rng := rand.New(rand.NewPCG(5, 8))
	for range 100_000 {
		var b strings.Builder
		for range 1 + rng.IntN(8) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		line := b.String()
		if got, want := shellErrexit(line), errexitEverywhereRE.MatchString(line); got != want {
			t.Fatalf("shellErrexit(%q) = %v, the unanchored pattern says %v", line, got, want)
		}
	}
}

package suggest

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "abc", 3}, {"image", "image", 0},
		{"imgae", "image", 1},                      // a swap of neighbours
		{"kitten", "sitting", 3}, {"ca", "abc", 3}, // optimal string alignment, not full Damerau
	} {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestClosest(t *testing.T) {
	fields := []string{"image", "command", "args", "serviceAccount", "maxDuration", "workloadSelector", "native-sidecar", "sidecar"}
	for _, tc := range []struct{ word, want string }{
		{"imgae", "image"},
		{"ServiceAccount", "serviceAccount"},  // case
		{"service_account", "serviceAccount"}, // separators
		{"native", "native-sidecar"},          // the only candidate it begins
		{"side", "sidecar"},                   // the only candidate it begins
		{"co", ""},                            // too short to count as a beginning
		{"schedule", ""},                      // nothing close
		{"comand", "command"},
		{"workload", "workloadSelector"},
		{"timeout", ""},
		{"a", ""}, // too short to guess
	} {
		if got := Closest(tc.word, fields); got != tc.want {
			t.Errorf("Closest(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
}

// The config file's keys, as the lint config reports them.
func TestClosestConfigKey(t *testing.T) {
	keys := []string{"rules", "ignore", "facts", "format", "failOn", "minSeverity"}
	for in, want := range map[string]string{
		"failon": "failOn", "ignor": "ignore", "minseverity": "minSeverity", "xyz": "", "fats": "facts",
	} {
		if got := Closest(in, keys); got != want {
			t.Errorf("Closest(%q) = %q, want %q", in, got, want)
		}
	}
}

// closestEveryCandidate is Closest measuring every candidate, the
// reference for the length cut-off.
func closestEveryCandidate(word string, candidates []string) string {
	w := normalize(word)
	best, bestDist := "", -1
	var prefixed []string
	for _, c := range candidates {
		n := normalize(c)
		if n == w {
			return c
		}
		if len(w) >= 3 && strings.HasPrefix(n, w) {
			prefixed = append(prefixed, c)
		}
		if d := Distance(w, n); bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	if len(prefixed) == 1 {
		return prefixed[0]
	}
	if bestDist >= 0 && bestDist <= max(1, min(len(word), len(best))/3) {
		return best
	}
	return ""
}

// TestClosestSkipsOnlyFarCandidates: skipping candidates by length
// changes no answer, on random words over a small alphabet (so that many
// are close).
func TestClosestSkipsOnlyFarCandidates(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	word := func() string {
		b := make([]byte, 1+rng.IntN(12))
		for i := range b {
			b[i] = "abcE-_"[rng.IntN(6)]
		}
		return string(b)
	}
	for range 20000 {
		candidates := make([]string, rng.IntN(8))
		for i := range candidates {
			candidates[i] = word()
		}
		w := word()
		if got, want := Closest(w, candidates), closestEveryCandidate(w, candidates); got != want {
			t.Fatalf("Closest(%q, %q) = %q, want %q", w, candidates, got, want)
		}
	}
}

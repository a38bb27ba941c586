package suggest

import "testing"

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

package istiovalid

import (
	"regexp"
	"strings"
	"testing"
)

// TestLabelMatchersAgreeWithRegexps holds isDNS1123Label and
// isWildcardLabel to the regular expressions they replace (Istio's, see
// dns1123Label), on every string of up to four bytes from an alphabet of
// the characters that matter, and on lengths around the 63-byte limit.
func TestLabelMatchersAgreeWithRegexps(t *testing.T) {
	labelRE := regexp.MustCompile(`^` + dns1123Label + `$`)
	wildcardRE := regexp.MustCompile(`^(\*|(\*|\*-)?` + dns1123Label + `)$`)
	alphabet := []string{"a", "Z", "0", "-", "*", ".", "_", "é", " "}
	words := []string{""}
	for range 4 {
		for _, w := range words {
			if len(w) >= 4 {
				continue
			}
			for _, c := range alphabet {
				words = append(words, w+c)
			}
		}
	}
	for _, n := range []int{61, 62, 63, 64, 65} {
		words = append(words, strings.Repeat("a", n), "*"+strings.Repeat("a", n-1), "*-"+strings.Repeat("b", n-2), strings.Repeat("a-", n/2)+"a")
	}
	checked := 0
	for _, w := range words {
		if want := len(w) <= dns1123LabelMax && labelRE.MatchString(w); isDNS1123Label(w) != want {
			t.Errorf("isDNS1123Label(%q) = %v, the regexp says %v", w, !want, want)
		}
		if want := len(w) <= dns1123LabelMax && wildcardRE.MatchString(w); isWildcardLabel(w) != want {
			t.Errorf("isWildcardLabel(%q) = %v, the regexp says %v", w, !want, want)
		}
		checked++
	}
	if checked < 6000 {
		t.Fatalf("only %d strings checked", checked)
	}
}

// Package suggest finds the word a misspelt one was meant to be, for the
// "did you mean" of error messages and findings.
package suggest

import "strings"

// Closest returns the candidate a misspelt word was most likely meant to
// be, or "" when none is close: the same letters ignoring case, '-' and
// '_'; else the only candidate the word begins (at least 3 letters); else
// the nearest within an edit distance of a third of the shorter word
// (at least 1).
func Closest(word string, candidates []string) string {
	w := normalize(word)
	best, bestDist := "", -1
	var prefixed []string
	// No candidate further than reach is returned, and the distance is at
	// least the difference in length: those are not measured.
	reach := max(1, len(word)/3)
	for _, c := range candidates {
		n := normalize(c)
		if n == w {
			return c
		}
		if len(w) >= 3 && strings.HasPrefix(n, w) {
			prefixed = append(prefixed, c)
		}
		if len(n) > len(w)+reach || len(w) > len(n)+reach {
			continue
		}
		if d := Distance(w, n); bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	if len(prefixed) == 1 {
		return prefixed[0] // "native" for native-sidecar
	}
	if bestDist >= 0 && bestDist <= max(1, min(len(word), len(best))/3) {
		return best
	}
	return ""
}

var normalizer = strings.NewReplacer("-", "", "_", "")

func normalize(s string) string { return normalizer.Replace(strings.ToLower(s)) }

// Distance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and swaps of neighbours ("imgae")
// cost one each.
func Distance(a, b string) int {
	// Three rows: the swap looks two rows back.
	prev2, prev, cur := make([]int, len(b)+1), make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

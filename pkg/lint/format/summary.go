package format

import (
	"fmt"
	"sort"
	"strings"

	"github.com/meshbatch/meshbatch/pkg/lint"
	"github.com/meshbatch/meshbatch/pkg/rules"
)

// Summary is the one-line tally shared by the human formats. Everything
// that was read but not shown is counted, so a quiet run says why.
func Summary(res *lint.Result) string {
	c := res.Counts()
	from := plural(res.Stats.Files, "file")
	switch {
	case res.Stats.Cluster != "" && res.Stats.Files == 0:
		from = "cluster " + Printable(res.Stats.Cluster)
	case res.Stats.Cluster != "":
		from += " and cluster " + Printable(res.Stats.Cluster)
	}
	s := fmt.Sprintf("%s, %s, %s in %s from %s",
		plural(c[rules.Error], "error"), plural(c[rules.Warning], "warning"), plural(c[rules.Info], "info"),
		plural(res.Stats.Objects, "object"), from)
	var extra []string
	if n := len(res.InputErrors); n > 0 {
		// Said here too: a summary of zero findings must not read as a
		// clean result when part of the input was never linted.
		extra = append(extra, plural(n, "input")+" not read")
	}
	if n := len(res.FixErrors); n == 1 {
		extra = append(extra, "1 fix not built")
	} else if n > 1 {
		extra = append(extra, fmt.Sprintf("%d fixes not built", n))
	}
	if n := res.Suppressed.Len(); n > 0 {
		extra = append(extra, fmt.Sprintf("%d suppressed", n))
	}
	if n := res.Baselined.Len(); n > 0 {
		extra = append(extra, fmt.Sprintf("%d baselined", n))
	}
	if n := len(res.Stale); n == 1 {
		extra = append(extra, "1 stale baseline entry")
	} else if n > 1 {
		extra = append(extra, fmt.Sprintf("%d stale baseline entries", n))
	}
	if n := res.Stats.OnOwner; n > 0 {
		extra = append(extra, fmt.Sprintf("%d on controlled objects reported on their controller", n))
	}
	if n := res.Stats.Hidden; n > 0 {
		extra = append(extra, fmt.Sprintf("%d below --min-severity", n))
	}
	if n := res.Stats.Skipped; n > 0 {
		extra = append(extra, fmt.Sprintf("%s of kinds no rule reads", plural(n, "object")))
	}
	if n := res.Stats.NotManifests; n > 0 {
		extra = append(extra, fmt.Sprintf("%s without apiVersion/kind skipped", plural(n, "document")))
	}
	if n := res.Stats.Silenced; n > 0 {
		ids := make([]string, 0, len(res.Stats.SilencedByRule))
		for id := range res.Stats.SilencedByRule {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		extra = append(extra, fmt.Sprintf("%s silenced by partial input: %s", plural(n, "check"), strings.Join(ids, ", ")))
	}
	if len(extra) > 0 {
		s += " (" + strings.Join(extra, ", ") + ")"
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

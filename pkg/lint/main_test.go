package lint

import (
	"flag"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestMain runs every test of the package with the recycled buffers of
// file bytes overwritten once used: an object, a finding or a position
// that kept bytes of them would read garbage, and the golden files and the
// equivalence tests would show it. Benchmarks run without it: it costs.
func TestMain(m *testing.M) {
	flag.Parse()
	if bench := flag.Lookup("test.bench"); bench == nil || bench.Value.String() == "" {
		poisonBuffers = true
	}
	os.Exit(m.Run())
}

// asRendered compares Results as the formats read them: their findings
// rendered, Result's own unexported fields left out.
var asRendered = cmp.Options{
	cmpopts.IgnoreUnexported(Result{}),
	cmp.Transformer("Rendered", func(fs Findings) []Finding { return slices.Collect(fs.All()) }),
}

// fixedNow is the clock of the tests that compare runs: the live rules'
// messages say how long ago things happened, and two runs must not
// straddle a change of that wording.
var fixedNow = time.Date(2026, time.June, 1, 12, 0, 0, 0, time.UTC)

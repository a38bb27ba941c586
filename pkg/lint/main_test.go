package lint

import (
	"flag"
	"os"
	"testing"
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

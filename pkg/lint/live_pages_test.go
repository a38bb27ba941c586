package lint

import (
	"context"
	"fmt"
	"io"
	"testing"
)

// TestLiveHoldsOnePage: the loader reads the cluster's next page only
// once the raw bytes of the one before are decoded and recycled, so it
// never holds more than one page of raw objects (issue 18), whatever the
// number of workers: the counter of pages held goes no higher than one,
// and back to none at the end.
func TestLiveHoldsOnePage(t *testing.T) {
	var docs []string
	for i := range 3000 {
		docs = append(docs, fmt.Sprintf(`{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"etl-%d","namespace":"batch"},`+
			`"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"app","image":"etl:1"}]}}}}`+"\n", i))
	}
	for _, workers := range []int{1, 2, 8} {
		t.Run(fmt.Sprint(workers, " workers"), func(t *testing.T) {
			src := &LiveSource{Context: "prod", Next: pagesOf(docs, 500, io.EOF), SpoolDir: t.TempDir()}
			l, err := load(context.Background(), nil, Options{Live: src, Workers: workers})
			if err != nil {
				t.Fatal(err)
			}
			defer l.live.close()
			if len(l.objects) != len(docs) {
				t.Fatalf("%d objects loaded, want %d", len(l.objects), len(docs))
			}
			if l.live.mostHeld != 1 || l.live.pagesHeld.Load() != 0 {
				t.Errorf("at most %d pages of raw objects held at once, %d at the end; want 1 and 0", l.live.mostHeld, l.live.pagesHeld.Load())
			}
		})
	}
}

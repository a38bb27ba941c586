package manifest

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSmokeCorpus(t *testing.T) {
	files, _ := filepath.Glob("/work/shared/corpus/*/*.yaml")
	n, typed := 0, 0
	for _, f := range files {
		data, _ := os.ReadFile(f)
		objs, probs := ReadFile(f, data, Limits{})
		for _, o := range objs {
			n++
			if o.Typed != nil {
				typed++
			}
		}
		for _, p := range probs {
			t.Logf("%v", p)
		}
	}
	t.Logf("%d files %d objects %d typed", len(files), n, typed)
}

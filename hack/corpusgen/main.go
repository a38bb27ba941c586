// Command corpusgen writes a synthetic corpus of batch-job manifests for
// benchmarks: N objects, 20 documents per file, one team namespace a file.
//
//	go -C hack run ./corpusgen -n 100000 -o ../.cache/bench/corpus-100000
//	go -C hack run ./corpusgen -findings -n 100000 -o ../.cache/bench/corpus-findings-100000
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/meshbatch/meshbatch/internal/corpusgen"
)

func main() {
	n := flag.Int("n", 10000, "number of objects (documents)")
	out := flag.String("o", "", "output directory (required; created)")
	seed := flag.Uint64("seed", 1, "random seed; the same seed gives the same files")
	heavy := flag.Bool("findings", false, "findings-heavy: most Jobs and CronJobs carry one to three findings, as in a repository adopting meshbatch")
	flag.Parse()
	if *out == "" || *n <= 0 {
		fmt.Fprintln(os.Stderr, "usage: corpusgen -n OBJECTS -o DIR [-seed N] [-findings]")
		os.Exit(2)
	}
	files, size, err := corpusgen.WriteDir(*out, corpusgen.Options{Objects: *n, Seed: *seed, FindingsHeavy: *heavy})
	if err != nil {
		fmt.Fprintln(os.Stderr, "corpusgen:", err)
		os.Exit(1)
	}
	fmt.Printf("%d objects in %d files, %.1f MB, under %s\n", *n, files, float64(size)/1e6, *out)
}

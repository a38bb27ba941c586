// Command benchproc times commands as whole processes: wall time, CPU time
// and peak RSS (the kernel's accounting of each finished child), over
// several rounds. The commands run in turn within each round (A B C, A B
// C, ...) so that a machine whose speed drifts slows them alike, and
// ratios are taken round by round before the median.
//
//	benchproc -n 5 -cmd 'lint=bin/meshbatch lint corpus' -cmd 'floor=bin/floor corpus' -ratio lint/floor
//
// -rss-ratio A/B prints the ratio of the peak RSS columns as well, for two
// builds of one program.
//
// A command is split at spaces, without a shell; its output is discarded.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

type command struct {
	name string
	argv []string
	wall []time.Duration
	cpu  []time.Duration
	rss  []int64 // KiB
	exit int
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ", ") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func main() {
	var cmds, ratios, rssRatios listFlag
	runs := flag.Int("n", 5, "counted rounds")
	warmup := flag.Int("warmup", 1, "rounds run first and not counted (they fill the page cache)")
	flag.Var(&cmds, "cmd", "NAME=COMMAND to time (repeatable)")
	flag.Var(&ratios, "ratio", "A/B: print the median of A's wall time over B's, round by round (repeatable)")
	flag.Var(&rssRatios, "rss-ratio", "A/B: print A's peak RSS over B's (repeatable)")
	flag.Parse()
	var all []*command
	byName := map[string]*command{}
	for _, c := range cmds {
		name, line, ok := strings.Cut(c, "=")
		argv := strings.Fields(line)
		if !ok || len(argv) == 0 {
			fail("-cmd %q: want NAME=COMMAND", c)
		}
		cmd := &command{name: name, argv: argv}
		all = append(all, cmd)
		byName[name] = cmd
	}
	if len(all) == 0 || *runs < 1 {
		fail("usage: benchproc [-n RUNS] [-warmup N] -cmd NAME=COMMAND ... [-ratio A/B ...]")
	}
	for round := 0; round < *warmup+*runs; round++ {
		for _, c := range all {
			wall, cpu, rss, code, err := runOnce(c.argv)
			if err != nil {
				fail("%s: %v", c.name, err)
			}
			c.exit = code
			if round >= *warmup {
				c.wall, c.cpu, c.rss = append(c.wall, wall), append(c.cpu, cpu), append(c.rss, rss)
			}
		}
	}
	fmt.Printf("%-10s %10s %10s %10s %10s %12s %5s\n", "command", "wall med", "wall min", "wall max", "cpu med", "peak RSS MB", "exit")
	for _, c := range all {
		fmt.Printf("%-10s %10s %10s %10s %10s %12.1f %5d\n", c.name,
			secs(median(c.wall)), secs(slices.Min(c.wall)), secs(slices.Max(c.wall)),
			secs(median(c.cpu)), float64(slices.Max(c.rss))/1024, c.exit)
	}
	for _, r := range ratios {
		an, bn, _ := strings.Cut(r, "/")
		a, b := byName[an], byName[bn]
		if a == nil || b == nil {
			fmt.Printf("ratio %s: skipped (%s not timed)\n", r, missing(a, an, bn))
			continue
		}
		var rs []float64
		for i := range a.wall {
			rs = append(rs, a.wall[i].Seconds()/b.wall[i].Seconds())
		}
		slices.Sort(rs)
		fmt.Printf("ratio %-18s median %.2f (min %.2f, max %.2f)\n", r, rs[len(rs)/2], rs[0], rs[len(rs)-1])
	}
	for _, r := range rssRatios {
		an, bn, _ := strings.Cut(r, "/")
		a, b := byName[an], byName[bn]
		if a == nil || b == nil {
			fmt.Printf("rss ratio %s: skipped (%s not timed)\n", r, missing(a, an, bn))
			continue
		}
		fmt.Printf("rss ratio %-14s %.2f (peak RSS %.1f / %.1f MB)\n", r,
			float64(slices.Max(a.rss))/float64(slices.Max(b.rss)), float64(slices.Max(a.rss))/1024, float64(slices.Max(b.rss))/1024)
	}
	fmt.Printf("%d rounds after %d warm-up, median of each\n", *runs, *warmup)
}

func missing(a *command, an, bn string) string {
	if a == nil {
		return an
	}
	return bn
}

// runOnce runs argv with its output discarded and returns the wall time,
// the user+system CPU time, the peak RSS in KiB and the exit code.
func runOnce(argv []string) (time.Duration, time.Duration, int64, int, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if cmd.ProcessState == nil {
		return 0, 0, 0, 0, err
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return wall, cpu, ru.Maxrss, cmd.ProcessState.ExitCode(), nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func secs(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%.1fms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "benchproc: "+format+"\n", args...)
	os.Exit(2)
}

package fix

import (
	"bytes"
	"fmt"
	"io"
)

// Diff writes the unified diff (3 lines of context) that turns old into
// new, with name in the headers; nothing when they are equal. The lines
// are compared whole, line breaks included, so a changed line break shows.
func Diff(w io.Writer, name string, old, new []byte) error {
	a, b := splitLines(old), splitLines(new)
	ops := diffLines(a, b)
	hunks := groupHunks(ops, 3)
	if len(hunks) == 0 {
		return nil
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "--- a/%s\n+++ b/%s\n", name, name)
	for _, h := range hunks {
		fmt.Fprintf(&buf, "@@ -%s +%s @@\n", hunkRange(h.aStart, h.aLen), hunkRange(h.bStart, h.bLen))
		for _, op := range h.ops {
			var line []byte
			switch op.kind {
			case ' ', '-':
				line = a[op.a]
			case '+':
				line = b[op.b]
			}
			buf.WriteByte(op.kind)
			buf.Write(line)
			if !bytes.HasSuffix(line, []byte("\n")) {
				buf.WriteString("\n\\ No newline at end of file\n")
			}
		}
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func hunkRange(start, n int) string {
	if n == 1 {
		return fmt.Sprint(start)
	}
	if n == 0 {
		start-- // an empty range names the line before it
	}
	return fmt.Sprintf("%d,%d", start, n)
}

func splitLines(data []byte) [][]byte {
	var lines [][]byte
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			lines = append(lines, data)
			break
		}
		lines = append(lines, data[:i+1])
		data = data[i+1:]
	}
	return lines
}

// op is one line of an edit script: ' ' kept, '-' deleted from a, '+'
// inserted from b; a and b are its indexes.
type op struct {
	kind byte
	a, b int
}

// diffLines finds a shortest edit script from a to b with Myers' O(ND)
// algorithm, after taking off the common prefix and suffix (a fix changes
// a few lines of a file).
func diffLines(a, b [][]byte) []op {
	pre := 0
	for pre < len(a) && pre < len(b) && bytes.Equal(a[pre], b[pre]) {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && bytes.Equal(a[len(a)-1-suf], b[len(b)-1-suf]) {
		suf++
	}
	var ops []op
	for i := range pre {
		ops = append(ops, op{' ', i, i})
	}
	for _, o := range myers(a[pre:len(a)-suf], b[pre:len(b)-suf]) {
		ops = append(ops, op{o.kind, o.a + pre, o.b + pre})
	}
	for i := range suf {
		ops = append(ops, op{' ', len(a) - suf + i, len(b) - suf + i})
	}
	return ops
}

func myers(a, b [][]byte) []op {
	n, m := len(a), len(b)
	maxD := n + m
	off := maxD + 1
	v := make([]int, 2*maxD+3)
	var trace [][]int
	for d := 0; d <= maxD; d++ {
		trace = append(trace, append([]int(nil), v...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || k != d && v[off+k-1] < v[off+k+1] {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && bytes.Equal(a[x], b[y]) {
				x, y = x+1, y+1
			}
			v[off+k] = x
			if x >= n && y >= m {
				return backtrack(trace, d, n, m, off)
			}
		}
	}
	return nil
}

// backtrack walks the saved frontiers back from (n, m) to build the script.
func backtrack(trace [][]int, d, n, m, off int) []op {
	var rev []op
	x, y := n, m
	for ; d > 0; d-- {
		v := trace[d] // the frontier before step d
		k := x - y
		var prevK int
		if k == -d || k != d && v[off+k-1] < v[off+k+1] {
			prevK = k + 1
		} else {
			prevK = k - 1
		}
		prevX := v[off+prevK]
		prevY := prevX - prevK
		for x > prevX && y > prevY {
			x, y = x-1, y-1
			rev = append(rev, op{' ', x, y})
		}
		if x == prevX {
			y--
			rev = append(rev, op{'+', x, y})
		} else {
			x--
			rev = append(rev, op{'-', x, y})
		}
	}
	for x > 0 && y > 0 {
		x, y = x-1, y-1
		rev = append(rev, op{' ', x, y})
	}
	ops := make([]op, len(rev))
	for i, o := range rev {
		ops[len(rev)-1-i] = o
	}
	return ops
}

type hunk struct {
	aStart, aLen, bStart, bLen int
	ops                        []op
}

// groupHunks cuts the script into hunks of changes with ctx lines of
// context around them, merging hunks whose context would touch.
func groupHunks(ops []op, ctx int) []hunk {
	var hunks []hunk
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := max(i-ctx, 0)
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*ctx {
				end = min(end+ctx, len(ops))
				break
			}
			end = run
		}
		h := hunk{ops: ops[start:end]}
		h.aStart, h.bStart = ops[start].a+1, ops[start].b+1
		for _, o := range h.ops {
			if o.kind != '+' {
				h.aLen++
			}
			if o.kind != '-' {
				h.bLen++
			}
		}
		hunks = append(hunks, h)
		i = end
	}
	return hunks
}

// DeletedLines returns the 0-based lines of old that a shortest line diff
// to new deletes or replaces: the lines new does not keep as they were.
func DeletedLines(old, new []byte) []int {
	var out []int
	for _, o := range diffLines(splitLines(old), splitLines(new)) {
		if o.kind == '-' {
			out = append(out, o.a)
		}
	}
	return out
}

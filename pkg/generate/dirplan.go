package generate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// change is one file of the output directory that differs from the
// generated set.
type change struct {
	name     string
	old, new []byte // nil: the file does not exist (old) or goes away (new)
	foreign  bool   // it exists and meshbatch did not generate it
	special  string // it exists and is not a regular file: "a symbolic link", ...
	// owners are the other specs that generated the file, when this spec
	// would change what they wrote: two specs that disagree about a
	// shared object, or that write the same object.
	owners []string
	shared bool
}

// dirPlan is what writing the files to a directory would change.
type dirPlan struct {
	dir       string
	changes   []change
	unchanged int
}

// planDir compares the generated files with the directory. runSources
// are the specs of the run; inRun says which specs named in headers the
// run answers for (its own, and those of the spec directories it was
// given, see claimedBy). Files that carry only such specs in their header
// and are no longer generated are stale: a destination removed from a
// spec, or a spec removed from its directory, must not leave its policy
// behind. Shared files (the Namespace and its PeerAuthentication) name in
// their header every spec that generates them; a run adds or removes only
// its own specs, so runs of the jobs of one namespace, per spec or
// together, agree. Only files with a meshbatch header are read whole; for
// the others the first 4 KiB say so, and a large unrelated file costs
// nothing.
func planDir(dir string, runSources []string, inRun func(source string) bool, files []File) (*dirPlan, error) {
	p := &dirPlan{dir: dir}
	wanted := map[string]bool{}
	for _, f := range files {
		wanted[f.Name] = true
	}
	existing := map[string][]byte{}
	special := map[string]string{} // entries that are not regular files
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		if !e.Type().IsRegular() {
			special[e.Name()] = describeType(e.Type())
			continue
		}
		path := filepath.Join(dir, e.Name())
		if !wanted[e.Name()] {
			head, err := readHead(path)
			if err != nil {
				return nil, err
			}
			if !bytes.HasPrefix(head, []byte(headerPrefix)) {
				continue // not meshbatch's: never touched
			}
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		existing[e.Name()] = data
	}
	for _, f := range files {
		if what := special[f.Name]; what != "" {
			// Renaming over it would replace a link or a pipe someone put
			// there: meshbatch never wrote one.
			p.changes = append(p.changes, change{name: f.Name, new: f.Data, foreign: true, special: what})
			continue
		}
		old, ok := existing[f.Name]
		if !ok {
			p.changes = append(p.changes, change{name: f.Name, new: f.Data})
			continue
		}
		sources, body, generated := parseHeader(old)
		if !generated {
			p.changes = append(p.changes, change{name: f.Name, old: old, new: f.Data, foreign: true})
			continue
		}
		c := change{name: f.Name, old: old, new: f.Data, shared: f.Shared}
		if others := slices.DeleteFunc(slices.Clone(sources), inRun); len(others) > 0 {
			_, newBody, _ := parseHeader(f.Data)
			if f.Shared && bytes.Equal(body, newBody) {
				c.new = append([]byte(sharedHeader(append(others, f.sourcesOr(runSources)...))), body...)
			} else {
				c.owners = others
			}
		}
		if bytes.Equal(c.old, c.new) {
			p.unchanged++
			continue
		}
		p.changes = append(p.changes, c)
	}
	for _, name := range sortedKeys(existing) {
		if wanted[name] {
			continue
		}
		sources, body, _ := parseHeader(existing[name])
		if !slices.ContainsFunc(sources, inRun) {
			continue // other specs'
		}
		c := change{name: name, old: existing[name]}
		if others := slices.DeleteFunc(slices.Clone(sources), inRun); len(others) > 0 {
			c.new = append([]byte(sharedHeader(others)), body...)
		}
		p.changes = append(p.changes, c)
	}
	slices.SortFunc(p.changes, func(a, b change) int { return strings.Compare(a.name, b.name) })
	return p, nil
}

func describeType(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "not a regular file"
}

// readHead reads the first 4 KiB of a file.
func readHead(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, 4096)
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	return buf[:n], nil
}

// refuse stops before a file meshbatch did not write, or that another
// spec wrote differently, is replaced.
func (p *dirPlan) refuse(force bool) error {
	var names []string
	for _, c := range p.changes {
		if c.special != "" {
			return fmt.Errorf("%s is %s, where meshbatch writes a file: move it away (--force does not replace it); nothing was written",
				filepath.Join(p.dir, c.name), c.special)
		}
		if c.foreign && !force {
			names = append(names, filepath.Join(p.dir, c.name))
		}
	}
	if len(names) > 0 {
		return fmt.Errorf("%s: not generated by meshbatch (no %q header), so not overwritten; move it away or pass --force; nothing was written",
			strings.Join(names, ", "), strings.TrimSpace(headerPrefix))
	}
	if force {
		return nil
	}
	var shared, owned []change
	for _, c := range p.changes {
		switch {
		case len(c.owners) == 0:
		case c.shared:
			shared = append(shared, c)
		default:
			owned = append(owned, c)
		}
	}
	var msgs []string
	for _, cs := range [][]change{shared, owned} {
		if len(cs) > 0 {
			msgs = append(msgs, p.conflict(cs))
		}
	}
	if len(msgs) > 0 {
		return fmt.Errorf("%s; nothing was written", strings.Join(msgs, "; "))
	}
	return nil
}

// conflict says why changes, all to shared files or all to others, would
// overwrite what other specs generated.
func (p *dirPlan) conflict(cs []change) string {
	var paths, owners []string
	for _, c := range cs {
		paths = append(paths, filepath.Join(p.dir, c.name))
		owners = append(owners, c.owners...)
	}
	slices.Sort(owners)
	owners = slices.Compact(owners)
	if cs[0].shared {
		return fmt.Sprintf("%s: also generated from %s, differently: the jobs of one namespace share these files, "+
			"so their specs must agree on mesh.dataplane and mesh.istioVersion",
			strings.Join(paths, ", "), strings.Join(owners, ", "))
	}
	return fmt.Sprintf("%s: generated from %s: two specs would write the same objects "+
		"(the same name, or the same serviceAccount, in one namespace?); "+
		"if this spec was moved or renamed, pass --force to take the files over",
		strings.Join(paths, ", "), strings.Join(owners, ", "))
}

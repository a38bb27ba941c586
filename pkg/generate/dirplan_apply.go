package generate

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// apply makes the changes so that the directory ends up either fully
// updated or as it was. Every new file and a backup of every file to be
// replaced or removed are first written to temporary files in the
// directory and synced; then the renames happen, and are undone from the
// backups if one fails.
func (p *dirPlan) apply() (err error) {
	if len(p.changes) == 0 {
		return nil
	}
	// The directories this run creates (the output directory and any
	// missing parents) go again if it fails: leave no trace of a failure.
	var created []string
	for d := filepath.Clean(p.dir); ; d = filepath.Dir(d) {
		if _, statErr := os.Lstat(d); !errors.Is(statErr, fs.ErrNotExist) {
			break
		}
		created = append(created, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	defer func() {
		if err != nil {
			for _, d := range created { // deepest first; only empty ones go
				os.Remove(d)
			}
		}
	}()
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return err
	}
	type step struct {
		target, tmp, backup string // tmp: the new content; backup: the old
	}
	var steps []step
	var temps []string
	defer func() {
		for _, t := range temps {
			os.Remove(t)
		}
	}()
	for _, c := range p.changes {
		s := step{target: filepath.Join(p.dir, c.name)}
		if c.new != nil {
			if s.tmp, err = writeTemp(p.dir, c.new); err != nil {
				return err
			}
			temps = append(temps, s.tmp)
		}
		if c.old != nil {
			if s.backup, err = writeTemp(p.dir, c.old); err != nil {
				return err
			}
			temps = append(temps, s.backup)
		}
		steps = append(steps, s)
	}
	for i, s := range steps {
		var opErr error
		if s.tmp != "" {
			opErr = rename(s.tmp, s.target)
		} else {
			opErr = os.Remove(s.target)
		}
		if opErr != nil {
			for _, done := range slices.Backward(steps[:i]) {
				if done.backup != "" {
					os.Rename(done.backup, done.target)
				} else {
					os.Remove(done.target)
				}
			}
			return fmt.Errorf("%w; the directory was restored", opErr)
		}
	}
	return syncDir(p.dir)
}

// rename is os.Rename; tests make it fail half-way.
var rename = os.Rename

// writeTemp writes data to a new hidden file in dir and syncs it.
func writeTemp(dir string, data []byte) (string, error) {
	f, err := os.CreateTemp(dir, ".meshbatch-*.tmp")
	if err != nil {
		return "", err
	}
	name := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(name, 0o644)
	}
	if err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

// syncDir makes the renames durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, fs.ErrInvalid) {
		return err
	}
	return nil
}

package render

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// kustomizationRefs is the part of a kustomization file that names other
// files and directories, and the generators that would reach further.
type kustomizationRefs struct {
	Kind       string   `yaml:"kind"`
	Resources  []string `yaml:"resources"`
	Bases      []string `yaml:"bases"`
	Components []string `yaml:"components"`
	HelmCharts []struct {
		Name string `yaml:"name"`
		Repo string `yaml:"repo"`
	} `yaml:"helmCharts"`
	Generators []string `yaml:"generators"`
}

func readKustomization(dir string) (*kustomizationRefs, string, error) {
	file := KustomizationFile(dir)
	if file == "" {
		return nil, "", fmt.Errorf("%s: no kustomization file", dir)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, file, err
	}
	var k kustomizationRefs
	if err := yaml.Unmarshal(data, &k); err != nil {
		return nil, file, fmt.Errorf("%s: %v", file, err)
	}
	return &k, file, nil
}

// LocalBases returns the Kustomize directories dir's kustomization uses as
// resources, bases or components, as paths joined to dir. Files, remote
// references and paths that do not exist are left out.
func LocalBases(dir string) []string {
	k, _, err := readKustomization(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, r := range append(append(append([]string(nil), k.Resources...), k.Bases...), k.Components...) {
		if IsRemote(r) {
			continue
		}
		p := filepath.Join(dir, r)
		if fi, err := os.Stat(p); err == nil && fi.IsDir() && KustomizationFile(p) != "" {
			out = append(out, p)
		}
	}
	return out
}

// IsComponent reports whether dir's kustomization is a Component (kind:
// Component), which overlays take under components: rather than as a base.
func IsComponent(dir string) bool {
	k, _, err := readKustomization(dir)
	return err == nil && k.Kind == "Component"
}

// IsRemote reports whether a kustomization's reference is a URL or a git
// repository rather than a local path: kustomize would fetch it.
func IsRemote(ref string) bool {
	if strings.Contains(ref, "://") || strings.HasPrefix(ref, "git@") || strings.Contains(ref, "?ref=") ||
		strings.Contains(ref, "?version=") || strings.Contains(ref, ".git//") {
		return true
	}
	if _, err := os.Stat(ref); err == nil || filepath.IsAbs(ref) {
		return false
	}
	// github.com/org/repo/path: a host name first, as kustomize reads it.
	first, _, found := strings.Cut(ref, "/")
	return found && strings.Contains(first, ".") && first != "." && first != ".."
}

// RemoteRefs walks dir's kustomization and the local ones it uses, and
// returns what would need the network: remote resources, bases and
// components, Helm charts to inflate, generators. Each is described with
// the kustomization file that names it.
func RemoteRefs(dir string) []Error {
	var out []Error
	seen := map[string]bool{}
	var walk func(dir string)
	walk = func(dir string) {
		abs, err := filepath.Abs(dir)
		if err != nil || seen[abs] {
			return
		}
		seen[abs] = true
		k, file, err := readKustomization(dir)
		if err != nil {
			return // kustomize says what is wrong with it
		}
		for _, r := range append(append(append([]string(nil), k.Resources...), k.Bases...), k.Components...) {
			local := filepath.Join(dir, r)
			if _, err := os.Stat(local); err == nil {
				if KustomizationFile(local) != "" {
					walk(local)
				}
				continue
			}
			if IsRemote(r) {
				out = append(out, Error{File: file, Line: lineOf(file, r), Msg: fmt.Sprintf(
					"%s is remote: meshbatch builds Kustomize directories offline; vendor it into the repository, or lint the built output (kustomize build %s | meshbatch lint -)", r, dir)})
			}
		}
		for _, h := range k.HelmCharts {
			out = append(out, Error{File: file, Line: lineOf(file, "helmCharts"), Msg: fmt.Sprintf(
				"helmCharts (%s) needs the helm binary and the chart's repository: meshbatch builds Kustomize directories offline; lint the chart directly (meshbatch lint CHART_DIR), or the built output (kustomize build --enable-helm %s | meshbatch lint -)", h.Name, dir)})
		}
	}
	walk(dir)
	return out
}

// lineOf is the first line of file that holds s, 0 when none does.
func lineOf(file, s string) int {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	for i, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, s) {
			return i + 1
		}
	}
	return 0
}

// PatchFiles lists the patch files a kustomization file names (patches,
// patchesStrategicMerge, patchesJson6902), then the file itself, which
// holds its inline patches: the files a field the build changed may come
// from.
func PatchFiles(kustomizationFile string) []string {
	data, err := os.ReadFile(kustomizationFile)
	if err != nil {
		return nil
	}
	var k struct {
		Patches []struct {
			Path string `yaml:"path"`
		} `yaml:"patches"`
		PatchesStrategicMerge []string `yaml:"patchesStrategicMerge"`
		PatchesJSON6902       []struct {
			Path string `yaml:"path"`
		} `yaml:"patchesJson6902"`
	}
	if yaml.Unmarshal(data, &k) != nil {
		return nil
	}
	dir := filepath.Dir(kustomizationFile)
	var out []string
	add := func(p string) {
		if p == "" || strings.Contains(p, "\n") || IsRemote(p) {
			return // an inline strategic merge patch, or a URL
		}
		out = append(out, filepath.Join(dir, p))
	}
	for _, p := range k.Patches {
		add(p.Path)
	}
	for _, p := range k.PatchesStrategicMerge {
		add(p)
	}
	for _, p := range k.PatchesJSON6902 {
		add(p.Path)
	}
	return append(out, kustomizationFile)
}

// BaseUsers indexes the Kustomize directories under root (hidden
// directories skipped) by the directories they use as local bases: for
// each base's absolute path, the directories that use it, as joined to
// root. A changed base file in a pre-commit run lints the overlays that
// use the base.
func BaseUsers(root string) map[string][]string {
	idx := map[string][]string{}
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if p != root && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if KustomizationFile(p) == "" {
			return nil
		}
		for _, b := range LocalBases(p) {
			if abs, err := filepath.Abs(b); err == nil {
				idx[abs] = append(idx[abs], p)
			}
		}
		return nil
	})
	return idx
}

// UsersOf follows idx (see BaseUsers) from dir: every directory that uses
// it, directly or through other bases, in the order found.
func UsersOf(idx map[string][]string, dir string) []string {
	var out []string
	seen := map[string]bool{}
	var visit func(string)
	visit = func(d string) {
		abs, err := filepath.Abs(d)
		if err != nil || seen[abs] {
			return
		}
		seen[abs] = true
		for _, u := range idx[abs] {
			ua, _ := filepath.Abs(u)
			if !seen[ua] {
				out = append(out, u)
				visit(u)
			}
		}
	}
	visit(dir)
	return out
}

// Uses reports whether the kustomization of dir reads file: its own
// kustomization file, or a resource, patch, component, generator source,
// CRD, replacement, transformer or generator file it names. A plain
// manifest that merely sits in the directory is not the kustomization's:
// a pre-commit run that changes it lints it as a file.
func Uses(dir, file string) bool {
	abs, err := filepath.Abs(file)
	if err != nil {
		return false
	}
	kf := KustomizationFile(dir)
	if kf == "" {
		return false
	}
	if ka, err := filepath.Abs(kf); err == nil && ka == abs {
		return true
	}
	refs, ok := fileRefs(kf)
	if !ok {
		return true // a kustomization that does not parse: its build says why
	}
	for _, r := range refs {
		if ra, err := filepath.Abs(filepath.Join(dir, r)); err == nil && ra == abs {
			return true
		}
	}
	return false
}

// fileRefs are the local paths a kustomization file names: resources,
// bases, components, CRDs, patches, replacements, transformers,
// generators, validators and generator sources, as written; ok is false
// when the file does not parse.
func fileRefs(kustomizationFile string) (refs []string, ok bool) {
	data, err := os.ReadFile(kustomizationFile)
	if err != nil {
		return nil, false
	}
	type pathed struct {
		Path string `yaml:"path"`
	}
	type generator struct {
		Files []string `yaml:"files"`
		Envs  []string `yaml:"envs"`
		Env   string   `yaml:"env"`
	}
	var k struct {
		Resources             []string    `yaml:"resources"`
		Bases                 []string    `yaml:"bases"`
		Components            []string    `yaml:"components"`
		Crds                  []string    `yaml:"crds"`
		Patches               []pathed    `yaml:"patches"`
		PatchesStrategicMerge []string    `yaml:"patchesStrategicMerge"`
		PatchesJSON6902       []pathed    `yaml:"patchesJson6902"`
		Replacements          []pathed    `yaml:"replacements"`
		Transformers          []string    `yaml:"transformers"`
		Generators            []string    `yaml:"generators"`
		Validators            []string    `yaml:"validators"`
		ConfigMapGenerator    []generator `yaml:"configMapGenerator"`
		SecretGenerator       []generator `yaml:"secretGenerator"`
	}
	if yaml.Unmarshal(data, &k) != nil {
		return nil, false
	}
	var all []string
	all = append(all, k.Resources...)
	all = append(all, k.Bases...)
	all = append(all, k.Components...)
	all = append(all, k.Crds...)
	all = append(all, k.PatchesStrategicMerge...)
	all = append(all, k.Transformers...)
	all = append(all, k.Generators...)
	all = append(all, k.Validators...)
	for _, p := range append(append(k.Patches, k.PatchesJSON6902...), k.Replacements...) {
		all = append(all, p.Path)
	}
	for _, g := range append(k.ConfigMapGenerator, k.SecretGenerator...) {
		for _, f := range g.Files {
			if _, path, ok := strings.Cut(f, "="); ok { // key=path
				f = path
			}
			all = append(all, f)
		}
		all = append(all, g.Envs...)
		all = append(all, g.Env)
	}
	for _, r := range all {
		if r != "" && !strings.Contains(r, "\n") && !IsRemote(r) {
			refs = append(refs, r)
		}
	}
	return refs, true
}

// BuildErrorLine is the line of dir's kustomization file that names the
// path a build error is about (a generator's file that is not there, a
// component that does not build), 0 when no single entry is. An entry is
// about the error when the message holds its absolute path, else when it
// holds the entry as written.
func BuildErrorLine(dir, msg string) int {
	kf := KustomizationFile(dir)
	refs, ok := fileRefs(kf)
	if !ok {
		return 0
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return 0
	}
	var strong, weak []string
	for _, r := range refs {
		switch {
		case strings.Contains(msg, filepath.Join(absDir, r)):
			strong = append(strong, r)
		case strings.Contains(msg, r):
			weak = append(weak, r)
		}
	}
	for _, found := range [][]string{strong, weak} {
		if len(found) == 1 {
			return lineOf(kf, found[0])
		}
		if len(found) > 1 {
			return 0
		}
	}
	return 0
}

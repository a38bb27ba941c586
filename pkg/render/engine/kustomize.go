package engine

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/meshbatch/meshbatch/pkg/render"
)

// buildKustomization builds a Kustomize directory as kustomize build
// does, with the restrictions it has by default (no plugins, files under
// the root only), after refusing anything that would need the network.
// The build asks for origin and transformer annotations, which say which
// file each resource came from and which patches changed it; they are
// taken off the documents before lint sees them.
func buildKustomization(t render.Target) render.Rendering {
	if remote := render.RemoteRefs(t.Dir); len(remote) > 0 {
		return render.Rendering{Errors: remote}
	}
	abs, err := filepath.Abs(t.Dir)
	if err != nil {
		return render.Rendering{Errors: []render.Error{{File: t.Dir, Msg: err.Error()}}}
	}
	fs := withBuildMetadata{FileSystem: filesys.MakeFsOnDisk(), root: abs}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(fs, abs)
	if err != nil {
		file := render.KustomizationFile(t.Dir)
		return render.Rendering{Errors: []render.Error{{File: file, Line: render.BuildErrorLine(t.Dir, err.Error()),
			Msg: "building the kustomization: " + strings.ReplaceAll(err.Error(), abs+string(filepath.Separator), "")}}}
	}
	var r render.Rendering
	for _, res := range m.Resources() {
		doc := render.Doc{Source: render.KustomizationFile(t.Dir)}
		if o, err := res.GetOrigin(); err == nil && o != nil && o.Path != "" && o.Repo == "" {
			doc.Source = filepath.Join(t.Dir, o.Path)
			if o.ConfiguredIn != "" { // a generated resource: the generator's file
				doc.Source = filepath.Join(t.Dir, o.ConfiguredIn)
			}
		}
		if ts, err := res.GetTransformations(); err == nil {
			doc.Patches = patchFiles(t.Dir, ts)
		}
		clearBuildAnnotations(res)
		y, err := res.AsYAML()
		if err != nil {
			r.Errors = append(r.Errors, render.Error{File: doc.Source, Msg: fmt.Sprintf("writing %s: %v", res.CurId(), err)})
			continue
		}
		doc.Content = string(y)
		r.Docs = append(r.Docs, doc)
	}
	return r
}

// patchFiles lists the files of the patches that changed a resource, in
// the order applied. Kustomize's transformer annotation names the
// kustomization file of a patch, not the patch's own file: each of that
// file's patches may have set a field, and the source mapping looks for
// the field in each (render.PatchFiles).
func patchFiles(dir string, ts resource.Transformations) []string {
	var out []string
	seen := map[string]bool{}
	for _, o := range ts {
		if o == nil || o.Repo != "" || !strings.Contains(o.ConfiguredBy.Kind, "Patch") {
			continue
		}
		var files []string
		switch {
		case o.Path != "":
			files = []string{filepath.Join(dir, o.Path)}
		case o.ConfiguredIn != "":
			files = render.PatchFiles(filepath.Join(dir, o.ConfiguredIn))
		}
		for _, f := range files {
			if !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	return out
}

// clearBuildAnnotations takes off the annotations the build added for
// meshbatch, and the annotations map when nothing else is left in it.
func clearBuildAnnotations(res *resource.Resource) {
	ann := res.GetAnnotations()
	delete(ann, "config.kubernetes.io/origin")
	delete(ann, "alpha.config.kubernetes.io/transformations")
	_ = res.SetAnnotations(ann)
}

// withBuildMetadata reads the root kustomization with buildMetadata set to
// originAnnotations and transformerAnnotations, as if it said so.
type withBuildMetadata struct {
	filesys.FileSystem
	root string
}

func (w withBuildMetadata) ReadFile(path string) ([]byte, error) {
	data, err := w.FileSystem.ReadFile(path)
	if err != nil || filepath.Dir(path) != w.root || !isKustomizationName(filepath.Base(path)) {
		return data, err
	}
	return addBuildMetadata(data), nil
}

func isKustomizationName(n string) bool {
	for _, k := range render.KustomizationNames {
		if n == k {
			return true
		}
	}
	return false
}

// addBuildMetadata appends the two options to the file's buildMetadata,
// replacing a buildMetadata line of its own (a list in flow or block
// style); kustomize keeps them in one list.
func addBuildMetadata(data []byte) []byte {
	const want = "buildMetadata: [originAnnotations, transformerAnnotations]\n"
	lines := strings.SplitAfter(string(data), "\n")
	var out bytes.Buffer
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.HasPrefix(l, "buildMetadata:") {
			// Drop the key and a block list under it; ours names both.
			for i+1 < len(lines) && (strings.HasPrefix(lines[i+1], "- ") || strings.HasPrefix(lines[i+1], "  ")) {
				i++
			}
			continue
		}
		out.WriteString(l)
	}
	if out.Len() > 0 && !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
		out.WriteByte('\n')
	}
	out.WriteString(want)
	return out.Bytes()
}

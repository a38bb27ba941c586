package engine

import (
	"cmp"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	chartcommon "helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/loader"
	chartv2 "helm.sh/helm/v4/pkg/chart/v2"
	chartv2util "helm.sh/helm/v4/pkg/chart/v2/util"
	"helm.sh/helm/v4/pkg/engine"
	"helm.sh/helm/v4/pkg/strvals"

	"github.com/meshbatch/meshbatch/pkg/manifest"
	"github.com/meshbatch/meshbatch/pkg/render"
)

// renderChart renders a chart as helm template does, without a cluster:
// the chart's values, then each values file, then each --set, coalesced
// by Helm; release name and namespace as given ("release" and "default"
// otherwise).
func renderChart(t render.Target) render.Rendering {
	fail := func(file string, format string, args ...any) render.Rendering {
		msg := fmt.Sprintf(format, args...)
		return render.Rendering{Errors: []render.Error{{File: file, Line: yamlLine(msg), Msg: msg}}}
	}
	loaded, err := loader.LoadDir(t.Dir)
	if err != nil {
		return fail(loadErrorFile(t.Dir, err.Error()), "loading the chart: %v", err)
	}
	chrt, ok := loaded.(*chartv2.Chart)
	if !ok {
		return fail(filepath.Join(t.Dir, "Chart.yaml"), "this chart's apiVersion is not one meshbatch renders (v1 or v2)")
	}
	if missing := missingDependencies(chrt); len(missing) > 0 {
		return fail(filepath.Join(t.Dir, "Chart.yaml"), "the chart depends on %s, not in its charts/ directory: run helm dependency build %s (meshbatch fetches nothing)",
			strings.Join(missing, ", "), t.Dir)
	}
	vals := map[string]any{}
	for _, f := range t.Values {
		v, err := chartcommon.ReadValuesFile(f)
		if err != nil {
			return fail(f, "reading values: %v", err)
		}
		vals = chartutil.MergeTables(v, vals)
	}
	for _, s := range t.Set {
		if err := strvals.ParseInto(s, vals); err != nil {
			return fail(filepath.Join(t.Dir, "Chart.yaml"), "--set %s: %v", s, err)
		}
	}
	if err := chartv2util.ProcessDependencies(chrt, vals); err != nil {
		return fail(filepath.Join(t.Dir, "Chart.yaml"), "chart dependencies: %v", err)
	}
	caps := chartcommon.DefaultCapabilities.Copy()
	if t.KubeVersion != "" {
		v := t.KubeVersion
		if !strings.HasPrefix(v, "v") {
			v = "v" + v
		}
		if strings.Count(v, ".") == 1 {
			v += ".0"
		}
		if kv, err := chartcommon.ParseKubeVersion(v); err == nil {
			caps.KubeVersion = *kv
		}
	}
	opts := chartcommon.ReleaseOptions{
		Name:      cmp.Or(t.ReleaseName, "release"),
		Namespace: cmp.Or(t.Namespace, "default"),
		Revision:  1,
		IsInstall: true,
	}
	top, err := chartutil.ToRenderValues(chrt, vals, opts, caps)
	if err != nil {
		return render.Rendering{Errors: []render.Error{valuesError(t.Dir, chrt.Name(), err)}}
	}
	out, err := engine.Render(chrt, top)
	if err != nil {
		return render.Rendering{Errors: []render.Error{templateError(t.Dir, chrt.Name(), err)}}
	}
	names := make([]string, 0, len(out))
	for name := range out {
		names = append(names, name)
	}
	sort.Strings(names)
	var r render.Rendering
	for _, name := range names {
		base := path.Base(name)
		if strings.HasPrefix(base, "_") || base == "NOTES.txt" || strings.TrimSpace(out[name]) == "" {
			continue
		}
		src := sourceFile(t.Dir, chrt.Name(), name)
		for _, c := range manifest.SplitDocuments([]byte(out[name])) {
			if isBlank(c.Data) {
				continue
			}
			r.Docs = append(r.Docs, render.Doc{Source: src, Content: string(c.Data)})
		}
	}
	return r
}

// sourceFile maps a template name ("etl/templates/job.yaml",
// "etl/charts/db/templates/sts.yaml") to its file under the chart's
// directory.
func sourceFile(dir, chartName, name string) string {
	rest := strings.TrimPrefix(name, chartName+"/")
	return filepath.Join(dir, filepath.FromSlash(rest))
}

// templatePos finds "NAME:LINE" or "NAME:LINE:COL" in Helm's messages.
var templatePos = regexp.MustCompile(`([A-Za-z0-9_.\-/]+\.(?:yaml|yml|tpl|txt|json)):(\d+)(?::(\d+))?`)

// templateError turns a render error into a finding's position and
// message: the template and line Helm names, if it names one.
func templateError(dir, chartName string, err error) render.Error {
	msg := strings.TrimSpace(err.Error())
	e := render.Error{File: filepath.Join(dir, "Chart.yaml"), Msg: msg}
	if m := templatePos.FindStringSubmatch(msg); m != nil {
		e.File = sourceFile(dir, chartName, m[1])
		e.Line, _ = strconv.Atoi(m[2])
		if m[3] != "" {
			e.Col, _ = strconv.Atoi(m[3])
		}
		if _, err := os.Stat(e.File); err != nil {
			e.File, e.Line, e.Col = filepath.Join(dir, "Chart.yaml"), 0, 0
		}
	}
	e.Msg = "rendering the chart: " + strings.Join(strings.Fields(msg), " ")
	return e
}

// yamlErrorLine finds the line a YAML parser's message names.
var yamlErrorLine = regexp.MustCompile(`yaml: line (\d+):`)

// yamlLine is the line a YAML error in msg names, 0 for none.
func yamlLine(msg string) int {
	if m := yamlErrorLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

// loadFile finds the file Helm's chart loader could not read.
var loadFile = regexp.MustCompile(`cannot load ([A-Za-z0-9_.\-/]+):`)

// loadErrorFile is the file of the chart a loader error is about (its
// values.yaml that does not parse, say), else its Chart.yaml.
func loadErrorFile(dir, msg string) string {
	if m := loadFile.FindStringSubmatch(msg); m != nil {
		if f := filepath.Join(dir, filepath.FromSlash(m[1])); isRegular(f) {
			return f
		}
	}
	return filepath.Join(dir, "Chart.yaml")
}

func isRegular(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// valuesError places an error of the chart's values: a values.schema.json
// that rejects them is the finding's file (the subchart's, when Helm names
// a subchart), with Helm's list of what it rejects on one line; otherwise
// the chart's values.yaml.
func valuesError(dir, chartName string, err error) render.Error {
	msg := strings.TrimSpace(err.Error())
	_, list, isSchema := strings.Cut(msg, "schema(s) in the following chart(s):")
	if !isSchema {
		return render.Error{File: filepath.Join(dir, "values.yaml"), Msg: strings.Join(strings.Fields(msg), " ")}
	}
	// Helm lists each chart's errors in no fixed order: sorted, a run
	// says the same as the last.
	file := ""
	var parts []string
	group := 0 // where the current chart's errors start in parts
	for _, l := range strings.Split(list, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case l == "":
		case strings.HasSuffix(l, ":") && !strings.HasPrefix(l, "- "):
			name := strings.TrimSuffix(l, ":")
			if file == "" {
				file = schemaFile(dir, chartName, name)
			}
			slices.Sort(parts[group:])
			parts = append(parts, "chart "+name+":")
			group = len(parts)
		default:
			parts = append(parts, strings.TrimPrefix(l, "- "))
		}
	}
	slices.Sort(parts[group:])
	if file == "" {
		file = filepath.Join(dir, "values.schema.json")
	}
	return render.Error{File: file, Msg: "the values do not meet values.schema.json: " + joinSchemaErrors(parts) +
		"; give values the schema accepts (the values files, --set, charts: in .meshbatch.yaml), or fix the schema"}
}

// joinSchemaErrors joins Helm's schema errors of each chart: "chart x: at
// '/a': ...; at '/b': ...".
func joinSchemaErrors(parts []string) string {
	var b strings.Builder
	for i, p := range parts {
		switch {
		case i == 0:
		case strings.HasPrefix(p, "chart "):
			b.WriteString("; ")
		case strings.HasPrefix(parts[i-1], "chart "):
			b.WriteString(" ")
		default:
			b.WriteString("; ")
		}
		b.WriteString(p)
	}
	return b.String()
}

// schemaFile is the values.schema.json of the chart Helm names: the chart
// itself, or the subchart of that name under charts/.
func schemaFile(dir, chartName, name string) string {
	if name == chartName {
		return filepath.Join(dir, "values.schema.json")
	}
	sub := filepath.Join(dir, "charts", name, "values.schema.json")
	if _, err := os.Stat(sub); err == nil {
		return sub
	}
	return filepath.Join(dir, "values.schema.json")
}

func isBlank(b []byte) bool {
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l != "" && l != "---" && !strings.HasPrefix(l, "#") {
			return false
		}
	}
	return true
}

// missingDependencies lists the dependencies Chart.yaml declares that are
// not in the chart's charts/ directory: helm template refuses to render
// without them, and so does meshbatch, rather than lint a chart without
// its subcharts.
func missingDependencies(c *chartv2.Chart) []string {
	have := map[string]bool{}
	for _, d := range c.Dependencies() {
		have[d.Name()] = true
	}
	var missing []string
	for _, d := range c.Metadata.Dependencies {
		if !have[d.Name] {
			missing = append(missing, d.Name)
		}
	}
	return missing
}

package render

import "testing"

const tmpl = `{{- range $name, $job := .Values.jobs }}
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: {{ $name }}
  labels:
    {{- include "etl.labels" $ | nindent 4 }}
spec:
  schedule: {{ $job.schedule | quote }}
  jobTemplate:
    spec:
      template:
        metadata:
          labels:
            app: {{ $name }}
          annotations:
            {{- toYaml $.Values.podAnnotations | nindent 12 }}
        spec:
          containers:
            - name: {{ $name }}
              image: registry.example.com/etl:1.0.0
{{- end }}
`

const rendered = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: export
  labels:
    app.kubernetes.io/name: etl
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    spec:
      template:
        metadata:
          labels:
            app: export
          annotations:
            sidecar.istio.io/proxyMemory: 128Mi
        spec:
          containers:
            - name: export
              image: registry.example.com/etl:1.0.0
`

func TestLocate(t *testing.T) {
	cases := []struct {
		name           string
		line, col      int
		wantLine, col2 int
		ok             bool
	}{
		{"same text", 20, 15, 22, 15, true},
		{"key with a template value", 8, 3, 10, 3, true},
		{"list item by key, column of the key", 19, 15, 21, 15, true},
		// metadata: twice (the object's, the pod template's): told apart
		// by their parent keys.
		{"repeated key, parents differ", 12, 9, 14, 9, true},
		{"repeated key at the top", 3, 1, 5, 1, true},
		// labels: twice too, under metadata and under template.metadata.
		{"labels under the pod template", 13, 11, 15, 11, true},
		// Lines a helper or toYaml wrote are in no line of the template.
		{"written by a helper", 6, 5, 0, 0, false},
		{"written by toYaml", 16, 13, 0, 0, false},
		{"out of range", 99, 1, 0, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			line, col, ok := Locate(rendered, c.line, c.col, tmpl)
			if ok != c.ok || line != c.wantLine || (ok && col != c.col2) {
				t.Errorf("Locate(line %d, col %d) = %d:%d %v, want %d:%d %v", c.line, c.col, line, col, ok, c.wantLine, c.col2, c.ok)
			}
		})
	}
}

func TestKeyOf(t *testing.T) {
	for in, want := range map[string]string{
		"  name: x":                "name",
		"- name: x":                "name",
		"metadata:":                "metadata",
		`"a.b/c": 1`:               "a.b/c",
		"{{- if .Values.x }}":      "",
		"# a comment":              "",
		"- just an item":           "",
		"image: {{ .Values.img }}": "image",
	} {
		if got := keyOf(in); got != want {
			t.Errorf("keyOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsLeaf(t *testing.T) {
	if !IsLeaf(rendered, 4) || IsLeaf(rendered, 3) || IsLeaf(rendered, 0) {
		t.Error("IsLeaf: want name: export a leaf, metadata: not, line 0 not")
	}
}

// TestLocateKeyNeedsSameParents: a key a helper wrote is not put on a
// line of the same key elsewhere in the template.
func TestLocateKeyNeedsSameParents(t *testing.T) {
	src := "metadata:\n  labels:\n    {{- include \"labels\" . | nindent 4 }}\nspec:\n  selector:\n    app: {{ .Values.app }}\n"
	out := "metadata:\n  labels:\n    app: etl\nspec:\n  selector:\n    app: etl\n"
	if l, _, ok := Locate(out, 3, 5, src); ok {
		t.Errorf("metadata.labels.app (from a helper) located at line %d, want not found", l)
	}
	if l, _, ok := Locate(out, 6, 5, src); !ok || l != 6 {
		t.Errorf("spec.selector.app located at %d %v, want line 6", l, ok)
	}
}

// TestLocateKeyNeedsATemplatedValue: a key whose template line holds a
// literal value other than the rendered one is the branch that did not
// render; the rendered line came from elsewhere (toYaml in the else).
func TestLocateKeyNeedsATemplatedValue(t *testing.T) {
	const src = `metadata:
  annotations:
    {{- if .Values.big }}
    sidecar.istio.io/proxyMemory: 128Mi
    {{- else }}
    {{- toYaml .Values.small | nindent 4 }}
    {{- end }}
`
	const out = `metadata:
  annotations:
    sidecar.istio.io/proxyMemory: 64Mi
`
	if line, _, ok := Locate(out, 3, 5, src); ok {
		t.Errorf("the 64Mi line was put on template line %d, which renders 128Mi", line)
	}
	const templated = `metadata:
  annotations:
    sidecar.istio.io/proxyMemory: {{ .Values.memory }}
`
	if line, _, ok := Locate(out, 3, 5, templated); !ok || line != 3 {
		t.Errorf("Locate = %d %v, want the templated line 3", line, ok)
	}
}

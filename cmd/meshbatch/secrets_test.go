package main

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// planted collects the secret values a test writes into manifests, each
// unique, so that any of them showing up in an output is a leak.
type planted []string

func (p *planted) add(kind string) string {
	v := fmt.Sprintf("Pl4nted%s%02dx", kind, len(*p))
	*p = append(*p, v)
	return v
}

// secretManifests returns manifests holding Secret data and stringData
// and credential-like env values, well-formed and broken in every way that
// makes a decoder or parser complain near them, and the values planted.
func secretManifests() (map[string]string, []string) {
	var p planted
	b64 := func(kind string) string {
		v := p.add(kind)
		enc := base64.StdEncoding.EncodeToString([]byte(v))
		p = append(p, enc)
		return enc
	}
	job := func(name, env string) string {
		return fmt.Sprintf(`apiVersion: batch/v1
kind: Job
metadata: {name: %s, namespace: batch}
spec:
  template:
    metadata:
      labels: {sidecar.istio.io/inject: "true"}
    spec:
      restartPolicy: Never
      initContainers:
        - name: init
          image: init:1
          env:
%s      containers:
        - name: app
          image: app:1
          command: [/app]
          env:
%s`, name, env, env)
	}
	envs := func(values ...string) string {
		names := []string{"DB_PASSWORD", "API_TOKEN", "STRIPE_API_KEY", "AWS_SECRET_ACCESS_KEY", "PGPASSWORD", "GITHUB_TOKEN", "CLIENT_SECRET", "PRIVATE_KEY"}
		var b strings.Builder
		for i, v := range values {
			fmt.Fprintf(&b, "            - {name: %s, value: %s}\n", names[i%len(names)], v)
		}
		return b.String()
	}
	files := map[string]string{
		"secret.yaml": fmt.Sprintf(`apiVersion: v1
kind: Secret
metadata: {name: db, namespace: batch}
type: Opaque
data:
  password: %s
  token: %s
stringData:
  password: %s
  api-key: "%s"
`, b64("Data"), b64("Data"), p.add("String"), p.add("String")),

		"secret-broken.yaml": fmt.Sprintf(`apiVersion: v1
kind: Secret
metadata: {name: broken-list, namespace: batch}
data: [%s, %s]
---
apiVersion: v1
kind: Secret
metadata: {name: broken-types, namespace: batch}
stringData:
  port: %s
  flag: !!bool %s
  num: !!int %s
  f: !!float %s
---
apiVersion: v1
kind: Secret
metadata: {name: dup, namespace: batch}
stringData:
  password: %s
  password: %s
---
apiVersion: v1
kind: Secret
metadata: {name: escape, namespace: batch}
stringData:
  password: "%s\q"
---
apiVersion: v1
kind: Secret
metadata: {name: alias, namespace: batch}
stringData:
  password: *%s
---
apiVersion: v1
kind: Secret
metadata: {name: flow, namespace: batch}
stringData: {password: [%s}
---
apiVersion: v1
kind: Secret
metadata: {name: indent, namespace: batch}
stringData:
  password: %s
   other: x
---
apiVersion: v1
kind: Secret
metadata: {name: binary, namespace: batch}
stringData:
  password: %s`+"\x00"+`
---
apiVersion: v1
kind: Secret
metadata: {name: multi, namespace: batch}
stringData:
  password: |
    %s
  bad: "unterminated
`, p.add("List"), p.add("List"), p.add("Num"), p.add("Bool"), p.add("Int"), p.add("Float"),
			p.add("Dup"), p.add("Dup"), p.add("Esc"), p.add("Alias"), p.add("Flow"), p.add("Indent"),
			p.add("Nul"), p.add("Multi")),

		"jobs.yaml": job("env-strings", envs(p.add("Env"), p.add("Env"), p.add("Env"), p.add("Env"), p.add("Env"), p.add("Env"), p.add("Env"), p.add("Env"))) +
			"---\n" + job("env-number", envs("1"+strings.Repeat("7", 12))) +
			"---\n" + job("env-mapping", envs("{v: "+p.add("Map")+"}")) +
			"---\n" + job("env-list", envs("["+p.add("Seq")+"]")) +
			"---\n" + job("env-bool-tag", envs("!!bool "+p.add("Tag"))) +
			"---\n" + job("env-int-tag", envs("!!int "+p.add("Tag"))) +
			"---\n" + job("env-typo", strings.ReplaceAll(envs(p.add("Typo")), "value:", "valu:")) +
			"---\n" + job("env-both", strings.ReplaceAll(envs(p.add("Both")), "}", ", valueFrom: {secretKeyRef: {name: s, key: k}}}")) +
			"---\n" + job("env-bad-name", strings.ReplaceAll(envs(p.add("Name")), "DB_PASSWORD", "5")),

		"proxy.yaml": fmt.Sprintf(`apiVersion: batch/v1
kind: Job
metadata: {name: proxy-meta, namespace: batch}
spec:
  template:
    metadata:
      annotations:
        proxy.istio.io/config: |
          proxyMetadata:
            API_TOKEN: %s
            DB_PASSWORD: [%s
          holdApplicationUntilProxyStarts: maybe
    spec:
      restartPolicy: Never
      containers: [{name: app, image: app:1}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: proxy-meta-ok, namespace: batch}
spec:
  template:
    metadata:
      annotations:
        proxy.istio.io/config: '{"proxyMetadata": {"SECRET_KEY": "%s"}, "unknownField": 1}'
    spec:
      restartPolicy: Never
      containers: [{name: app, image: app:1}]
`, p.add("Proxy"), p.add("Proxy"), p.add("Proxy")),

		"pod.yaml": fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: pod, namespace: batch}
spec:
  containers:
    - name: app
      image: app:1
      env:
        - {name: API_TOKEN, value: %s}
        - {name: DB_PASSWORD, value: 42, extra: %s}
`, p.add("Pod"), p.add("Pod")),
	}
	return files, p
}

// TestNoSecretInAnyOutput lints manifests full of Secret values and
// credential env values, well-formed and broken, in every format, to
// standard output and to report files, with every fact set, and checks
// that no planted value appears in stdout, stderr or any report: findings
// name the field, never its value.
func TestNoSecretInAnyOutput(t *testing.T) {
	files, secrets := secretManifests()
	dir := t.TempDir()
	for name, data := range files {
		writeFile(t, filepath.Join(dir, "in", name), []byte(data))
	}
	var text strings.Builder // the concise reports, to check what was reported
	check := func(what, out string) {
		t.Helper()
		if strings.Contains(what, "--format concise") {
			text.WriteString(out)
		}
		for _, s := range secrets {
			if strings.Contains(out, s) {
				i := strings.Index(out, s)
				t.Errorf("%s shows planted value %s: ...%s...", what, s, out[max(0, i-200):min(len(out), i+len(s)+40)])
			}
		}
	}
	formats := []string{"text", "concise", "json", "sarif", "github", "junit"}
	for _, facts := range [][]string{nil, {"--istio-version", "1.22", "--kubernetes-version", "1.28"}, {"--istio-version", "1.28", "--kubernetes-version", "1.31"}} {
		for _, f := range formats {
			args := append([]string{"lint", "--no-config", "--format", f, "--min-severity", "info"}, facts...)
			r := runIn(t, dir, nil, append(args, "in")...)
			if r.code != exitFindings {
				t.Errorf("%v: exit %d, want %d\n%s", args, r.code, exitFindings, r.stderr)
			}
			check(strings.Join(args, " ")+" stdout", r.stdout)
			check(strings.Join(args, " ")+" stderr", r.stderr)
		}
		args := []string{"lint", "--no-config"}
		for _, f := range formats {
			args = append(args, "--format", f, "--output", filepath.Join(dir, "report."+f))
		}
		r := runIn(t, dir, strings.NewReader(files["secret-broken.yaml"]+"---\n"+files["jobs.yaml"]), append(append(args, facts...), "in", "-")...)
		check("reports stdout", r.stdout)
		check("reports stderr", r.stderr)
		for _, f := range formats {
			data, err := os.ReadFile(filepath.Join(dir, "report."+f))
			if err != nil {
				t.Fatal(err)
			}
			check("report."+f, string(data))
		}
	}
	// The broken documents were reported, so their messages were seen (a
	// leak test whose input is silently skipped would prove nothing).
	// Secrets are a kind meshbatch does not decode: only YAML errors in
	// them are reported.
	for _, want := range []string{
		"Job env-number: spec.template.spec.initContainers[0].env[0].value: expected a string, found a number",
		"Job env-mapping: spec.template.spec.initContainers[0].env[0].value: expected a string, found a mapping",
		"Job env-list: spec.template.spec.initContainers[0].env[0].value: expected a string, found a list",
		"tagged !!bool but not a boolean",
		"tagged !!int but not an integer",
		`unknown field "spec.template.spec.initContainers[0].env[0].valu"`,
		"Pod pod: spec.containers[0].env[1].value: expected a string, found a number",
		"in/secret-broken.yaml:26:1: error MB001 invalid-input: found unknown escape character",
		"in/secret-broken.yaml:32:13: error MB001 invalid-input: an alias (*name) refers to an anchor (&name) not defined before it",
		"in/secret-broken.yaml:37:1: error MB001 invalid-input: did not find expected ',' or ']'",
		"in/secret-broken.yaml:44:1: error MB001 invalid-input: mapping values are not allowed in this context",
		"in/secret-broken.yaml:50:26: error MB001 invalid-input: control character U+0000",
		"in/secret-broken.yaml:58:1: error MB001 invalid-input: found unexpected end of stream",
		"proxy.istio.io/config is not a valid ProxyConfig (details not shown: it names credential-like variables)",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the concise report does not say %q: the case is not exercised", want)
		}
	}
}

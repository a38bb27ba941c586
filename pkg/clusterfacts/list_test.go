package clusterfacts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/meshbatch/meshbatch/pkg/livestream"
)

// apiServer answers discovery and lists as an API server does: pods in
// pages of two with a continue token, Services forbidden, Jobs forbidden
// in every namespace and in istio-system, the security
// group at v1beta1 only, no networking group. It fails the test on any
// request that is not a GET, and records the list requests.
func apiServer(t *testing.T, requests *[]string) *httptest.Server {
	t.Helper()
	resources := map[string]string{
		"/api/v1":                         `{"kind":"APIResourceList","groupVersion":"v1","resources":[{"name":"pods","namespaced":true,"kind":"Pod","verbs":["list"]},{"name":"pods/status","namespaced":true,"kind":"Pod","verbs":["get"]},{"name":"namespaces","namespaced":false,"kind":"Namespace","verbs":["list"]},{"name":"services","namespaced":true,"kind":"Service","verbs":["list"]},{"name":"configmaps","namespaced":true,"kind":"ConfigMap","verbs":["list"]}]}`,
		"/apis/batch/v1":                  `{"kind":"APIResourceList","groupVersion":"batch/v1","resources":[{"name":"jobs","namespaced":true,"kind":"Job","verbs":["list"]}]}`,
		"/apis/security.istio.io/v1beta1": `{"kind":"APIResourceList","groupVersion":"security.istio.io/v1beta1","resources":[{"name":"peerauthentications","namespaced":true,"kind":"PeerAuthentication","verbs":["list"]}]}`,
	}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			t.Errorf("%s %s: a live lint only reads", r.Method, r.URL)
		}
		w.Header().Set("Content-Type", "application/json")
		p := r.URL.Path
		switch {
		case p == "/api":
			fmt.Fprint(w, `{"kind":"APIVersions","versions":["v1"]}`)
			return
		case p == "/apis":
			fmt.Fprint(w, `{"kind":"APIGroupList","groups":[`+
				`{"name":"batch","versions":[{"groupVersion":"batch/v1","version":"v1"}],"preferredVersion":{"groupVersion":"batch/v1","version":"v1"}},`+
				`{"name":"security.istio.io","versions":[{"groupVersion":"security.istio.io/v1beta1","version":"v1beta1"}],"preferredVersion":{"groupVersion":"security.istio.io/v1beta1","version":"v1beta1"}}]}`)
			return
		case resources[p] != "":
			fmt.Fprint(w, resources[p])
			return
		}
		*requests = append(*requests, r.URL.String())
		if ns, ok := strings.CutPrefix(p, "/api/v1/namespaces/"); ok && !strings.Contains(ns, "/") {
			fmt.Fprintf(w, `{"kind":"Namespace","apiVersion":"v1","metadata":{"name":%q}}`, ns)
			return
		}
		q := r.URL.Query()
		if q.Get("limit") != "2" {
			t.Errorf("%s: no limit=2", r.URL)
		}
		switch p {
		case "/api/v1/pods":
			if q.Get("continue") == "" {
				fmt.Fprint(w, `{"kind":"PodList","apiVersion":"v1","metadata":{"continue":"c1"},"items":[{"metadata":{"name":"a","namespace":"n"}},{"metadata":{"name":"b","namespace":"n"}}]}`)
			} else {
				fmt.Fprint(w, `{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[{"metadata":{"name":"c","namespace":"n","managedFields":[{"manager":"kubectl"}]}}]}`)
			}
		case "/api/v1/services", "/api/v1/namespaces/batch/services", "/api/v1/namespaces/istio-system/services",
			"/apis/batch/v1/jobs", "/apis/batch/v1/namespaces/istio-system/jobs":
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403,"message":"services is forbidden"}`)
		case "/apis/security.istio.io/v1beta1/peerauthentications":
			fmt.Fprint(w, `{"kind":"PeerAuthenticationList","apiVersion":"security.istio.io/v1beta1","metadata":{},"items":[{"apiVersion":"security.istio.io/v1beta1","kind":"PeerAuthentication","metadata":{"name":"default","namespace":"istio-system"},"spec":{}}]}`)
		case "/api/v1/configmaps":
			if q.Get("fieldSelector") != "metadata.name="+RootCertConfigMap {
				t.Errorf("%s: ConfigMaps listed without the root certificate's name", r.URL)
			}
			fmt.Fprint(w, `{"kind":"ConfigMapList","apiVersion":"v1","metadata":{},"items":[]}`)
		default:
			fmt.Fprint(w, `{"kind":"List","apiVersion":"v1","metadata":{},"items":[]}`)
		}
	}))
}

// TestList: List pages through every kind with limit and continue, in
// the version the server serves, adds apiVersion and kind to the items
// of built-in kinds and drops their managedFields, writes the forbidden lists as one error frame and an
// unserved group as a note, and only gets.
func TestList(t *testing.T) {
	var requests []string
	srv := apiServer(t, &requests)
	defer srv.Close()
	cs, err := kubernetes.NewForConfig(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := livestream.NewWriter(&buf)
	w.Frame(livestream.TypeContext, []byte("test"))
	w.Frame(livestream.TypeFacts, []byte("{}\n"))
	if err := List(context.Background(), cs, ListOptions{PageSize: 2}, w); err != nil {
		t.Fatal(err)
	}
	w.Frame(livestream.TypeEnd, nil)

	var notes []string
	src, err := livestream.Open(&buf, func(_, n string) { notes = append(notes, n) })
	if err != nil {
		t.Fatal(err)
	}
	var pages []string
	for {
		p, err := src.Next(nil)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, string(p))
	}
	want := []string{
		"---\n{\"apiVersion\": \"v1\",\"kind\": \"Pod\",\"metadata\": {\"name\": \"a\",\"namespace\": \"n\"}}\n---\n{\"apiVersion\": \"v1\",\"kind\": \"Pod\",\"metadata\": {\"name\": \"b\",\"namespace\": \"n\"}}\n",
		"---\n{\"apiVersion\": \"v1\",\"kind\": \"Pod\",\"metadata\": {\"name\": \"c\",\"namespace\": \"n\"}}\n",
		"---\n{\"apiVersion\": \"security.istio.io/v1beta1\",\"kind\": \"PeerAuthentication\",\"metadata\": {\"name\": \"default\",\"namespace\": \"istio-system\"},\"spec\": {}}\n",
	}
	if strings.Join(pages, "|") != strings.Join(want, "|") {
		t.Errorf("pages:\n%q\nwant\n%q", pages, want)
	}
	// The forbidden lists are said once, together.
	if errs := src.Errors(); len(errs) != 1 || errs[0].Error() != "cluster test: cannot list services, jobs: forbidden; bind the reader to deploy/rbac/meshbatch-reader.yaml" {
		t.Errorf("errors %v, want services and jobs forbidden, in one", errs)
	}
	for _, want := range []string{"the API server does not serve networking.istio.io: no DestinationRule listed", "the API server does not serve apps: no Deployment listed"} {
		if !strings.Contains(strings.Join(notes, "\n"), want) {
			t.Errorf("notes %q lack %q", notes, want)
		}
	}
	if len(requests) < 6 {
		t.Errorf("list requests %q", requests)
	}
}

// TestListNamespaces: with namespaces, namespaced kinds are listed in
// each and Namespace objects read by name.
func TestListNamespaces(t *testing.T) {
	var requests []string
	srv := apiServer(t, &requests)
	defer srv.Close()
	cs, _ := kubernetes.NewForConfig(&rest.Config{Host: srv.URL})
	var buf bytes.Buffer
	if err := List(context.Background(), cs, ListOptions{PageSize: 2, Namespaces: []string{"batch", "istio-system"}}, livestream.NewWriter(&buf)); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(requests, "\n")
	for _, want := range []string{"/api/v1/namespaces/batch/pods?limit=2", "/api/v1/namespaces/istio-system/pods?limit=2", "/api/v1/namespaces/batch\n", "/apis/batch/v1/namespaces/batch/jobs?limit=2"} {
		if !strings.Contains(got+"\n", want) {
			t.Errorf("no request %s in:\n%s", strings.TrimSpace(want), got)
		}
	}
	if strings.Contains(got, "/api/v1/pods") {
		t.Errorf("pods listed in every namespace:\n%s", got)
	}
	if want := "cannot list services in batch, services in istio-system, jobs in istio-system: forbidden"; !strings.Contains(buf.String(), want) {
		t.Errorf("the stream does not say %q", want)
	}
}

func TestWithTypeMeta(t *testing.T) {
	for in, want := range map[string]string{
		`{"metadata":{}}`:                  `{"apiVersion":"v1","kind":"Pod","metadata":{}}`,
		` {} `:                             `{"apiVersion":"v1","kind":"Pod"}`,
		`{"kind":"Pod","apiVersion":"v1"}`: `{"kind":"Pod","apiVersion":"v1"}`,
		`[1]`:                              `[1]`,
	} {
		if got := string(WithTypeMeta([]byte(in), "v1", "Pod")); got != want {
			t.Errorf("WithTypeMeta(%s) = %s, want %s", in, got, want)
		}
	}
}

// TestListIsAllowed: every request List makes, in every namespace or in
// some, is one deploy/rbac/meshbatch-reader.yaml allows.
func TestListIsAllowed(t *testing.T) {
	role, _ := loadReaderRole(t)
	for _, namespaces := range [][]string{nil, {"batch"}} {
		var requests []string
		srv := apiServer(t, &requests)
		cs, _ := kubernetes.NewForConfig(&rest.Config{Host: srv.URL})
		if err := List(context.Background(), cs, ListOptions{PageSize: 2, Namespaces: namespaces}, livestream.NewWriter(io.Discard)); err != nil {
			t.Fatal(err)
		}
		srv.Close()
		for _, r := range requests {
			path, query, _ := strings.Cut(r, "?")
			parts := strings.Split(strings.Trim(path, "/"), "/")
			group, rest := "", parts[2:] // /api/v1/...
			if parts[0] == "apis" {
				group, rest = parts[1], parts[3:]
			}
			verb := "list"
			if len(rest) == 2 && rest[0] == "namespaces" { // a Namespace read by name
				verb, rest = "get", rest[:1]
			} else if len(rest) == 3 && rest[0] == "namespaces" {
				rest = rest[2:]
			}
			if !allows(role, verb, group, rest[0]) {
				t.Errorf("%s: %s %s (group %q) is not allowed by the reader role", r, verb, rest[0], group)
			}
			if rest[0] == "configmaps" && !strings.Contains(query, "fieldSelector=metadata.name%3D"+RootCertConfigMap) {
				t.Errorf("%s: ConfigMaps listed without the root certificate's name", r)
			}
		}
		if len(requests) < 5 {
			t.Fatalf("List made %d requests: too few to check", len(requests))
		}
	}
}

package clusterfacts

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/meshbatch/meshbatch/pkg/manifest"
)

const readerRole = "../../deploy/rbac/meshbatch-reader.yaml"

// loadReaderRole decodes the shipped ClusterRole and its binding.
func loadReaderRole(t *testing.T) (*rbacv1.ClusterRole, *rbacv1.ClusterRoleBinding) {
	t.Helper()
	data, err := os.ReadFile(readerRole)
	if err != nil {
		t.Fatal(err)
	}
	var role *rbacv1.ClusterRole
	var binding *rbacv1.ClusterRoleBinding
	for i, c := range manifest.SplitDocuments(data) {
		var meta metav1.TypeMeta
		if err := sigsyaml.Unmarshal(c.Data, &meta); err != nil {
			t.Fatalf("document %d: %v", i+1, err)
		}
		switch meta.Kind {
		case "ClusterRole":
			role = &rbacv1.ClusterRole{}
			err = sigsyaml.UnmarshalStrict(c.Data, role)
		case "ClusterRoleBinding":
			binding = &rbacv1.ClusterRoleBinding{}
			err = sigsyaml.UnmarshalStrict(c.Data, binding)
		default:
			t.Fatalf("document %d: kind %q: the file holds the ClusterRole and its binding only", i+1, meta.Kind)
		}
		if err != nil {
			t.Fatalf("document %d: %v", i+1, err)
		}
	}
	if role == nil || binding == nil {
		t.Fatal("want a ClusterRole and a ClusterRoleBinding")
	}
	if binding.RoleRef.Kind != "ClusterRole" || binding.RoleRef.Name != role.Name {
		t.Errorf("the binding refers to %s %s, not the ClusterRole %s", binding.RoleRef.Kind, binding.RoleRef.Name, role.Name)
	}
	return role, binding
}

// TestReaderRole: the ClusterRole only reads, names every resource, never
// Secrets, allows every request Read makes on each test cluster, and
// covers every kind lint decodes.
func TestReaderRole(t *testing.T) {
	role, _ := loadReaderRole(t)
	for i, r := range role.Rules {
		for _, v := range r.Verbs {
			if v != "get" && v != "list" && v != "watch" {
				t.Errorf("rule %d allows %q: the reader only gets, lists and watches", i, v)
			}
		}
		for _, list := range [][]string{r.APIGroups, r.Resources, r.ResourceNames, r.NonResourceURLs, r.Verbs} {
			for _, x := range list {
				if strings.Contains(x, "*") {
					t.Errorf("rule %d has %q: name every group, resource and verb", i, x)
				}
			}
		}
		for _, res := range r.Resources {
			if res == "secrets" || strings.HasPrefix(res, "secrets/") || strings.Contains(res, "token") {
				t.Errorf("rule %d allows %s: the reader never reads Secrets or tokens", i, res)
			}
		}
		// ConfigMaps may hold anything: they are listed by the root
		// certificate's name only (lint --cluster lists with a metadata.name
		// field selector, which resourceNames authorizes).
		if slices.Contains(r.Resources, "configmaps") && slices.Contains(r.Verbs, "list") &&
			!slices.Equal(r.ResourceNames, []string{RootCertConfigMap}) {
			t.Errorf("rule %d lists configmaps beyond %s (resourceNames %q)", i, RootCertConfigMap, r.ResourceNames)
		}
	}

	// Every request Read makes on the test clusters.
	dirs, _ := filepath.Glob("testdata/*/cluster.yaml")
	requests := 0
	for _, f := range dirs {
		cs := fakeCluster(t, loadCluster(t, filepath.Dir(f))...)
		Read(context.Background(), cs)
		for _, a := range cs.Actions() {
			requests++
			gvr := a.GetResource()
			if gvr.Resource == "version" && gvr.Group == "" {
				if !allowsURL(role, "/version") {
					t.Errorf("the ClusterRole does not allow get /version")
				}
				continue
			}
			if !allows(role, a.GetVerb(), gvr.Group, gvr.Resource) {
				t.Errorf("%s: Read makes %s %s (group %q), which the ClusterRole does not allow", filepath.Dir(f), a.GetVerb(), gvr.Resource, gvr.Group)
			}
		}
	}

	if requests < 5*len(dirs) {
		t.Fatalf("Read made %d requests on %d clusters: the fake recorded too few to check", requests, len(dirs))
	}

	// Every kind lint decodes, for a live lint.
	for _, kind := range manifest.KnownKinds() {
		if kind == "ConfigMap" {
			continue // decoded for MB001's checks only; no rule reads one
		}
		res := strings.ToLower(kind) + "s"
		if strings.HasSuffix(kind, "y") && !strings.HasSuffix(kind, "ay") {
			res = strings.ToLower(kind[:len(kind)-1]) + "ies"
		}
		found := false
		for _, r := range role.Rules {
			if slices.Contains(r.Resources, res) && slices.Contains(r.Verbs, "list") && slices.Contains(r.Verbs, "watch") {
				found = true
			}
		}
		if !found {
			t.Errorf("the ClusterRole does not list and watch %s, a kind lint reads", res)
		}
	}
}

func allows(role *rbacv1.ClusterRole, verb, group, resource string) bool {
	for _, r := range role.Rules {
		if slices.Contains(r.Verbs, verb) && slices.Contains(r.APIGroups, group) && slices.Contains(r.Resources, resource) {
			return true
		}
	}
	return false
}

func allowsURL(role *rbacv1.ClusterRole, url string) bool {
	for _, r := range role.Rules {
		if slices.Contains(r.NonResourceURLs, url) && slices.Contains(r.Verbs, "get") {
			return true
		}
	}
	return false
}

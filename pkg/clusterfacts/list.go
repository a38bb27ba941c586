package clusterfacts

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/meshbatch/meshbatch/pkg/livestream"
	"github.com/meshbatch/meshbatch/pkg/manifest"
)

// RootCertConfigMap is the ConfigMap istiod writes into every injected
// namespace with the mesh's root certificate: the only ConfigMaps a live
// lint lists, by name (the reader role names it in resourceNames).
const RootCertConfigMap = "istio-ca-root-cert"

// ListOptions say what List lists.
type ListOptions struct {
	// Namespaces limits the namespaced kinds to these namespaces, and the
	// Namespace objects to these; nil lists every namespace.
	Namespaces []string
	// PageSize is the limit of each list request; 0 means 500.
	PageSize int
}

// List lists, read-only and a page at a time, every object of the kinds
// meshbatch decodes (manifest.KnownGroupKinds; of ConfigMaps only
// istio-ca-root-cert), each in the version the API server prefers among
// those meshbatch decodes, and writes every page to w as it arrives,
// without the objects' metadata.managedFields (DropManagedFields). A
// kind that cannot be listed is written as an error frame (the forbidden
// ones together, at the end) and the others are still listed; a group
// the server does not serve (Istio not installed) as a note. It returns an error only
// when w fails or ctx ends.
func List(ctx context.Context, cs kubernetes.Interface, opts ListOptions, w *livestream.Writer) error {
	if opts.PageSize <= 0 {
		opts.PageSize = 500
	}
	rc := cs.Discovery().RESTClient()
	served, err := servedVersions(cs)
	if err != nil {
		return w.Frame(livestream.TypeError, []byte(describe("the API server's groups", err)))
	}
	resources := map[string][]metav1.APIResource{} // by group/version, as discovered
	var forbidden []string                         // said once, at the end
	for _, gk := range manifest.KnownGroupKinds() {
		if err := ctx.Err(); err != nil {
			return err
		}
		res, version, err := findResource(cs, served, resources, gk)
		if err != nil {
			if werr := w.Frame(livestream.TypeError, []byte(describe("the resources of "+gk.Group, err))); werr != nil {
				return werr
			}
			continue
		}
		if res == nil {
			if err := w.Frame(livestream.TypeNote, []byte(notServed(gk, served))); err != nil {
				return err
			}
			continue
		}
		l := lister{rc: rc, w: w, gk: gk, version: version, res: res, pageSize: opts.PageSize, forbidden: &forbidden}
		if err := l.list(ctx, opts.Namespaces); err != nil {
			return err
		}
	}
	if len(forbidden) > 0 {
		// One line for a user without the role, not one a kind.
		return w.Frame(livestream.TypeError, []byte(describe(strings.Join(slices.Compact(forbidden), ", "), forbiddenErr)))
	}
	return nil
}

// forbiddenErr stands for the lists the API server forbade, in describe.
var forbiddenErr = apierrors.NewForbidden(schema.GroupResource{}, "", nil)

// servedVersions maps each API group the server serves to its versions,
// the preferred first.
func servedVersions(cs kubernetes.Interface) (map[string][]string, error) {
	groups, err := cs.Discovery().ServerGroups()
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, g := range groups.Groups {
		vs := []string{g.PreferredVersion.Version}
		for _, v := range g.Versions {
			if !slices.Contains(vs, v.Version) {
				vs = append(vs, v.Version)
			}
		}
		out[g.Name] = vs
	}
	return out, nil
}

// findResource finds the resource that serves gk in the first version,
// in the server's order of preference, that meshbatch decodes; nil when
// none is served.
func findResource(cs kubernetes.Interface, served map[string][]string, cache map[string][]metav1.APIResource, gk manifest.GroupKind) (*metav1.APIResource, string, error) {
	for _, v := range served[gk.Group] {
		if !slices.Contains(gk.Versions, v) {
			continue
		}
		gv := apiVersion(gk.Group, v)
		list, ok := cache[gv]
		if !ok {
			rl, err := cs.Discovery().ServerResourcesForGroupVersion(gv)
			if err != nil && !apierrors.IsNotFound(err) {
				return nil, "", err
			}
			if rl != nil {
				list = rl.APIResources
			}
			cache[gv] = list
		}
		for i := range list {
			if r := &list[i]; r.Kind == gk.Kind && !bytes.ContainsRune([]byte(r.Name), '/') {
				return r, v, nil
			}
		}
	}
	return nil, "", nil
}

func notServed(gk manifest.GroupKind, served map[string][]string) string {
	if _, ok := served[gk.Group]; !ok {
		return fmt.Sprintf("the API server does not serve %s: no %s listed", gk.Group, gk.Kind)
	}
	return fmt.Sprintf("the API server serves %s in no version meshbatch reads (%s %v): none listed", gk.Kind, gk.Group, gk.Versions)
}

func apiVersion(group, version string) string {
	if group == "" {
		return version
	}
	return group + "/" + version
}

// lister lists one kind.
type lister struct {
	rc       rest.Interface
	w        *livestream.Writer
	gk       manifest.GroupKind
	version  string
	res      *metav1.APIResource
	pageSize int
	// forbidden collects the resources the API server forbade listing.
	forbidden *[]string
}

// list lists the kind in every namespace, or in each of namespaces, a
// page at a time; Namespace objects of given namespaces are read by name.
func (l *lister) list(ctx context.Context, namespaces []string) error {
	switch {
	case namespaces == nil:
		return l.pages(ctx, "")
	case l.gk.Group == "" && l.gk.Kind == "Namespace":
		var docs [][]byte
		for _, ns := range namespaces {
			body, err := l.rc.Get().AbsPath(l.path("")+"/"+url.PathEscape(ns)).SetHeader("Accept", "application/json").DoRaw(ctx)
			if apierrors.IsNotFound(err) {
				if err := l.w.Frame(livestream.TypeNote, []byte("namespace "+ns+" does not exist")); err != nil {
					return err
				}
				continue
			}
			if err != nil {
				return l.failed(err)
			}
			docs = append(docs, DropManagedFields(body))
		}
		if len(docs) == 0 {
			return nil
		}
		return l.w.Page(docs)
	case !l.res.Namespaced:
		return l.pages(ctx, "")
	}
	for _, ns := range namespaces {
		if err := l.pages(ctx, ns); err != nil {
			return err
		}
	}
	return nil
}

// path is the resource's URL path, in namespace ns ("" for all).
func (l *lister) path(ns string) string {
	p := "/apis/" + l.gk.Group + "/" + l.version
	if l.gk.Group == "" {
		p = "/api/" + l.version
	}
	if ns != "" {
		p += "/namespaces/" + url.PathEscape(ns)
	}
	return p + "/" + l.res.Name
}

// pages lists the kind in ns ("" for all) with limit and continue, and
// writes each page as it arrives.
func (l *lister) pages(ctx context.Context, ns string) error {
	cont := ""
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		req := l.rc.Get().AbsPath(l.path(ns)).SetHeader("Accept", "application/json").
			Param("limit", strconv.Itoa(l.pageSize))
		if cont != "" {
			req = req.Param("continue", cont)
		}
		if l.gk.Group == "" && l.gk.Kind == "ConfigMap" {
			req = req.Param("fieldSelector", "metadata.name="+RootCertConfigMap)
		}
		body, err := req.DoRaw(ctx)
		if err != nil {
			return l.failedIn(ns, err)
		}
		var list struct {
			Metadata struct {
				Continue string `json:"continue"`
			} `json:"metadata"`
			Items []json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(body, &list); err != nil {
			return l.failed(fmt.Errorf("the API server's answer does not decode: %v", err))
		}
		docs := make([][]byte, 0, len(list.Items))
		for _, it := range list.Items {
			docs = append(docs, DropManagedFields(WithTypeMeta(it, apiVersion(l.gk.Group, l.version), l.gk.Kind)))
		}
		if len(docs) > 0 {
			if err := l.w.Page(docs); err != nil {
				return err
			}
		}
		if cont = list.Metadata.Continue; cont == "" {
			return nil
		}
	}
}

// failed writes a list that failed as an error frame: the lint goes on
// with the other kinds, and says it is incomplete.
func (l *lister) failed(err error) error { return l.failedIn("", err) }

// failedIn is failed for a list in namespace ns ("" for all); a forbidden
// list is kept for List to say with the others.
func (l *lister) failedIn(ns string, err error) error {
	if apierrors.IsForbidden(err) && l.forbidden != nil {
		what := l.res.Name
		if ns != "" {
			what += " in " + ns
		}
		*l.forbidden = append(*l.forbidden, what)
		return nil
	}
	return l.w.Frame(livestream.TypeError, []byte(describe(l.res.Name, err)))
}

func describe(what string, err error) string {
	if apierrors.IsForbidden(err) {
		return "cannot list " + what + ": forbidden; bind the reader to deploy/rbac/meshbatch-reader.yaml"
	}
	return fmt.Sprintf("cannot list %s: %v", what, err)
}

// WithTypeMeta puts apiVersion and kind at the start of a list item,
// which the API server leaves out of the items of a list of a built-in
// kind (a custom resource's items have them, and are returned as they
// are): one JSON object in, one out, its other bytes unchanged.
func WithTypeMeta(item []byte, apiVersion, kind string) []byte {
	item = bytes.TrimSpace(item)
	var tm struct {
		APIVersion *string `json:"apiVersion"`
		Kind       *string `json:"kind"`
	}
	if json.Unmarshal(item, &tm) == nil && (tm.APIVersion != nil || tm.Kind != nil) {
		return item
	}
	head, _ := json.Marshal(struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}{apiVersion, kind})
	if len(item) < 2 || item[0] != '{' {
		return item // not an object: decoding it says so
	}
	out := make([]byte, 0, len(head)+len(item))
	out = append(out, head[:len(head)-1]...)
	if rest := bytes.TrimSpace(item[1:]); len(rest) > 0 && rest[0] != '}' {
		out = append(out, ',')
	}
	return append(out, item[1:]...)
}

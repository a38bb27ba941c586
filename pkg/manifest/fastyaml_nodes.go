package manifest

import "strings"

// Reading a document the fast path parsed: what load.go asks of it (the
// type, name, namespace, labels) without building yaml.v3 nodes.

// text returns a scalar node's text.
func (p *fastParser) text(n *fnode) []byte {
	if n.inStrs {
		return p.strs[n.off:n.end]
	}
	return p.d[n.off:n.end]
}

// child returns the index of the value of key in mapping m, -1 if none:
// the first such key, as child does on nodes.
func (p *fastParser) child(m int, key string) int {
	if m < 0 || p.nodes[m].kind != fMap {
		return -1
	}
	for k := m + 1; k < int(p.nodes[m].next); k = int(p.nodes[k+1].next) {
		if string(p.text(&p.nodes[k])) == key {
			return k + 1
		}
	}
	return -1
}

// str returns a scalar's text as a new string, "" for a collection or no
// node, as scalar does on nodes.
func (p *fastParser) str(i int) string {
	if i < 0 || p.nodes[i].kind != fScalar {
		return ""
	}
	return string(p.text(&p.nodes[i]))
}

// namespaceStr is str for metadata.namespace: the objects a parser reads
// one after another mostly share a namespace, and then its string.
func (p *fastParser) namespaceStr(i int) string {
	if i < 0 || p.nodes[i].kind != fScalar {
		return ""
	}
	if text := p.text(&p.nodes[i]); string(text) != p.lastNS {
		p.lastNS = string(text)
	}
	return p.lastNS
}

// internedStr is str for apiVersion and kind, which take a few values: the
// known ones are not allocated again for every object.
func (p *fastParser) internedStr(i int) string {
	if s, ok := typeStrings[string(p.text(&p.nodes[i]))]; ok {
		return s
	}
	return p.str(i)
}

// typeStrings holds the apiVersions and kinds meshbatch decodes, and a few
// common others.
var typeStrings = func() map[string]string {
	m := map[string]string{}
	add := func(s string) { m[s] = s }
	for gk, k := range kinds {
		group, kind, _ := strings.Cut(gk, "/")
		add(kind)
		for _, v := range k.versions {
			if group == "" {
				add(v)
			} else {
				add(group + "/" + v)
			}
		}
	}
	for _, s := range []string{"Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding", "Secret",
		"rbac.authorization.k8s.io/v1", "NetworkPolicy", "networking.k8s.io/v1", "Ingress",
		"PodDisruptionBudget", "policy/v1", "HorizontalPodAutoscaler", "autoscaling/v2"} {
		add(s)
	}
	return m
}()

// stringMap is stringMap on nodes.
func (p *fastParser) stringMap(m int) map[string]string {
	if m < 0 || p.nodes[m].kind != fMap || p.nodes[m].next == int32(m+1) {
		return nil
	}
	out := map[string]string{}
	for k := m + 1; k < int(p.nodes[m].next); k = int(p.nodes[k+1].next) {
		if v := &p.nodes[k+1]; v.kind == fScalar {
			out[string(p.text(&p.nodes[k]))] = string(p.text(v))
		}
	}
	return out
}

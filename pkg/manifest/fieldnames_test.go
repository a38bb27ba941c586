package manifest

import (
	"strings"
	"testing"
)

// An unknown field is reported with the field meant, when one is close.
func TestUnknownFieldSuggestions(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{"apiVersion: batch/v1\nkind: Job\nmetadata: {name: etl}\nspec:\n  activeDeadlineSecond: 60\n",
			`unknown field "spec.activeDeadlineSecond"; did you mean "activeDeadlineSeconds"?`},
		{"apiVersion: batch/v1\nkind: Job\nmetadata: {name: etl}\nspec:\n  template:\n    spec:\n      containers:\n        - {name: a, image: b, imagePullPolcy: Always}\n",
			`unknown field "spec.template.spec.containers[0].imagePullPolcy"; did you mean "imagePullPolicy"?`},
		{"apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: sa, lables: {a: b}}\n",
			`unknown field "metadata.lables"; did you mean "labels"?`},
		{"apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default}\nspec:\n  mtls: {mdoe: STRICT}\n",
			`unknown field "mdoe"; did you mean "mode"?`},
		{"apiVersion: batch/v1\nkind: Job\nmetadata: {name: etl}\nspec:\n  frobnicate: true\n",
			`unknown field "spec.frobnicate"`},
	} {
		chunks := SplitDocuments([]byte(tc.doc))
		_, probs := ReadDocument("f.yaml", 0, chunks[0], Limits{})
		if len(probs) != 1 || !strings.Contains(probs[0].Msg, tc.want) {
			t.Errorf("%q:\n got %v\nwant a problem saying %q", tc.doc, probs, tc.want)
		}
	}
}

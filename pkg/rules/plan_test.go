package rules

import "testing"

func TestPlanReads(t *testing.T) {
	plan := PlanReads([]*Rule{
		{Reads: Reads{Loop: []string{"AuthorizationPolicy", "PeerAuthentication"}, Labels: []string{"Namespace"}}},
		{Reads: Reads{Spec: []string{"PeerAuthentication"}, Annotations: []string{"DestinationRule"}}},
		{Reads: Reads{Spec: []string{"DestinationRule"}}},
	})
	for _, tc := range []struct {
		kind         string
		reading      Reading
		labels, anns bool
	}{
		{"AuthorizationPolicy", ReadInLoops, false, false}, // looped over only
		{"PeerAuthentication", ReadBySpec, false, false},   // a lookup of one rule wins over the loop of another
		{"Namespace", ReadMetadata, true, false},
		{"DestinationRule", ReadBySpec, false, true},
		{"ServiceAccount", ReadMetadata, false, false}, // read by no rule
	} {
		labels, anns := plan.MetadataRead(tc.kind)
		if got := plan.Reading(tc.kind); got != tc.reading || labels != tc.labels || anns != tc.anns {
			t.Errorf("%s: reading %d, labels %v, annotations %v; want %d, %v, %v", tc.kind, got, labels, anns, tc.reading, tc.labels, tc.anns)
		}
	}
	var nilPlan *ReadPlan
	if nilPlan.Reading("ConfigMap") != ReadBySpec {
		t.Error("the nil plan must keep every kind by its spec")
	}
}

package rules

import (
	"errors"
	"fmt"
	"testing"

	"github.com/meshbatch/meshbatch/pkg/manifest"
)

// TestMessageRendersAsSprintf: a message kept as its format and arguments
// renders what fmt.Sprintf renders when it is reported, whatever the
// arguments are.
func TestMessageRendersAsSprintf(t *testing.T) {
	job := &manifest.Object{Kind: "Job", Namespace: "batch", Name: "etl"}
	ns := &manifest.Object{Kind: "Namespace", Name: "batch"}
	pa := &manifest.Object{Kind: "PeerAuthentication", Namespace: "batch", Name: "strict"}
	list := []string{"a", "b"}
	for _, tc := range []struct {
		format  string
		args    []any
		lazy    bool // kept as format and arguments
		related []*manifest.Object
	}{
		{"plain text", nil, true, nil},
		{"100%% sure", nil, false, nil},
		{"%s sets no activeDeadlineSeconds", []any{job.Ref()}, true, nil},
		{"%q names %s, not %s", []any{job.Ref(), ns.Ref(), "Job batch/et"}, true, nil},
		{"%s: see %s", []any{job.Ref(), pa.Ref()}, true, []*manifest.Object{pa}},
		{"%d of %d, %v, %.2f, %x", []any{3, int64(-7), true, 1.5, uint8(255)}, true, nil},
		{"%s and %d%%", []any{"x", 1}, true, nil},
		{"missing %s %s", []any{"one"}, true, nil},
		{"list %v", []any{list}, false, nil},
		{"error %v", []any{errors.New("boom")}, false, nil},
		{"severity %s", []any{Error}, false, nil},
		{"%v %s", []any{job, job.Ref()}, false, nil},
	} {
		m := messagef(job, tc.related, tc.format, tc.args...)
		want := fmt.Sprintf(tc.format, tc.args...)
		if got := m.String(); got != want {
			t.Errorf("%q %v: %q, want %q", tc.format, tc.args, got, want)
		}
		if lazy := m.format.Value() == tc.format && len(m.args) == len(tc.args); lazy != tc.lazy {
			t.Errorf("%q %v: kept as format and arguments %v, want %v", tc.format, tc.args, lazy, tc.lazy)
		}
	}
	if len(list) != 2 || list[0] != "a" {
		t.Error("an argument was changed")
	}
	// Ref arguments are kept as the object, which the message renders.
	m := messagef(job, []*manifest.Object{pa}, "%s: see %s", job.Ref(), pa.Ref())
	if _, ok := m.args[0].(refOf); !ok || m.args[1] != (refOf{pa}) {
		t.Errorf("arguments %#v, want refOf the Job and the PeerAuthentication", m.args)
	}
	if (Message{}).String() != "" {
		t.Error("the zero Message is not empty")
	}
}

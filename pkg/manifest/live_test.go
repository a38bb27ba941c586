package manifest

import "testing"

// TestIsLive: what ReadStoredDocument reads is live, what ReadDocument
// reads is not, whatever the file is called.
func TestIsLive(t *testing.T) {
	doc := []byte("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: etl, namespace: batch}\n")
	c := Chunk{Data: doc, StartLine: 1}
	stored, _, _ := ReadStoredDocument("spool/meshbatch-live-1.yaml", 0, c, Limits{}, nil)
	read, _ := ReadDocument("spool/meshbatch-live-1.yaml", 0, c, Limits{})
	if len(stored) != 1 || len(read) != 1 {
		t.Fatalf("read %d and %d objects, want one each", len(stored), len(read))
	}
	if !stored[0].IsLive() || read[0].IsLive() {
		t.Errorf("IsLive: stored %v, read from a file %v; want true, false", stored[0].IsLive(), read[0].IsLive())
	}
}

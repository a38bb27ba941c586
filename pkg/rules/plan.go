package rules

import "slices"

// Reading is how the rules of a run read the objects of a kind. It decides
// which objects the lint engine may release after loading, to keep a large
// input from holding every object decoded at once (as it does for
// workloads, see Workload.Release).
type Reading int

const (
	// ReadBySpec: lookups read these objects' specs (Services,
	// PeerAuthentications, DestinationRules, ...). They stay decoded; for
	// the kinds whose spec is kept as their Summary (see Spec), the engine
	// keeps the spec and the declared metadata and releases the rest of
	// the object.
	ReadBySpec Reading = iota
	// ReadInLoops: only the rules' own loops over OfKind read these
	// objects decoded; what lookups read of them is their Summary. The
	// engine releases them and decodes a part at a time again for an
	// ObjectPass view of that part.
	ReadInLoops
	// ReadMetadata: rules look these objects up by name and read at most
	// their labels or annotations (Index.Namespace, Index.ServiceAccount),
	// or read nothing of them. The engine releases them, keeping the
	// declared metadata, and never decodes them again.
	ReadMetadata
)

// ReadPlan is how a run holds the objects of each kind: what the Reads of
// its rules add up to. The nil plan reads every kind by its spec: nothing
// is released (NewIndex).
type ReadPlan struct {
	kinds map[string]kindPlan
	rules map[string]bool // the ids of the run's rules
}

type kindPlan struct {
	reading             Reading
	labels, annotations bool
}

// PlanReads adds up the Reads of rs: a kind read by its spec through some
// lookup is ReadBySpec, else one some rule loops over is ReadInLoops, else
// ReadMetadata; the labels and annotations of a kind are kept when some
// rule declares them.
func PlanReads(rs []*Rule) *ReadPlan {
	p := &ReadPlan{kinds: map[string]kindPlan{}, rules: map[string]bool{}}
	set := func(kinds []string, f func(*kindPlan)) {
		for _, k := range kinds {
			kp, ok := p.kinds[k]
			if !ok {
				kp.reading = ReadMetadata
			}
			f(&kp)
			p.kinds[k] = kp
		}
	}
	for _, r := range rs {
		p.rules[r.ID] = true
		set(r.Reads.Loop, func(kp *kindPlan) { kp.reading = min(kp.reading, ReadInLoops) })
		set(r.Reads.Spec, func(kp *kindPlan) { kp.reading = ReadBySpec })
		set(r.Reads.Labels, func(kp *kindPlan) { kp.labels = true })
		set(r.Reads.Annotations, func(kp *kindPlan) { kp.annotations = true })
	}
	return p
}

// Runs reports whether the run the plan is for checks rule id. The nil
// plan is a run of every rule.
func (p *ReadPlan) Runs(id string) bool {
	return p == nil || p.rules[id]
}

// Reading returns how the plan reads objects of a kind.
func (p *ReadPlan) Reading(kind string) Reading {
	if p == nil {
		return ReadBySpec
	}
	if kp, ok := p.kinds[kind]; ok {
		return kp.reading
	}
	return ReadMetadata
}

// MetadataRead says whether the plan reads the labels and the annotations
// of the objects of a kind the engine releases after loading: it keeps
// those maps only, as every input has many small ones (a Helm chart labels
// every object).
func (p *ReadPlan) MetadataRead(kind string) (labels, annotations bool) {
	if p == nil {
		return true, true
	}
	kp := p.kinds[kind]
	return kp.labels, kp.annotations
}

// Kinds lists the kinds the plan reads in some way, sorted, for tests and
// docs.
func (p *ReadPlan) Kinds() []string {
	var out []string
	for k := range p.kinds {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

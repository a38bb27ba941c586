package manifest

// IsLive reports whether o was read from a cluster (ReadStoredDocument),
// so the API server stored it, rather than from a file.
func (o *Object) IsLive() bool { return o.stored }

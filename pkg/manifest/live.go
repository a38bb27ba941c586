package manifest

import (
	"path/filepath"
	"strings"
)

// LiveSpoolPrefix and LiveSpoolSuffix frame the name of the spool file
// that holds the objects lint --cluster read from a cluster (pkg/lint's
// liveRun): the File of every live object. Rules tell a stored object from
// a manifest by it.
const LiveSpoolPrefix, LiveSpoolSuffix = "meshbatch-live-", ".yaml"

// IsLive reports whether o was read from a cluster, so the API server
// stored it, rather than from a file. A file of the user's named like the
// spool would pass for one; no manifest is named so in practice.
func (o *Object) IsLive() bool {
	base := filepath.Base(o.File)
	return strings.HasPrefix(base, LiveSpoolPrefix) && strings.HasSuffix(base, LiveSpoolSuffix)
}

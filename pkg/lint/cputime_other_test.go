//go:build !unix

package lint

import "time"

// processCPU reports false where getrusage does not exist.
func processCPU() (time.Duration, bool) { return 0, false }

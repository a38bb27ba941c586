package istiovalid

// AsOf is the Istio release whose validation this package follows: its
// checks are held to Istio's own functions at the version e2e/go.mod pins
// (main of 2026-08-27, after the 1.31 branch). Istio adds checks between
// releases, so an older istiod may accept what this package refuses.
const AsOf = "1.31"

// AsOfMajor and AsOfMinor are AsOf as numbers.
const AsOfMajor, AsOfMinor = 1, 31

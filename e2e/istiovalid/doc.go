// Package istiovalid holds meshbatch's reimplementation of Istio's
// validation (github.com/meshbatch/meshbatch/pkg/istiovalid) to Istio's own
// functions: the same objects, fixtures, corpus files and a seeded stream of
// mutations of them must get the same accept/reject verdict from both.
package istiovalid

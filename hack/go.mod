// The helpers behind make bench-compare and hack/same-output.sh, in a
// module of their own: pre-commit builds a golang hook with go install
// ./... at the repository root, which then installs meshbatch alone.
module github.com/meshbatch/meshbatch/hack

go 1.26.0

require (
	github.com/meshbatch/meshbatch v0.0.0
	go.yaml.in/yaml/v3 v3.0.5
)

replace github.com/meshbatch/meshbatch => ../

// Package clusterfacts runs `meshbatch facts` against a real kube-apiserver
// (with etcd, started by controller-runtime's envtest) holding the test
// clusters of pkg/clusterfacts/testdata: objects shaped as Istio's Helm
// charts render them, Node status written through the status subresource.
// facts runs as a user bound only to deploy/rbac/meshbatch-reader.yaml, so
// a read the ClusterRole does not allow shows as a note and fails the
// test. Its output must be the folder's want.yaml, and lint with it must
// give the lifecycle verdicts of lint.want.
//
// Each cluster gets a control plane of its own: Nodes and webhook
// configurations are cluster-wide, and a deleted Namespace never goes
// away without a controller manager.
package clusterfacts

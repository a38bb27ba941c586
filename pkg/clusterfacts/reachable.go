package clusterfacts

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/kubernetes"
)

// CheckReachable asks the API server of context contextName its version,
// which every authenticated user may read, and explains why it could
// not: a server that cannot be reached, or credentials it refuses, make
// every read fail, and a run that left everything out would look like an
// empty cluster. A forbidden version is the reads' to report. kubectl is
// the kubectl command line that reads the same cluster, for the hints.
func CheckReachable(ctx context.Context, cs kubernetes.Interface, contextName, kubectl string) error {
	_, err := cs.Discovery().RESTClient().Get().AbsPath("/version").Do(ctx).Raw()
	switch {
	case err == nil, apierrors.IsForbidden(err):
		return nil
	case apierrors.IsUnauthorized(err):
		return fmt.Errorf("the API server of context %s refuses its credentials (401 Unauthorized): log in again or renew "+
			"the kubeconfig user's token or certificate, and check with `%s get namespaces`", contextName, kubectl)
	}
	// client-go's error leads with the request's URL; the cause is what
	// the user can act on.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("cannot reach the API server of context %s: %v; check that the cluster is up and that the context's "+
		"server and certificate authority are right (`%s cluster-info`)", contextName, err, kubectl)
}

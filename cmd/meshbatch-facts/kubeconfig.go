package main

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// clientConfig loads the client configuration with kubectl's rules and
// returns the name of the context in use ("in-cluster" for the service
// account's). Its errors say which kubeconfig and what to do: client-go's
// own call an unset context "no configuration has been provided".
func clientConfig(kubeconfig, kubeContext string) (*rest.Config, string, error) {
	if kubeconfig != "" {
		if fi, err := os.Stat(kubeconfig); err != nil {
			return nil, "", fmt.Errorf("--kubeconfig %s: no such file; give the path of a kubeconfig", kubeconfig)
		} else if fi.IsDir() {
			return nil, "", fmt.Errorf("--kubeconfig %s is a directory; give the path of a kubeconfig file", kubeconfig)
		}
	}
	// client-go skips the files of KUBECONFIG that do not exist, and a
	// KUBECONFIG of none of them would read as no kubeconfig at all.
	if env := os.Getenv(clientcmd.RecommendedConfigPathEnvVar); kubeconfig == "" && env != "" && !slices.ContainsFunc(filepath.SplitList(env), exists) {
		return nil, "", fmt.Errorf("no cluster to read: KUBECONFIG=%s names no file that exists; point it at a kubeconfig, or give --kubeconfig FILE", env)
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	from := kubeconfigSource(rules)
	overrides := &clientcmd.ConfigOverrides{CurrentContext: kubeContext}
	loader := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	raw, err := loader.RawConfig()
	if err != nil {
		return nil, "", fmt.Errorf("the kubeconfig (%s) does not load: %v", from, err)
	}
	if err := checkContext(raw, kubeContext, from); err != nil {
		return nil, "", err
	}
	cfg, err := loader.ClientConfig()
	if err != nil {
		if clientcmd.IsEmptyConfig(err) {
			return nil, "", errors.New("no cluster to read: no kubeconfig (--kubeconfig, KUBECONFIG, ~/.kube/config) and not running in a pod; " +
				"give --kubeconfig FILE or set KUBECONFIG")
		}
		return nil, "", fmt.Errorf("the kubeconfig (%s) gives no usable cluster: %v", from, err)
	}
	name := "in-cluster"
	if len(raw.Contexts) > 0 {
		name = raw.CurrentContext
		if kubeContext != "" {
			name = kubeContext
		}
	}
	cfg.UserAgent = "meshbatch-facts/" + version
	cfg.QPS, cfg.Burst = 20, 40
	cfg.Timeout = 30 * time.Second
	return cfg, name, nil
}

// checkContext explains a context that cannot be used: one asked for
// that the kubeconfig lacks, none chosen among several, or one that
// names a cluster the kubeconfig does not define. A kubeconfig without
// contexts is left to the loader (in a pod: the service account).
func checkContext(raw clientcmdapi.Config, kubeContext, from string) error {
	if len(raw.Contexts) == 0 {
		if kubeContext != "" {
			return fmt.Errorf("no context %q: the kubeconfig (%s) has no contexts", kubeContext, from)
		}
		return nil
	}
	names := strings.Join(slices.Sorted(maps.Keys(raw.Contexts)), ", ")
	name := kubeContext
	if name == "" {
		name = raw.CurrentContext
		if name == "" {
			return fmt.Errorf("the kubeconfig (%s) sets no current context: choose one with --context (it has %s)", from, names)
		}
	}
	c, ok := raw.Contexts[name]
	if !ok {
		if kubeContext != "" {
			return fmt.Errorf("no context %q in the kubeconfig (%s): it has %s (kubectl config get-contexts)", name, from, names)
		}
		return fmt.Errorf("the kubeconfig's (%s) current context %q is not one of its contexts (%s): choose one with --context", from, name, names)
	}
	if _, ok := raw.Clusters[c.Cluster]; !ok {
		return fmt.Errorf("context %q names cluster %q, which the kubeconfig (%s) does not define", name, c.Cluster, from)
	}
	return nil
}

func exists(file string) bool {
	_, err := os.Stat(file)
	return err == nil
}

// kubeconfigSource says where the kubeconfig comes from, for messages.
func kubeconfigSource(rules *clientcmd.ClientConfigLoadingRules) string {
	if rules.ExplicitPath != "" {
		return "--kubeconfig " + rules.ExplicitPath
	}
	if env := os.Getenv(clientcmd.RecommendedConfigPathEnvVar); env != "" {
		return clientcmd.RecommendedConfigPathEnvVar + "=" + env
	}
	return clientcmd.RecommendedHomeFile
}

// kubectlFor is the kubectl command line that reads the cluster the
// flags choose, for hints.
func kubectlFor(kubeconfig, kubeContext string) string {
	cmd := "kubectl"
	if kubeconfig != "" {
		cmd += " --kubeconfig " + kubeconfig
	}
	if kubeContext != "" {
		cmd += " --context " + kubeContext
	}
	return cmd
}

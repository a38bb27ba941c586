package main

import (
	"os"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/meshbatch/meshbatch/pkg/config"
)

// factsFileFlag names the facts file meshbatch facts wrote; its variable
// is MESHBATCH_FACTS and its config key factsFile.
const (
	factsFileFlag = "facts"
	factsFileEnv  = envPrefix + "FACTS"
)

func addFactsFileFlag(f *pflag.FlagSet) {
	f.String(factsFileFlag, "", "facts file written by meshbatch facts (env "+factsFileEnv+", config factsFile); flags, variables and facts: win over it")
}

// loadFactsFile reads the facts file named by --facts, else
// MESHBATCH_FACTS, else the config file's factsFile (relative to the
// config file's directory); nil when none is named.
func loadFactsFile(cfg *config.Config, flags *pflag.FlagSet) (*config.FactsFile, error) {
	var file string
	if fl := flags.Lookup(factsFileFlag); fl != nil && fl.Changed {
		file = fl.Value.String()
	} else if v, ok := os.LookupEnv(factsFileEnv); ok {
		file = v
	} else if cfg != nil && cfg.FactsFile != "" {
		file = cfg.FactsFile
		if !filepath.IsAbs(file) && cfg.Dir != "" {
			file = filepath.Join(cfg.Dir, file)
		}
	}
	if file == "" {
		return nil, nil
	}
	return config.LoadFacts(file)
}

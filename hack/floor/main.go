// Command floor is the yardstick for lint speed: on one goroutine it reads
// every manifest file under its arguments and decodes each YAML document
// into a yaml.v3 Node, the least any YAML linter with positions must do.
// It prints the number of documents decoded.
package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

func main() {
	docs, errs := 0, 0
	for _, root := range os.Args[1:] {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			switch strings.ToLower(filepath.Ext(p)) {
			case ".yaml", ".yml", ".json":
			default:
				return nil
			}
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			dec := yaml.NewDecoder(f)
			for {
				var n yaml.Node
				err := dec.Decode(&n)
				if errors.Is(err, io.EOF) {
					return nil
				}
				if err != nil {
					errs++ // a broken document ends the stream, as in any decoder
					return nil
				}
				docs++
			}
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "floor:", err)
			os.Exit(1)
		}
	}
	fmt.Printf("%d documents decoded, %d files with a syntax error\n", docs, errs)
}

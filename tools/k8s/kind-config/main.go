// Command fakestripecheck loads a kind cluster config the way `kind create cluster --config FILE`
// does, validates it, applies its containerdConfigPatches to a containerd config as kind does on each
// node, and prints the loaded (defaulted, internal) config as JSON. Exit 1 with kind's own error
// message when kind would refuse the file.
//
//	fakestripecheck kind-config.yaml
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"sigs.k8s.io/kind/pkg/internal/apis/config/encoding"
	"sigs.k8s.io/kind/pkg/internal/patch"
)

// A containerd 2 config of the kind kindest/node ships (version 3 format is the newer one; kind skips a
// patch whose own `version` differs from the node's). The patches only need to merge into it.
const containerdBase = "version = 2\n[plugins]\n"

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: fakestripecheck <kind-config.yaml>")
		os.Exit(2)
	}
	cfg, err := encoding.Load(os.Args[1])
	if err != nil {
		fail("load", err)
	}
	if err := cfg.Validate(); err != nil {
		fail("validate", err)
	}
	if _, err := patch.ContainerdTOML(containerdBase, cfg.ContainerdConfigPatches, cfg.ContainerdConfigPatchesJSON6902); err != nil {
		fail("containerdConfigPatches", err)
	}
	out := json.NewEncoder(os.Stdout)
	out.SetIndent("", "  ")
	if err := out.Encode(cfg); err != nil {
		fail("print", err)
	}
}

func fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "kind config: %s: %v\n", what, err)
	os.Exit(1)
}

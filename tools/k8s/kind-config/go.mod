// Checks kind-config.yaml with kind's own config loader: sigs.k8s.io/kind/pkg/internal/apis/config/encoding
// (strict YAML decoding of v1alpha4, defaulting, conversion) and the internal Cluster's Validate(), as
// `kind create cluster --config` runs them, without a Docker engine or a node image.
//
// The module path lies under sigs.k8s.io/kind/pkg/ on purpose: Go allows an import of
// .../pkg/internal/... only from a package whose import path starts with .../pkg/, and that rule is by
// path. Nothing here is published; the path is only this program's name. Built by tools/bootstrap.sh.
module sigs.k8s.io/kind/pkg/fakestripecheck

go 1.25.0

require sigs.k8s.io/kind v0.33.0

require (
	github.com/BurntSushi/toml v1.4.0 // indirect
	github.com/evanphx/json-patch/v5 v5.6.0 // indirect
	github.com/pelletier/go-toml v1.9.5 // indirect
	github.com/pkg/errors v0.9.1 // indirect
	go.yaml.in/yaml/v3 v3.0.4 // indirect
	sigs.k8s.io/yaml v1.4.0 // indirect
)

// Package layers holds the architecture check run by `make lint` and `make test`: its test lists every workspace module's import graph and fails on an import that crosses a layer.
package layers

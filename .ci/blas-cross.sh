#!/usr/bin/env bash
# Cross-architecture checks of package blas: the NEON kernel under
# qemu-user, and the builds without assembly (purego/noasm tags, 386,
# Windows, macOS). Assumes Go and qemu-user-static are installed. Run from
# anywhere; it works in the module root.
set -euo pipefail
cd "$(dirname "$0")/.."

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== blas: pure-Go builds (purego, noasm)"
go vet -tags purego ./blas ./bench
go vet -tags noasm ./blas ./bench
go test -count=1 -short -tags purego ./blas

echo "== blas: arm64 NEON kernel under qemu-aarch64-static"
GOARCH=arm64 go vet ./blas ./bench
GOARCH=arm64 go test -c -o "$tmp/blas.arm64" ./blas
qemu-aarch64-static "$tmp/blas.arm64" -test.short -test.count=1
# The pure-Go path on arm64, where the Go compiler fuses multiply-adds.
GOARCH=arm64 go test -c -tags purego -o "$tmp/blas.arm64.purego" ./blas
qemu-aarch64-static "$tmp/blas.arm64.purego" -test.short -test.count=1

echo "== blas: fallbacks compile (darwin/arm64, windows/amd64, 386)"
GOOS=darwin GOARCH=arm64 go vet ./blas
GOOS=windows GOARCH=amd64 go build ./...
GOARCH=386 go build ./blas
GOARCH=386 go test -c -o "$tmp/blas.386" ./blas
# A 386 binary runs natively on linux/amd64.
if [ "$(go env GOHOSTOS)/$(go env GOHOSTARCH)" = linux/amd64 ]; then
	"$tmp/blas.386" -test.short -test.count=1
fi
echo "blas-cross: ok"

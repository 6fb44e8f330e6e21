#!/usr/bin/env bash
# Installs the MinIO server the archive tests run against, once: built with
# go install (about 4 minutes the first time) into $(go env GOPATH)/bin,
# outside the repository. Idempotent: nothing happens when it is there.
set -euo pipefail
version=v0.0.0-20260212201848-7aac2a2c5b7c
bin="$(go env GOPATH)/bin/minio"
if [ -x "$bin" ] && [ "$(cat "$bin.version" 2>/dev/null)" = "$version" ]; then
  exit 0
fi
echo "minio: building github.com/minio/minio@$version (a few minutes, once)"
GOFLAGS= go install "github.com/minio/minio@$version"
echo "$version" > "$bin.version"

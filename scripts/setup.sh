#!/usr/bin/env bash
# Installs what klipp needs to build and test on Debian 12: FFmpeg 5.1
# development libraries, pkg-config and the ffmpeg command-line tool (used by
# `make bench` as the reference) and Chromium (tests play the cuts in a
# browser), poppler-utils (tests read the report PDF) and awscli (tests
# check the archive with an independent S3 client) and postgresql (the shared
# store's tests start their own server from its binaries) and openssh-client
# (tests check bundle signatures with ssh-keygen -Y verify). Idempotent: apt runs only when something is
# missing.
set -euo pipefail

packages=(pkg-config gcc libavcodec-dev libavformat-dev libavfilter-dev libswscale-dev
  libswresample-dev libavutil-dev libavdevice-dev ffmpeg tzdata chromium poppler-utils awscli postgresql openssh-client)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v go >/dev/null || { echo "setup: Go is not installed (klipp needs Go 1.24 or newer)" >&2; exit 1; }
pkg-config --exists 'libavcodec >= 59' 'libavcodec < 60' || {
  echo "setup: klipp needs FFmpeg 5.1 (libavcodec 59); found $(pkg-config --modversion libavcodec 2>/dev/null || echo none)" >&2
  exit 1
}

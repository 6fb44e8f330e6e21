#!/usr/bin/env bash
# Installs what klipp needs to build and test on Debian 12: FFmpeg 5.1
# development libraries, pkg-config and the ffmpeg command-line tool (used by
# `make bench` as the reference) and Chromium (tests play the cuts in a
# browser), poppler-utils (tests read the report PDF) and awscli (tests
# check the archive with an independent S3 client) and postgresql (the shared
# store's tests start their own server from its binaries) and openssh-client
# (tests check bundle signatures with ssh-keygen -Y verify) and node with
# playwright-core in scripts/browser (tests open the bundle viewer in Chromium). Idempotent: apt runs only when something is
# missing.
set -euo pipefail

packages=(pkg-config gcc libavcodec-dev libavformat-dev libavfilter-dev libswscale-dev
  libswresample-dev libavutil-dev libavdevice-dev ffmpeg tzdata chromium poppler-utils awscli postgresql openssh-client nodejs)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# Debian's nodejs comes without npm (NodeSource's has it built in).
command -v npm >/dev/null || dpkg-query -W -f='${Status}' npm 2>/dev/null | grep -q "install ok installed" || missing+=(npm)

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

# playwright-core for the viewer tests, as package-lock.json pins it; it drives
# Debian's chromium and downloads no browser of its own.
want=$(sed -n 's/.*"playwright-core": "\(.*\)".*/\1/p' scripts/browser/package.json)
have=$(sed -n 's/^  "version": "\(.*\)".*/\1/p' scripts/browser/node_modules/playwright-core/package.json 2>/dev/null || true)
if [ "$want" != "$have" ]; then
  echo "setup: npm ci in scripts/browser"
  (cd scripts/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

#!/usr/bin/env bash
# Installs the independent judges the tests use (exiftool, tesseract, chromium) when missing.
# PostSafe itself needs no system packages.
set -euo pipefail
missing=()
command -v exiftool >/dev/null 2>&1 || missing+=(libimage-exiftool-perl)
command -v tesseract >/dev/null 2>&1 || missing+=(tesseract-ocr)
# Headless browser for the review page's end-to-end tests (Playwright drives it; never
# `playwright install`).
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
echo "installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null

#!/usr/bin/env bash
# The README's install commands, run as written, in a fresh venv under a throwaway HOME, from a
# wheel built by `python -m build` (the README's `./PostSafe` folder is replaced by that wheel:
# pip installs either the same way). Then the installed command is used once, offline.
# Usage: scripts/check-install.sh [PYTHON]   (default .venv/bin/python, which has `build`)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-.venv/bin/python}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$PY" -m build --wheel --no-isolation --outdir "$work/dist" . >"$work/build.log" 2>&1 \
  || { cat "$work/build.log"; exit 1; }
wheel=$(ls "$work"/dist/postsafe-*.whl)
echo "built $(basename "$wheel")"

# The fenced block after "**Linux and macOS**" in the README, exactly as a reader copies it.
block=$(awk '/^\*\*Linux and macOS\*\*/{f=1; next} f && /^```sh/{c=1; next} c && /^```/{exit} c' README.md)
[ -n "$block" ] || { echo "no Linux install block in README.md" >&2; exit 1; }
echo "$block" | sed 's/^/  README: /'
script=${block//.\/PostSafe/$wheel}
# The user's Python: the one this machine runs as python3 (a fresh venv, nothing of ours in it).
(export HOME="$work/home"; mkdir -p "$HOME"; cd "$work"; bash -euo pipefail -c "$script") \
  >"$work/install.log" 2>&1 || { tail -40 "$work/install.log"; exit 1; }
grep -q "Make photos safe to post" "$work/install.log" || { cat "$work/install.log"; exit 1; }

env="$work/home/postsafe-env/bin"
"$env/python" -m scanner --help >/dev/null
# One photo, with the models from the installed wheels only (no network is needed).
"$env/postsafe" scan sample_images/outing_gps.jpg | tee "$work/scan.log" | tail -3
grep -q "would hide" "$work/scan.log"
echo "install check: the README's commands work from the wheel"

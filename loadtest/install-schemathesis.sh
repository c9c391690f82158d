#!/usr/bin/env bash
# Installs the pinned schemathesis from PyPI into a virtualenv in a cache directory when it is not there yet, and
# prints the path of its `schemathesis` command (only the path, on stdout; progress goes to stderr).
#
# SCHEMATHESIS_VERSION   the PyPI version (default below)
# SCHEMATHESIS_CACHE_DIR where virtualenvs are kept (default ${XDG_CACHE_HOME:-~/.cache}/bazar/schemathesis)
set -euo pipefail

version="${SCHEMATHESIS_VERSION:-4.32.5}"
cache_dir="${SCHEMATHESIS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/bazar/schemathesis}"
venv="$cache_dir/$version"
bin="$venv/bin/schemathesis"

# The marker is written last, so an interrupted install is redone rather than trusted.
if [ -f "$venv/.complete" ] && "$bin" --version >/dev/null 2>&1; then
  echo "$bin"
  exit 0
fi
command -v python3 >/dev/null 2>&1 || { echo "install-schemathesis: python3 is required" >&2; exit 1; }
echo "install-schemathesis: pip install schemathesis==$version into $venv" >&2
started=$SECONDS
rm -rf "$venv"
mkdir -p "$cache_dir"
python3 -m venv "$venv" >&2
"$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version" >&2
"$bin" --version >/dev/null
touch "$venv/.complete"
echo "install-schemathesis: ready in $((SECONDS - started)) s" >&2
echo "$bin"

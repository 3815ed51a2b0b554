#!/usr/bin/env bash
# Install what textkern needs on a fresh Debian/Ubuntu machine, then make
# a virtual environment in .venv with textkern and the given pip extras.
#   tools/bootstrap.sh [extras]      e.g. tools/bootstrap.sh test
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"

python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "bootstrap: textkern needs Python 3.11 or newer; '$python' is not." >&2
  echo "  Install one and run again with PYTHON=/path/to/python3.11 (or newer)." >&2
  exit 1
fi
# "install ok installed": dpkg -s also succeeds for removed, unpurged packages.
installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}
need=()
for pkg in libutf8proc-dev unicode-data pkg-config zlib1g-dev gcc; do
  installed "$pkg" || need+=("$pkg")
done
# Debian keeps venv/ensurepip and the C headers out of the python3 package.
pyver=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
"$python" -c 'import ensurepip, venv' >/dev/null 2>&1 || need+=("python$pyver-venv")
pyinclude=$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
[ -f "$pyinclude/Python.h" ] || need+=("python$pyver-dev")
if ((${#need[@]})); then
  echo "bootstrap: installing system packages: ${need[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}"
fi

# A venv whose creation failed half-way (no ensurepip, say) has a python
# but no pip: make it again rather than fail on it forever.
if ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
  rm -rf .venv
  "$python" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
fi
spec="."
[ -n "$extras" ] && spec=".[$extras]"
.venv/bin/python -m pip install -q "$spec"

#!/usr/bin/env bash
# Builds the documentation: HTML in doc/_build/html. Fails on any Sphinx warning.
#   bash doc/build.sh
# Sphinx comes from doc/requirements.txt, installed in doc/.venv (made here when missing or
# when the requirements changed; scripts/deps.sh does the same on a fresh machine). The Kconfig
# and C API references are generated first from Kconfig and include/zephyr/net/ocpp.h into
# doc/_build/generated (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=doc/.venv
if ! cmp -s doc/requirements.txt "$venv/requirements.txt" || [ ! -x "$venv/bin/sphinx-build" ]; then
    echo "doc: installing doc/requirements.txt into $venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q -r doc/requirements.txt
    cp doc/requirements.txt "$venv/requirements.txt"
fi

start=$(date +%s)
rm -rf doc/_build/generated doc/_build/html
"$venv/bin/python" doc/gen_kconfig.py Kconfig doc/_build/generated/kconfig.rst
"$venv/bin/python" doc/gen_c_api.py include/zephyr/net/ocpp.h doc/_build/generated/c_api.rst Kconfig
OCPP_DOC_GENERATED=1 "$venv/bin/sphinx-build" -W --keep-going -q -b html doc doc/_build/html
echo "doc: built doc/_build/html/index.html in $(($(date +%s) - start)) s, no warnings"

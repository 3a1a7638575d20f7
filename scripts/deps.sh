#!/usr/bin/env bash
# Installs what the demo and the tests need on a fresh machine of this project's kind
# (Debian, root, Rust via rustup, Python 3.11). Idempotent: fast when everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v g++ >/dev/null || need_apt+=(g++)
[ -e /usr/lib/gcc/x86_64-linux-gnu/12/32/libgcc.a ] || need_apt+=(gcc-multilib g++-multilib)
command -v arm-none-eabi-gcc >/dev/null || need_apt+=(gcc-arm-none-eabi binutils-arm-none-eabi)
command -v valgrind >/dev/null || need_apt+=(valgrind)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "deps: apt-get install ${need_apt[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

python3 -c 'import ocpp, websockets, jsonschema, pytest' 2>/dev/null ||
    python3 -m pip install -q -r tools/requirements.txt
# Sphinx for doc/build.sh, in its own venv (it needs a newer docutils than some system tools).
cmp -s doc/requirements.txt doc/.venv/requirements.txt || { python3 -m venv doc/.venv && doc/.venv/bin/python -m pip install -q -r doc/requirements.txt && cp doc/requirements.txt doc/.venv/; }

installed=$(rustup target list --installed)
for target in thumbv7em-none-eabihf i686-unknown-linux-gnu; do
    grep -qx "$target" <<<"$installed" || rustup target add "$target"
done

# The web console's tests (tests/console): Node.js, Debian's Chromium and playwright-core from
# npm (which never downloads a browser of its own). Not fatal: without a browser the console
# stage of scripts/test.sh says loudly that it skipped the browser test.
console_apt=()
command -v node >/dev/null || console_apt+=(nodejs npm)
[ -x /usr/bin/chromium ] || console_apt+=(chromium)
if [ ${#console_apt[@]} -gt 0 ]; then
    echo "deps: apt-get install ${console_apt[*]} (the web console's browser test)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${console_apt[@]}" >/dev/null; } ||
        echo "deps: could not install ${console_apt[*]}: the console's browser test will be skipped" >&2
fi
# npm writes node_modules/.package-lock.json on every install: older than the lock = stale.
if command -v npm >/dev/null && { [ ! -d tests/console/node_modules/playwright-core ] ||
    [ tests/console/package-lock.json -nt tests/console/node_modules/.package-lock.json ]; }; then
    echo "deps: npm ci in tests/console"
    (cd tests/console && npm ci --no-audit --no-fund --loglevel=error) ||
        echo "deps: npm ci failed in tests/console: the console's browser test will be skipped" >&2
fi

CBINDGEN_VERSION=0.29.4
if ! cbindgen --version 2>/dev/null | grep -q "$CBINDGEN_VERSION"; then
    cargo install --quiet --locked cbindgen --version "$CBINDGEN_VERSION"
fi

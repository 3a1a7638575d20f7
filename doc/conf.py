# Sphinx configuration of the zephyr-ocpp documentation (doc/build.sh builds it).
#
# The Kconfig and C API references are generated from Kconfig and include/zephyr/net/ocpp.h
# into _build/generated/ before Sphinx runs (doc/gen_kconfig.py, doc/gen_c_api.py); this file
# also runs the generators itself, so a bare `sphinx-build doc doc/_build/html` works too.

import os
import subprocess
import sys

DOC = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(DOC)

project = "zephyr-ocpp"
author = "zephyr-ocpp contributors"
copyright = "2025, zephyr-ocpp contributors"
release = version = "0.1.0"

extensions = []
primary_domain = "c"
highlight_language = "none"
exclude_patterns = ["_build/html", "_build/doctrees", ".venv", "README.md"]
templates_path = []
# Every cross-reference must resolve (a renamed function or symbol fails the build), except
# to C identifiers the header takes from elsewhere (stdint, Zephyr's kernel, net and zbus).
nitpicky = True
nitpick_ignore_regex = [("c:identifier", r"(?!ocpp_|OCPP_|CISTR).*")]
html_theme = "alabaster"
html_static_path = []
html_theme_options = {"description": "OCPP 1.6J charge point for Zephyr, in Rust", "fixed_sidebar": True}
html_title = "zephyr-ocpp documentation"
html_show_sourcelink = False


def _generate():
    out = os.path.join(DOC, "_build", "generated")
    os.makedirs(out, exist_ok=True)
    kconfig = os.path.join(ROOT, "Kconfig")
    header = os.path.join(ROOT, "include", "zephyr", "net", "ocpp.h")
    for cmd in (
        [sys.executable, os.path.join(DOC, "gen_kconfig.py"), kconfig, os.path.join(out, "kconfig.rst")],
        [sys.executable, os.path.join(DOC, "gen_c_api.py"), header, os.path.join(out, "c_api.rst"), kconfig],
    ):
        subprocess.run(cmd, check=True)


# doc/build.sh runs the generators before Sphinx and says so.
if not os.environ.get("OCPP_DOC_GENERATED"):
    _generate()

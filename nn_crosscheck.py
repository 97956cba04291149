"""nn_crosscheck in a plain checkout, laid out as the installed package.

Installed, nn-crosscheck is one import package, `nn_crosscheck`: the harness (crosscheck/), with
the reference and the ports inside it (`nn_crosscheck.reference`, `nn_crosscheck.ports`; the
package-dir of pyproject.toml). A checkout keeps the three folders side by side. With nothing
installed and the checkout's root on sys.path (`python -m pytest`, `python -m nn_crosscheck` or
`python -m nn_crosscheck.reference` run there), importing this module puts a finder for exactly
those three names first on sys.meta_path, and the package it finds takes this module's place.
No other name of the checkout becomes importable: `ports`, `reference` and `crosscheck` stay free.
"""

import importlib
import importlib.abc
import importlib.util
import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
FOLDERS = {
    "nn_crosscheck": "crosscheck",
    "nn_crosscheck.reference": "reference",
    "nn_crosscheck.ports": "ports",
}


class CheckoutFinder(importlib.abc.MetaPathFinder):
    """Finds the three packages of FOLDERS in the checkout; their modules are found as usual."""

    def find_spec(self, name, path=None, target=None):
        if name not in FOLDERS:
            return None
        folder = ROOT / FOLDERS[name]
        return importlib.util.spec_from_file_location(
            name, folder / "__init__.py", submodule_search_locations=[str(folder)]
        )


sys.meta_path.insert(0, CheckoutFinder())

if __name__ == "__main__":  # python -m nn_crosscheck: the package's own __main__
    runpy.run_module("nn_crosscheck", run_name="__main__", alter_sys=True)
else:  # import nn_crosscheck: the import system hands out what sys.modules holds once this returns
    del sys.modules[__name__]
    importlib.import_module(__name__)

"""Import one module of a large package without running that package's `__init__`.

Some packages import everything they have in their `__init__`: `import mediapipe` imports every
legacy solution, its drawing utilities (and through them `matplotlib.pyplot`) and the whole tasks
API (0.66 s on 2 cores, `python -X importtime`); `import scipy.signal` imports all of signal
processing and scipy.stats (0.6-0.9 s). rom needs the pose solution from the one and four
filter functions from the other.

`import_skipping(name, skip)` enters the packages named in `skip` in `sys.modules` with their
`__init__` not yet run, then imports `name`. A skipped package stays usable by anyone: importing
a submodule of it works as usual, and the first attribute it lacks (`mediapipe.solutions`,
`mediapipe.__version__`, `scipy.signal.find_peaks`) runs its real `__init__` there and then. A
package already imported is used as it is.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
import threading
import types
from collections.abc import Collection

_LOCK = threading.RLock()


def import_skipping(name: str, skip: Collection[str]) -> types.ModuleType:
    """The module `name`, imported without running the `__init__` of the packages in `skip`."""
    with _LOCK:
        parts = name.split(".")
        for i in range(1, len(parts)):
            package = ".".join(parts[:i])
            if package in sys.modules:
                continue
            if package not in skip:
                importlib.import_module(package)
                continue
            module = _deferred_package(package)
            if i > 1:  # what the import system does for a submodule it loads itself
                setattr(sys.modules[".".join(parts[:i - 1])], parts[i - 1], module)
        return importlib.import_module(name)


def _deferred_package(name: str) -> types.ModuleType:
    """Enter the package `name` in sys.modules; its __init__ runs on its first missing attribute."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        raise ImportError(f"no package named {name!r}")
    module = importlib.util.module_from_spec(spec)
    ran = threading.Lock()

    def __getattr__(attr: str):
        # `from package import submodule` asks for the attribute first: import just that one
        if importlib.machinery.PathFinder.find_spec(f"{name}.{attr}", module.__path__) is not None:
            return importlib.import_module(f"{name}.{attr}")
        if ran.acquire(blocking=False):
            del module.__getattr__  # from now on an ordinary module
            spec.loader.exec_module(module)
            return getattr(module, attr)
        raise AttributeError(f"module {name!r} has no attribute {attr!r}")

    module.__getattr__ = __getattr__
    sys.modules[name] = module
    return module

"""When `import emulator` registers the Ground Truth operations with moto.

Registering puts our methods on moto's `SageMakerResponse`, so it needs that class, and
importing moto costs about 0.45 s of CPU (its core pulls in boto3 and `responses`). Most `gtemu`
commands never run moto: `lint`, `preview`, `consolidate`, `export`, `work`, `reset`, every
`--help` and every flag error. So `import emulator` registers at once only when moto's
SageMaker responses are already loaded; otherwise it registers the moment they are. A finder
on `sys.meta_path` wraps the loader of that one module, and registration runs right after the
module's code, inside the same import: whoever imported it (moto's dispatcher for
`mock_aws()`, moto's server, a test) finds our operations on the class the first time it looks
(docs/interfaces.md#startup). This is the post-import hook that `wrapt` and `importlib` recipes
describe; it removes itself once it has run.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

# The moto module that defines `SageMakerResponse` (tests/test_moto_canary.py checks it).
SAGEMAKER_RESPONSES = "moto.sagemaker.responses"


def register_when_loaded(register: Callable[[], None],
                         module: str = SAGEMAKER_RESPONSES) -> None:
    """Call `register` (which must be idempotent) now if `module` is loaded, else right after
    it is first imported."""
    if module in sys.modules:
        register()
        return
    hook = _AfterImport(module, register)
    sys.meta_path.insert(0, hook)
    if module in sys.modules:  # another thread imported it meanwhile, maybe before the hook
        hook.loaded()


class _AfterImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself: for `module`, it asks the finders after it and wraps the loader
    they return, so that `register` runs once the module has been executed."""

    def __init__(self, module: str, register: Callable[[], None]) -> None:
        self.module = module
        self.register = register

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.module:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _RegisteringLoader(spec.loader, self)
                return spec
        return None

    def loaded(self) -> None:
        with contextlib.suppress(ValueError):  # already gone: loaded() ran in another thread
            sys.meta_path.remove(self)
        self.register()


class _RegisteringLoader(importlib.abc.Loader):
    """The module's own loader, with `register` run after `exec_module`."""

    def __init__(self, loader: Any, hook: _AfterImport) -> None:
        self._loader = loader
        self._hook = hook

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        self._hook.loaded()

    def __getattr__(self, name: str) -> Any:  # get_source, get_filename ... for tracebacks
        return getattr(self._loader, name)

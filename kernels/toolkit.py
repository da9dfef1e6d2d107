"""What a kernel module needs to build and load compiled code: for the built-in backends and the user's own.

A kernel in a ``kernel_paths`` folder imports this (``from kernels import
toolkit``): the pipeline's root is on ``sys.path`` wherever a kernel is
loaded. ``build_cython`` translates a ``.pyx`` with Cython's own compiler entry
point (no distutils, gone from Python 3.12 on) and compiles it with the
interpreter's C compiler, headers and the user's ``cython_cflags``, returning
the manifest fields every compiled backend records; ``import_extension``
loads the result from the build folder; ``import_beside`` loads a helper
module (``_something.py``) that sits next to a kernel file.
"""

from __future__ import annotations

import importlib
import sys
import sysconfig
from pathlib import Path
from types import ModuleType

import kernels
from kernels import _toolchain
from kernels._toolchain import BuildError


def translate_cython(pyx: Path, build_dir: Path) -> str:
    """Cythonize ``pyx`` into ``build_dir`` (as ``<stem>.c``); return the Cython version used.

    Separate from compiling so an interpreter without Cython can still get an
    extension: the C that Cython writes is interpreter-agnostic, the compile
    step (``compile_cython``) is not.
    """
    import Cython
    from Cython.Compiler.Main import compile as cython_compile

    pyx, build_dir = Path(pyx), Path(build_dir)
    build_dir.mkdir(parents=True, exist_ok=True)
    pyx_copy = build_dir / pyx.name
    pyx_copy.write_bytes(pyx.read_bytes())
    # Cython's own compiler entry point, not ``cythonize``: that one builds
    # distutils Extension objects, and distutils is gone from Python 3.12 on.
    result = cython_compile(str(pyx_copy), language_level=3)
    if result.num_errors or not result.c_file:
        raise BuildError(
            f"Cython {Cython.__version__} could not translate {pyx.name} "
            f"({result.num_errors} error(s), shown above): fix the .pyx"
        )
    return Cython.__version__


def compile_cython(pyx: Path, build_dir: Path, cflags: list[str], cython_version: str, backend: str) -> dict:
    """Compile ``build_dir``'s C of ``pyx`` against this interpreter; return the manifest."""
    pyx, build_dir = Path(pyx), Path(build_dir)
    c_file = build_dir / f"{pyx.stem}.c"
    output = build_dir / f"{pyx.stem}{sysconfig.get_config_var('EXT_SUFFIX')}"
    includes = ["-I", sysconfig.get_paths()["include"]]
    command = _toolchain.compile_shared([c_file], output, cflags, includes)
    return {
        **_toolchain.compiled_manifest(backend, pyx, output, command, cflags),
        "cython_version": cython_version,
    }


def build_cython(pyx: Path, build_dir: Path, cflags: list[str], backend: str) -> dict:
    """Translate and compile ``pyx`` into ``build_dir``: a kernel's whole ``build`` for one .pyx."""
    return compile_cython(pyx, build_dir, cflags, translate_cython(pyx, build_dir), backend)


def import_extension(build_dir: Path, module: str) -> ModuleType:
    """Import the extension ``module`` that a build put in ``build_dir``."""
    path = str(Path(build_dir).resolve())
    if path not in sys.path:
        sys.path.insert(0, path)
    return importlib.import_module(module)


def import_beside(kernel_file: str | Path, name: str) -> ModuleType:
    """Import the module ``name`` (a file ``name.py`` next to ``kernel_file``) once, under a private name."""
    file = Path(kernel_file).with_name(f"{name}.py")
    return kernels.import_file(f"rtg_user_kernels.{Path(kernel_file).stem}.{name}", file)

"""Safety-case runner: import a freshly built extension module (runs its top level).

Usage: python import_module.py BUILD_DIR MODULE. Exit 0 and one line on
stdout if the import survived; a crash shows up as a signal to the parent.
Standalone on purpose: it may run under an interpreter or venv that does not
have the project on its path.
"""

import importlib
import sys

build_dir, module = sys.argv[1], sys.argv[2]
sys.path.insert(0, build_dir)
importlib.import_module(module)
print(f"imported {module}: top-level nested release returned")

"""The house checks CI must keep green: ruff, snakefmt, snakemake --lint."""

import subprocess
import sys

from tests.conftest import ROOT, snakemake


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_ruff_check():
    result = run(sys.executable, "-m", "ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format():
    result = run(sys.executable, "-m", "ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_snakefmt():
    result = run(sys.executable, "-m", "snakefmt", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_snakemake_lint():
    result = snakemake(ROOT, "--lint", timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Congratulations" in result.stdout + result.stderr


def lint_imports(cwd, *args: str) -> subprocess.CompletedProcess:
    """import-linter's own command line (the contracts in pyproject.toml, or a config given)."""
    code = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_the_layer_contract_and_no_import_cycle():
    """rtg's stages import only the stages below them, only figures draw, and no module imports itself back."""
    result = lint_imports(ROOT)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert "Contracts: 3 kept, 0 broken." in out


def test_the_cycle_contract_catches_a_cycle(tmp_path):
    """The same kind of contract on a package whose two modules import each other is broken: it does check."""
    package = tmp_path / "loop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from loop import b\n")
    (package / "b.py").write_text("def f():\n    from loop import a  # a function-level import still counts\n")
    (tmp_path / ".importlinter").write_text(
        "[importlinter]\nroot_package = loop\n\n"
        "[importlinter:contract:acyclic]\nname = no cycle\ntype = acyclic_siblings\nancestors = loop\n"
    )
    result = lint_imports(tmp_path, "--config", str(tmp_path / ".importlinter"))
    assert result.returncode != 0
    assert "no cycle BROKEN" in result.stdout, result.stdout + result.stderr

"""What `pip install .` builds: every module and data file of the source
tree, declared so that setuptools has nothing to warn about."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ("bot", "flows", "storage", "locales")


def _files(base: Path, folders: tuple[str, ...]) -> set[str]:
    return {
        p.relative_to(base).as_posix()
        for folder in folders
        for p in (base / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


def test_build_ships_code_specs_catalogs_and_migrations_without_warnings(tmp_path: Path) -> None:
    # build_py is the step of a wheel build that picks packages and data files;
    # it runs in well under a second and writes nothing into the source tree.
    pytest.importorskip("setuptools", minversion="61")  # reads [tool.setuptools] of pyproject.toml
    lib = tmp_path / "lib"
    result = subprocess.run(
        [sys.executable, "-W", "default", "-c", "from setuptools import setup; setup()",
         "egg_info", "--egg-base", str(tmp_path), "build_py", "--build-lib", str(lib)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log
    assert "would be ignored" not in log and "`packages` configuration" not in log, log
    assert _files(lib, SHIPPED) == _files(ROOT, SHIPPED)
    assert {"flows/programs/kemenkes_tetap.yaml", "locales/id/LC_MESSAGES/bina.po",
            "storage/migrations/script.py.mako", "bot/templates/bukti_keterangan.html",
            "bot/templates/document.css"} <= _files(lib, SHIPPED)

"""The pinned environment: pyproject.toml and environment.yml name the same exact versions."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        specs += extra
    pins = {}
    for spec in specs:
        name, sep, version = spec.partition("==")
        assert sep, f"pyproject.toml: {spec!r} is not pinned with =="
        pins[name.strip().lower()] = version.strip()
    return pins


def _environment_pins() -> dict[str, str]:
    text = (ROOT / "environment.yml").read_text()
    found = re.findall(r"^\s*-\s*([A-Za-z0-9_.-]+)==([^\s#]+)\s*$", text, flags=re.M)
    return {name.lower(): version for name, version in found}


def test_environment_pins_match_pyproject():
    assert _environment_pins() == _pyproject_pins()


def test_environment_torch_is_the_local_cpu_wheel_version():
    # Any other torch requirement downloads a multi-GB CUDA build on the course machines.
    assert _pyproject_pins()["torch"] == "2.13.0"


def test_environment_python_matches_requires_python():
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"^\s*-\s*python=3\.11\s*$", text, flags=re.M)
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert "3.11" in requires

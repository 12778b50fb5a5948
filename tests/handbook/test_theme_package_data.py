"""The site's MkDocs configuration and theme overrides are package data, found through the package: a
non-editable install (pip install .) builds the same site from any working directory."""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path

import yaml

import assistant
from assistant.handbook import site

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(assistant.__file__).parent


def test_the_configuration_is_found_through_the_package() -> None:
    theme = Path(str(site.THEME))
    assert theme == Path(str(files("assistant.handbook"))) / "theme"
    assert theme.is_relative_to(PACKAGE)  # not the source tree's root
    config = yaml.safe_load((theme / "mkdocs.yml").read_text(encoding="utf-8"))
    assert (theme / config["theme"]["custom_dir"] / "main.html").is_file()
    assert "An Giang" not in config["site_name"]  # the province's name comes from kb/province.yaml


def test_every_theme_file_is_declared_as_package_data() -> None:
    """What a wheel ships: the globs of [tool.setuptools.package-data] must cover every file of the theme."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = pyproject["tool"]["setuptools"]["package-data"]["assistant"]
    shipped = {p for pattern in globs for p in PACKAGE.glob(pattern) if p.is_file()}
    theme = {p for p in (PACKAGE / "handbook" / "theme").rglob("*") if p.is_file()}
    assert len(theme) >= 6 and sorted(map(str, theme - shipped)) == []

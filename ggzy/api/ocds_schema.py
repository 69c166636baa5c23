"""The vendored OCDS 1.1.5 schemas (ggzy/api/data/ocds-1.1.5, Apache-2.0, see its README.md) and a
validator for release packages whose ``$ref`` to the release schema resolves to the local file —
never over the network."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SCHEMA_DIR = Path(__file__).resolve().parent / "data" / "ocds-1.1.5"


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    return data


@functools.cache
def package_validator() -> Draft4Validator:
    package = _load("release-package-schema.json")
    release = _load("release-schema.json")
    registry: Registry[Any] = Registry().with_resources(
        [
            (release["id"], Resource.from_contents(release, default_specification=DRAFT4)),
            (package["id"], Resource.from_contents(package, default_specification=DRAFT4)),
        ]
    )
    return Draft4Validator(package, registry=registry, format_checker=FormatChecker())


def package_errors(package: dict[str, Any], *, limit: int = 20) -> list[str]:
    """Readable schema violations of ``package`` (empty when it validates)."""
    errors = []
    for error in package_validator().iter_errors(package):
        path = "/".join(str(p) for p in error.absolute_path)
        errors.append(f"{path}: {error.message}")
        if len(errors) >= limit:
            break
    return errors

"""Generate the SDK's types, resources and the mock's route table from openapi/openapi.yaml.

python -m tools.codegen            write the generated files
python -m tools.codegen --check    exit 1 if any generated file differs from the spec's output

--spec and --root generate from another spec into another tree (the generator's tests do).
"""

from __future__ import annotations

import argparse
import difflib
import shutil
import sys
from pathlib import Path

import yaml

from .emit import MOCK_SPEC_JSON, RESOURCES_DIR, TYPES_DIR, format_sources, render_all, spec_json
from .overlay import apply_overlay

SPEC = Path("openapi/openapi.yaml")
MOCK_OVERLAY = "mock-overlay.yaml"
"""Beside the spec: the mock's extensions, applied only to the spec the mock serves."""


def generated_files(spec: Path) -> dict[Path, str]:
    document = yaml.safe_load(spec.read_text())
    files = format_sources(render_all(document))
    overlay_path = spec.with_name(MOCK_OVERLAY)
    if overlay_path.exists():
        document = apply_overlay(document, yaml.safe_load(overlay_path.read_text()))
    files[MOCK_SPEC_JSON] = spec_json(document)
    return files


def stale_files(root: Path, files: dict[Path, str]) -> list[Path]:
    """Generated-directory files the spec no longer produces."""
    existing = [
        p.relative_to(root) for d in (TYPES_DIR, RESOURCES_DIR) for p in (root / d).glob("*.py")
    ]
    return sorted(p for p in existing if p not in files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="fail on drift instead of writing")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the repository root")
    parser.add_argument("--spec", type=Path, help=f"the spec to read (default: <root>/{SPEC})")
    arguments = parser.parse_args(argv)
    root: Path = arguments.root
    spec: Path = arguments.spec or root / SPEC
    files = generated_files(spec)
    stale = stale_files(root, files)
    if arguments.check:
        drift = [
            path
            for path, text in files.items()
            if not (root / path).exists() or (root / path).read_text() != text
        ]
        for path in drift:
            if path.suffix == ".json":
                print(f"{path}: differs from the spec")
                continue
            current = (root / path).read_text().splitlines() if (root / path).exists() else []
            sys.stdout.writelines(
                line + "\n"
                for line in difflib.unified_diff(
                    current, files[path].splitlines(), str(path), str(path), lineterm=""
                )
            )
        for path in stale:
            print(f"{path}: generated file the spec no longer produces")
        if drift or stale:
            print(
                f"generated code is out of date ({len(drift) + len(stale)} files): run `make generate`",
                file=sys.stderr,
            )
            return 1
        print(f"generated code is up to date ({len(files)} files)")
        return 0
    for path in stale:
        (root / path).unlink()
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists() or target.read_text() != text:
            target.write_text(text)
    shutil.rmtree(root / TYPES_DIR / "__pycache__", ignore_errors=True)
    print(f"generated {len(files)} files from {arguments.spec or SPEC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

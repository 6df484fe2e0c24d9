"""What ships with the package: stubs, py.typed, docstrings."""

from pathlib import Path

import canopy
from conftest import need
import canopy.ray


def test_stubs_and_py_typed_ship():
    folder = Path(canopy.__file__).parent
    assert (folder / "py.typed").exists()
    assert (folder / "__init__.pyi").exists()
    assert (folder / "ray.pyi").exists()


def test_every_public_function_has_a_docstring():
    for name in canopy.__all__:
        item = getattr(canopy, name)
        assert item.__doc__ and item.__doc__.strip(), name
    for cls in (canopy.Run, canopy.Sweep, canopy.Scenario, canopy.Comparison, canopy.Seek):
        for name, member in vars(cls).items():
            if not name.startswith("_"):
                doc = member.__doc__ if not isinstance(member, property) else member.fget.__doc__
                assert doc and doc.strip(), f"{cls.__name__}.{name}"
    assert canopy.ray.sweep.__doc__


def test_the_fan_chart_example_runs(tmp_path):
    import subprocess
    import sys

    need("matplotlib")
    need("pandas")
    example = Path(__file__).resolve().parents[2] / "examples" / "python_fan_chart.py"
    done = subprocess.run(
        [sys.executable, str(example), str(tmp_path / "fan.png")], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "fan.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_stubs_declare_what_the_package_has():
    import ast

    stub = ast.parse((Path(canopy.__file__).parent / "__init__.pyi").read_text())
    names = next(
        ast.literal_eval(node.value)
        for node in stub.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "__all__"
    )
    assert sorted(names) == sorted(canopy.__all__)
    classes = {node.name: node for node in stub.body if isinstance(node, ast.ClassDef)}
    for cls in (canopy.Comparison, canopy.Seek):
        declared = {
            getattr(n, "name", None) or getattr(getattr(n, "target", None), "id", None) for n in classes[cls.__name__].body
        }
        public = {k for k in vars(cls) if not k.startswith("_")} | set(cls.__annotations__)
        assert public <= declared, (cls.__name__, public - declared)

"""The wheel ``odoo-addon-invoice_reminders`` carries the whole module."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-q", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    wheels = list(out.glob("odoo_addon_invoice_reminders-*.whl"))
    assert len(wheels) == 1, wheels
    return zipfile.ZipFile(wheels[0])


def test_module_lands_in_odoo_addons_with_every_file(wheel):
    names = set(wheel.namelist())
    prefix = "odoo/addons/invoice_reminders/"
    source = {
        str(path.relative_to(ROOT / "invoice_reminders"))
        for path in (ROOT / "invoice_reminders").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    missing = {name for name in source if prefix + name not in names}
    assert not missing, f"files missing from the wheel: {sorted(missing)}"
    assert prefix + "__manifest__.py" in names
    assert prefix + "data/mail_template_data.xml" in names
    assert prefix + "static/src/js/tours/invoice_reminders_tour.js" in names


def test_wheel_declares_its_python_dependencies(wheel):
    metadata_name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
    metadata = wheel.read(metadata_name).decode()
    assert "Name: odoo-addon-invoice_reminders" in metadata
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    assert any("pdfkit" in line and "extra" not in line for line in requires)
    assert any("python-docx" in line and "extra" not in line for line in requires)


def test_manifest_matches_setup(wheel):
    import ast

    manifest = ast.literal_eval((ROOT / "invoice_reminders" / "__manifest__.py").read_text())
    assert sorted(manifest["external_dependencies"]["python"]) == ["pdfkit", "python-docx"]
    assert manifest["version"].startswith("18.0.")
    assert manifest["license"] == "LGPL-3"

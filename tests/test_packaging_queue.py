"""The wheel ``odoo-addon-invoice_reminders_queue`` carries the bridge and installs."""

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ADDON = ROOT / "invoice_reminders_queue"


@pytest.fixture(scope="module")
def wheel_path(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT / "setup" / "invoice_reminders_queue"),
        ],
        check=True,
        capture_output=True,
    )
    wheels = list(out.glob("odoo_addon_invoice_reminders_queue-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_the_bridge_lands_in_odoo_addons_with_every_file(wheel_path):
    names = set(zipfile.ZipFile(wheel_path).namelist())
    prefix = "odoo/addons/invoice_reminders_queue/"
    source = {
        str(path.relative_to(ADDON))
        for path in ADDON.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    missing = {name for name in source if prefix + name not in names}
    assert not missing, f"files missing from the wheel: {sorted(missing)}"
    assert prefix + "data/queue_job_data.xml" in names
    assert not [n for n in names if n.startswith("odoo/addons/invoice_reminders/")]


def test_the_bridge_requires_both_add_ons(wheel_path):
    wheel = zipfile.ZipFile(wheel_path)
    metadata_name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
    metadata = wheel.read(metadata_name).decode()
    assert "Name: odoo-addon-invoice_reminders_queue" in metadata
    requires = [
        line.replace("_", "-")  # the names are normalized with dashes
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist:")
    ]
    assert any("odoo-addon-invoice-reminders<" in line for line in requires), requires
    assert any("odoo-addon-queue-job<" in line for line in requires), requires
    manifest = ast.literal_eval((ADDON / "__manifest__.py").read_text())
    assert manifest["depends"] == ["invoice_reminders", "queue_job"]
    assert manifest["auto_install"] is True
    assert f"Version: 18.0.{manifest['version'].split('18.0.', 1)[1]}" in metadata


def test_pip_installs_the_wheel(wheel_path, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel_path),
        ],
        check=True,
        capture_output=True,
    )
    installed = target / "odoo" / "addons" / "invoice_reminders_queue"
    assert (installed / "__manifest__.py").read_text() == (ADDON / "__manifest__.py").read_text()
    assert (installed / "models" / "invoice_reminder_run.py").is_file()

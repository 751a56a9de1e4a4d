"""The wheel ``odoo-addon-invoice_reminders_queue`` carries the bridge and installs."""

import ast
import subprocess
import sys
import zipfile

from conftest import ROOT

ADDON = ROOT / "invoice_reminders_queue"


def test_the_bridge_lands_in_odoo_addons_with_every_file(wheels):
    names = set(zipfile.ZipFile(wheels["invoice_reminders_queue"]).namelist())
    prefix = "odoo/addons/invoice_reminders_queue/"
    assert prefix + "data/queue_job_data.xml" in names
    assert prefix + "models/invoice_reminder_run.py" in names
    assert not [n for n in names if n.startswith("odoo/addons/invoice_reminders/")]


def test_the_bridge_requires_both_add_ons(wheels):
    wheel = zipfile.ZipFile(wheels["invoice_reminders_queue"])
    metadata_name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
    metadata = wheel.read(metadata_name).decode()
    assert "Name: odoo-addon-invoice_reminders_queue" in metadata
    requires = [
        line.replace("_", "-")  # compare the names normalized with dashes
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist:")
    ]
    series = wheels.series
    assert any(f"odoo-addon-invoice-reminders=={series}.*" in line for line in requires), requires
    # the queue_job release the bridge is tested with is the floor (pyproject.toml,
    # scripts/build_wheels.py)
    floor = {"18.0": "18.0.1.7", "19.0": "19.0.2.4"}[series]
    assert any(
        f"odoo-addon-queue-job>={floor},=={series}.*" in line for line in requires
    ), requires
    manifest = ast.literal_eval((ADDON / "__manifest__.py").read_text())
    assert manifest["depends"] == ["invoice_reminders", "queue_job"]
    assert manifest["auto_install"] is True
    assert f"Version: {series}.{manifest['version']}" in metadata


def test_pip_installs_the_wheel(wheels, tmp_path):
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
            str(wheels["invoice_reminders_queue"]),
        ],
        check=True,
        capture_output=True,
    )
    installed = target / "odoo" / "addons" / "invoice_reminders_queue"
    assert (installed / "__manifest__.py").read_text() == (ADDON / "__manifest__.py").read_text()
    assert (installed / "models" / "invoice_reminder_run.py").is_file()

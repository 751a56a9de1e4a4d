"""Each add-on is its own wheel ``odoo-addon-<name>``, built the way OCA builds its
add-ons: a ``pyproject.toml`` in the add-on's folder names the whool build
backend, and the name, version and dependencies come from the manifest, for
Odoo 18.0 or 19.0 (scripts/build_wheels.py; each test runs for both)."""

import ast
import re
import subprocess
import zipfile

import pytest
from conftest import ADDONS, ROOT, build_wheel

try:
    import tomllib
except ImportError:  # Python 3.10
    from pip._vendor import tomli as tomllib


def _manifest(addon):
    return ast.literal_eval((ROOT / addon / "__manifest__.py").read_text())


def _metadata(wheel_path):
    wheel = zipfile.ZipFile(wheel_path)
    name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
    return wheel.read(name).decode()


def _requires(metadata):
    return sorted(
        line.split(":", 1)[1].strip()
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist:")
    )


def _shipped_files(addon):
    """The add-on's files that a wheel carries: those under version control
    (whool packs what ``git ls-files`` lists), or every file outside git."""
    folder = ROOT / addon
    listed = subprocess.run(
        ["git", "ls-files", "."], cwd=folder, capture_output=True, text=True, check=False
    )
    if listed.returncode == 0 and listed.stdout.strip():
        return {line for line in listed.stdout.splitlines() if (folder / line).is_file()}
    return {
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.mark.parametrize("addon", ADDONS)
def test_each_add_on_is_built_by_whool(addon):
    pyproject = tomllib.loads((ROOT / addon / "pyproject.toml").read_text())
    assert pyproject["build-system"] == {
        "requires": ["whool"],
        "build-backend": "whool.buildapi",
    }
    # nothing else describes the package: no setup.py, no [project] table
    assert "project" not in pyproject
    assert not (ROOT / "setup.py").exists()
    assert not (ROOT / addon / "setup.py").exists()


@pytest.mark.parametrize("addon", ADDONS)
def test_module_lands_in_odoo_addons_with_every_file(addon, wheels):
    names = set(zipfile.ZipFile(wheels[addon]).namelist())
    prefix = f"odoo/addons/{addon}/"
    source = _shipped_files(addon) - {"pyproject.toml"}
    missing = {name for name in source if prefix + name not in names}
    assert not missing, f"files missing from the wheel: {sorted(missing)}"
    assert prefix + "__manifest__.py" in names
    assert prefix + "README.rst" in names
    assert prefix + "static/description/icon.png" in names
    assert prefix + "static/description/index.html" in names
    # one add-on a wheel, and no build file in it
    others = [n for n in names if n.startswith("odoo/") and not n.startswith(prefix)]
    assert not others, others
    assert prefix + "pyproject.toml" not in names


def test_the_core_wheel_carries_its_data(wheels):
    names = set(zipfile.ZipFile(wheels["invoice_reminders"]).namelist())
    prefix = "odoo/addons/invoice_reminders/"
    assert prefix + "data/mail_template_data.xml" in names
    assert prefix + "static/src/js/tours/invoice_reminders_tour.js" in names


@pytest.mark.parametrize("addon", ADDONS)
def test_name_and_version_come_from_the_manifest(addon, wheels):
    metadata = _metadata(wheels[addon])
    manifest = _manifest(addon)
    assert f"Name: odoo-addon-{addon}\n" in metadata
    version = next(
        line.split(":", 1)[1].strip()
        for line in metadata.splitlines()
        if line.startswith("Version:")
    )
    # the series, then whool's ".N", the count of commits to the add-on since its
    # version changed
    full = f"{wheels.series}.{manifest['version']}"
    assert version == full or version.startswith(full + ".")
    assert wheels[addon].name.startswith(f"odoo_addon_{addon}-{full}")
    assert f"Summary: {manifest['summary']}" in metadata
    assert f"Classifier: Framework :: Odoo :: {wheels.series}" in metadata
    assert "Description-Content-Type: text/x-rst" in metadata


@pytest.mark.parametrize("addon", ADDONS)
def test_wheel_declares_the_manifests_dependencies(addon, wheels):
    """Requires-Dist: the series' Odoo, the wheels of the non-core add-ons it depends on,
    and exactly the manifest's Python external_dependencies."""
    requires = _requires(_metadata(wheels[addon]))
    manifest = _manifest(addon)
    python_deps = manifest.get("external_dependencies", {}).get("python", [])
    assert f"odoo=={wheels.series}.*" in requires
    addon_requires = [r for r in requires if r.startswith("odoo-addon-")]
    external = [r for r in requires if not r.startswith("odoo")]
    assert external == sorted(python_deps)
    non_core = [d for d in manifest["depends"] if d.startswith("invoice_reminders") or
                d == "queue_job"]
    assert sorted(r.split("=")[0].split(">")[0] for r in addon_requires) == sorted(
        f"odoo-addon-{d}" for d in non_core
    )


def test_wheel_declares_its_python_dependencies(wheels):
    requires = _requires(_metadata(wheels["invoice_reminders"]))
    assert any("pdfkit" in line and "extra" not in line for line in requires)
    assert any("python-docx" in line and "extra" not in line for line in requires)


@pytest.mark.parametrize("addon", ["invoice_reminders_sms", "invoice_reminders_queue"])
def test_a_bridge_requires_the_core_wheel(addon, wheels):
    requires = _requires(_metadata(wheels[addon]))
    assert f"odoo-addon-invoice_reminders=={wheels.series}.*" in requires


def test_a_plain_pip_wheel_is_for_odoo_18(tmp_path):
    """``pip wheel ./invoice_reminders`` (whool and pyproject.toml alone) builds a
    wheel for Odoo 18.0, versioned as the manifest (no series)."""
    metadata = _metadata(build_wheel("invoice_reminders", tmp_path))
    assert "odoo==18.0.*" in _requires(metadata)
    assert f"Version: {_manifest('invoice_reminders')['version']}" in metadata


def test_manifest_matches_packaging():
    manifest = _manifest("invoice_reminders")
    assert sorted(manifest["external_dependencies"]["python"]) == ["pdfkit", "python-docx"]
    for addon in ADDONS:
        manifest = _manifest(addon)
        # no series: Odoo 18.0 and 19.0 each prefix their own
        assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"]), manifest["version"]
        assert manifest["license"] == "LGPL-3"


def test_requirements_txt_lists_the_manifests_external_dependencies():
    """requirements.txt (what scripts/common.sh installs) is the union of the
    manifests' Python external_dependencies, as OCA generates it."""
    expected = sorted(
        {dep for addon in ADDONS
         for dep in _manifest(addon).get("external_dependencies", {}).get("python", [])}
    )
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    listed = sorted(line.strip() for line in lines if line.strip() and not line.startswith("#"))
    assert listed == expected

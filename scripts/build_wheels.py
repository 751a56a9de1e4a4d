"""Build the add-ons' wheels for one Odoo series: ``odoo-addon-<name>-<series>.x.y.z[.N]``.

The manifests' versions carry no series ("1.3.0": Odoo prefixes its own, so the
same add-on is 18.0.1.3.0 on Odoo 18.0 and 19.0.1.3.0 on 19.0).  A plain
``pip wheel ./invoice_reminders`` builds with whool and the add-on's
``pyproject.toml`` (``odoo_series_override = "18.0"``): a wheel for Odoo 18.0
whose version is the manifest's.  This command builds the wheels for the series
given, named as OCA names them (``18.0.1.3.0.N``, ``19.0.1.3.0.N``; ``.N``: the
commits to the add-on since its version changed, whool's own count), requiring
that series' Odoo and add-ons:

    <venv>/bin/python scripts/build_wheels.py --odoo 19.0 -w dist [ADDON ...]

Each add-on's version-controlled files are copied to a temporary folder with a
``PKG-INFO`` (name and version, as in an sdist, which whool reads instead of
the manifest and git) and the series in ``pyproject.toml``; whool builds from
there (``pip wheel --no-build-isolation``: the virtualenv's whool).
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ("invoice_reminders", "invoice_reminders_sms", "invoice_reminders_queue")
SERIES = ("18.0", "19.0")
# the queue_job release each series' bridge is tested with: its floor
QUEUE_JOB_FLOOR = {"18.0": "18.0.1.7", "19.0": "19.0.2.4"}


def git_version(addon_dir):
    """The manifest's version and whool's ``.N`` (commits since it changed)."""
    from manifestoo_core.addon import Addon
    from manifestoo_core.git_postversion import (
        POST_VERSION_STRATEGY_DOT_N,
        get_git_postversion,
    )

    return get_git_postversion(Addon.from_addon_dir(addon_dir), POST_VERSION_STRATEGY_DOT_N)


def pyproject_for(text, series):
    """``pyproject.toml`` with the series, and the series' queue_job floor."""
    text = re.sub(r'odoo_series_override = "[0-9.]+"', f'odoo_series_override = "{series}"', text)
    return re.sub(
        r'"odoo-addon-queue_job>=[0-9.]+,==[0-9.]+\.\*"',
        f'"odoo-addon-queue_job>={QUEUE_JOB_FLOOR[series]},=={series}.*"',
        text,
    )


def stage(addon, series, work):
    """A copy of the add-on's files under version control, ready for whool."""
    source = ROOT / addon
    listed = subprocess.run(
        ["git", "ls-files", "."], cwd=source, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    target = work / addon
    for name in listed:
        if (source / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, target / name)
    pyproject = target / "pyproject.toml"
    pyproject.write_text(pyproject_for(pyproject.read_text(), series))
    version = f"{series}.{git_version(source)}"
    (target / "PKG-INFO").write_text(
        f"Metadata-Version: 2.1\nName: odoo-addon-{addon}\nVersion: {version}\n"
    )
    return target


def build(addon, series, out_dir):
    """Build ``addon``'s wheel for ``series`` into ``out_dir``; return its path."""
    out_dir = Path(out_dir)
    with tempfile.TemporaryDirectory() as work:
        folder = stage(addon, series, Path(work))
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
             "-q", "-w", str(out_dir), str(folder)],
            check=True,
            capture_output=True,
        )
    wheels = list(out_dir.glob(f"odoo_addon_{addon}-{series}.*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--odoo", choices=SERIES, default=SERIES[0], help="the Odoo series")
    parser.add_argument("-w", "--wheel-dir", default="dist")
    parser.add_argument("addons", nargs="*", default=list(ADDONS))
    args = parser.parse_args()
    for addon in args.addons:
        print(build(addon, args.odoo, args.wheel_dir))


if __name__ == "__main__":
    main()

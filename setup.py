"""Packaging for the invoice_reminders Odoo add-on.

``pip install .`` builds the wheel ``odoo-addon-invoice_reminders``, which puts
the module at ``odoo.addons.invoice_reminders`` with every data file, the way
OCA add-on wheels do.
"""

import ast
import os

from setuptools import setup

HERE = os.path.dirname(os.path.abspath(__file__))
ADDON = "invoice_reminders"
ADDON_DIR = os.path.join(HERE, ADDON)

with open(os.path.join(ADDON_DIR, "__manifest__.py"), encoding="utf-8") as fh:
    MANIFEST = ast.literal_eval(fh.read())


def _packages_and_data():
    packages, package_data = [], {}
    for dirpath, dirnames, filenames in os.walk(ADDON_DIR):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        rel = os.path.relpath(dirpath, ADDON_DIR)
        if rel.startswith("migrations"):
            # migrations/<version>/ are not packages: data of the add-on's package
            package_data.setdefault("odoo.addons." + ADDON, []).extend(
                os.path.join(rel, f) for f in filenames if not f.endswith(".pyc")
            )
            continue
        pkg = "odoo.addons." + ADDON + ("" if rel == "." else "." + rel.replace(os.sep, "."))
        packages.append(pkg)
        data = [f for f in filenames if not f.endswith((".py", ".pyc"))]
        if data:
            package_data[pkg] = data
    return packages, package_data


PACKAGES, PACKAGE_DATA = _packages_and_data()

setup(
    name="odoo-addon-" + ADDON,
    version="18.0." + MANIFEST["version"].split("18.0.", 1)[-1],
    description=MANIFEST["summary"],
    long_description=open(os.path.join(HERE, "README.rst"), encoding="utf-8").read(),
    long_description_content_type="text/x-rst",
    license=MANIFEST["license"],
    author=MANIFEST["author"],
    url=MANIFEST.get("website", ""),
    python_requires=">=3.10",
    packages=PACKAGES,
    package_dir={"odoo.addons." + ADDON: ADDON},
    package_data=PACKAGE_DATA,
    include_package_data=True,
    install_requires=MANIFEST["external_dependencies"]["python"],
    extras_require={
        "test": [
            "aiosmtpd>=1.4",
            "websocket-client>=1.0",
            "pytest>=7",
            "freezegun",
            "ruff==0.17.6",
            "pylint-odoo==10.0.1",
        ],
    },
    classifiers=[
        "Programming Language :: Python",
        "Framework :: Odoo",
        "Framework :: Odoo :: 18.0",
    ],
    zip_safe=False,
)

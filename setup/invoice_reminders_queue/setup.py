"""Packaging for the invoice_reminders_queue Odoo add-on (the bridge to OCA's queue_job).

``pip install setup/invoice_reminders_queue`` builds the wheel
``odoo-addon-invoice_reminders_queue``, which puts the module at
``odoo.addons.invoice_reminders_queue`` with every data file and requires the
wheels of the two add-ons it bridges, as OCA add-on wheels do.
"""

import ast
import os

from setuptools import setup

ADDON = "invoice_reminders_queue"
HERE = os.path.dirname(os.path.abspath(__file__))
ADDON_DIR = os.path.normpath(os.path.join(HERE, os.pardir, os.pardir, ADDON))

with open(os.path.join(ADDON_DIR, "__manifest__.py"), encoding="utf-8") as fh:
    MANIFEST = ast.literal_eval(fh.read())


def _packages_and_data():
    packages, package_data = [], {}
    for dirpath, dirnames, filenames in os.walk(ADDON_DIR):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        rel = os.path.relpath(dirpath, ADDON_DIR)
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
    long_description=open(os.path.join(ADDON_DIR, "README.rst"), encoding="utf-8").read(),
    long_description_content_type="text/x-rst",
    license=MANIFEST["license"],
    author=MANIFEST["author"],
    url=MANIFEST.get("website", ""),
    python_requires=">=3.10",
    packages=PACKAGES,
    package_dir={"odoo.addons." + ADDON: os.path.relpath(ADDON_DIR, HERE)},
    package_data=PACKAGE_DATA,
    include_package_data=True,
    install_requires=[
        "odoo-addon-invoice_reminders>=18.0,<18.1",
        "odoo-addon-queue_job>=18.0.1.7,<18.1",
    ],
    classifiers=[
        "Programming Language :: Python",
        "Framework :: Odoo",
        "Framework :: Odoo :: 18.0",
    ],
    zip_safe=False,
)

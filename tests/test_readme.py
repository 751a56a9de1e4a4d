"""Each add-on's README is built from its readme/ fragments, as OCA builds them,
and the top-level README stays short."""

import importlib.util
import struct

import pytest
from conftest import ADDONS, ROOT, release_version

_SPEC = importlib.util.spec_from_file_location("gen_readme", ROOT / "scripts" / "gen_readme.py")
gen_readme = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(gen_readme)

FRAGMENTS = ("DESCRIPTION.md", "CONFIGURE.md", "USAGE.md", "CONTRIBUTORS.md", "HISTORY.md")


@pytest.mark.parametrize("addon", ADDONS)
def test_every_fragment_is_there(addon):
    for name in FRAGMENTS:
        path = ROOT / addon / "readme" / name
        assert path.is_file(), path
        assert path.read_text().strip(), f"{path} is empty"
    history = (ROOT / addon / "readme" / "HISTORY.md").read_text()
    # the newest release first, and it is the manifest's version (as on 18.0)
    assert history.startswith(f"## {release_version(addon)}")


@pytest.mark.parametrize("addon", ADDONS)
def test_readme_and_index_html_are_generated_from_the_fragments(addon):
    """README.rst and static/description/index.html are what scripts/gen_readme.py
    makes of the fragments now (docutils stops on any warning of the reST)."""
    pytest.importorskip("docutils")
    for path, text in gen_readme.outputs(addon).items():
        assert path.is_file(), f"{path} is missing: run scripts/gen_readme.py"
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.relative_to(ROOT)} is not up to date: run scripts/gen_readme.py"
        )


@pytest.mark.parametrize("addon", ADDONS)
def test_index_html_has_no_xml_declaration(addon):
    """Odoo 17 and later log a warning for a description starting with one."""
    html = (ROOT / addon / "static" / "description" / "index.html").read_bytes()
    assert html.startswith(b"<!DOCTYPE html")


@pytest.mark.parametrize("addon", ADDONS)
def test_readme_carries_each_fragment(addon):
    readme = (ROOT / addon / "README.rst").read_text(encoding="utf-8")
    for title in ("Configuration", "Usage", "Changelog", "Credits", "Contributors"):
        assert f"\n{title}\n" in readme, title
    assert "18.0.1.0.0" in readme


@pytest.mark.parametrize("addon", ADDONS)
def test_icon_is_a_png(addon):
    data = (ROOT / addon / "static" / "description" / "icon.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (128, 128)


def test_the_core_readme_has_a_place_for_who_may_do_what():
    configure = (ROOT / "invoice_reminders" / "readme" / "CONFIGURE.md").read_text()
    assert "\n# Who may do what\n" in "\n" + configure


def test_markdown_to_rst_knows_the_fragments_subset():
    rst = gen_readme.markdown_to_rst(
        "# Title\n\nSee `a_b`s and [OCA](https://odoo-community.org).\n\n"
        "1. one\n   more\n2. two\n\n```\ncode here\n```\n\n| A | B |\n| --- | --- |\n| 1 | 2 |\n"
    )
    assert "Title\n-----\n" in rst
    assert "See ``a_b``\\ s and `OCA <https://odoo-community.org>`__." in rst
    assert "#. one\n   more\n#. two" in rst
    assert "::\n\n    code here\n" in rst
    assert ".. list-table::" in rst and "   * - A\n     - B" in rst


def test_the_top_level_readme_is_short_and_links_each_add_on():
    readme = (ROOT / "README.rst").read_text(encoding="utf-8")
    assert len(readme) < 4000
    assert "scripts/demo.sh" in readme and "scripts/run_tests.sh" in readme
    for addon in ADDONS:
        assert f"<{addon}/README.rst>`_" in readme

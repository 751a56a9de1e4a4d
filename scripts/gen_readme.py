"""Build each add-on's README.rst and static/description/index.html from its
readme/ fragments, the way OCA's ``oca-gen-addon-readme`` lays them out.

OCA's tool is not on the package index (it comes with OCA's maintainer tools),
so this project has its own small generator: the fragments are Markdown
(``readme/DESCRIPTION.md``, ``INSTALL.md``, ``CONFIGURE.md``, ``USAGE.md``,
``HISTORY.md``, ``CONTRIBUTORS.md``), converted to reStructuredText by
``markdown_to_rst`` below, which knows the subset the fragments use: headings,
paragraphs, bullet and numbered lists, fenced code blocks, pipe tables, inline
code, bold, emphasis and links.  ``index.html`` is the README rendered by
docutils, as OCA renders it.

    python scripts/gen_readme.py            # rewrite the READMEs and index.html files
    python scripts/gen_readme.py --check    # fail if one is not up to date

``tests/test_readme.py`` runs the check.
"""

import argparse
import ast
import hashlib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ("invoice_reminders", "invoice_reminders_sms", "invoice_reminders_queue")
# fragment, section title, in the README's order (OCA's)
SECTIONS = [
    ("INSTALL.md", "Installation"),
    ("CONFIGURE.md", "Configuration"),
    ("USAGE.md", "Usage"),
    ("HISTORY.md", "Changelog"),
]
SUB_UNDERLINES = "-~^"
LICENSES = {"LGPL-3": ("LGPL--3", "http://www.gnu.org/licenses/lgpl-3.0-standalone.html")}

# -- Markdown to reStructuredText ------------------------------------------------

CODE = re.compile(r"`([^`]+)`")
LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def _boundaries(text, start, end, rst):
    """``rst`` for ``text[start:end]``, escaped from the words around it: reST inline
    markup must stand apart from letters and digits."""
    before = "\\ " if start and (text[start - 1].isalnum() or text[start - 1] in "_") else ""
    after = "\\ " if end < len(text) and (text[end].isalnum() or text[end] in "_") else ""
    return before + rst + after


def inline(text):
    """Inline Markdown of one line as reST: code, links; bold and emphasis are alike."""
    parts, pos = [], 0
    pattern = re.compile(f"{CODE.pattern}|{LINK.pattern}")
    for match in pattern.finditer(text):
        parts.append(text[pos : match.start()])
        if match.group(1) is not None:
            rst = f"``{match.group(1)}``"
        else:
            rst = f"`{match.group(2)} <{match.group(3)}>`__"
        parts.append(_boundaries(text, match.start(), match.end(), rst))
        pos = match.end()
    parts.append(text[pos:])
    return "".join(parts)


def _table(rows):
    """A pipe table as a reST list-table; the first row is the header."""
    cells = [[c.strip() for c in row.strip().strip("|").split("|")] for row in rows]
    cells = [row for row in cells if not all(set(c) <= set("-: ") for c in row)]
    out = [".. list-table::", "   :header-rows: 1", ""]
    for row in cells:
        for n, cell in enumerate(row):
            out.append(("   * - " if n == 0 else "     - ") + (inline(cell) or ""))
    return out


def _heading_levels(lines):
    """The heading depths a fragment uses, shallowest first: they map, in order, to
    the underlines below the README's sections."""
    depths = sorted({len(m.group(1)) for m in (re.match(r"^(#+) ", ln) for ln in lines) if m})
    return {depth: SUB_UNDERLINES[n] for n, depth in enumerate(depths)}


def markdown_to_rst(markdown):
    """The reStructuredText of a Markdown fragment (the subset described above)."""
    lines = markdown.strip("\n").splitlines()
    levels = _heading_levels(lines)
    out, n = [], 0
    while n < len(lines):
        line = lines[n]
        heading = re.match(r"^(#+) (.*)$", line)
        if line.startswith("```"):
            end = next(i for i in range(n + 1, len(lines)) if lines[i].startswith("```"))
            out += ["::", ""] + [("    " + ln).rstrip() for ln in lines[n + 1 : end]] + [""]
            n = end + 1
            continue
        if line.startswith("|"):
            end = n
            while end < len(lines) and lines[end].startswith("|"):
                end += 1
            out += [*_table(lines[n:end]), ""]
            n = end
            continue
        if heading:
            title = inline(heading.group(2))
            out += [title, levels[len(heading.group(1))] * len(title), ""]
        else:
            out.append(_list_item(line))
        n += 1
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip("\n") + "\n"


def _list_item(line):
    """A line of a paragraph or a list: numbered items become ``#.`` items, their
    continuation lines (indented by 3) stay aligned with the text."""
    numbered = re.match(r"^\d+\. (.*)$", line)
    if numbered:
        return "#. " + inline(numbered.group(1))
    return inline(line)


# -- the README ------------------------------------------------------------------


def _manifest(addon):
    return ast.literal_eval((ROOT / addon / "__manifest__.py").read_text(encoding="utf-8"))


def _fragment(addon, name):
    path = ROOT / addon / "readme" / name
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def _section(title, body):
    return f"{title}\n{'=' * len(title)}\n\n{body}\n"


def build_readme(addon):
    """The README.rst of ``addon``, from its manifest and its readme/ fragments."""
    manifest = _manifest(addon)
    fragments = {
        name: _fragment(addon, name)
        for name in ("DESCRIPTION.md", "CONTRIBUTORS.md", *(f for f, _t in SECTIONS))
    }
    digest = hashlib.sha256(
        "".join(fragments.values()).encode() + repr(sorted(manifest.items())).encode()
    ).hexdigest()
    title = manifest["name"]
    bar = "=" * len(title)
    badge, url = LICENSES.get(manifest["license"], (manifest["license"], manifest["website"]))
    parts = [
        f"{bar}\n{title}\n{bar}\n",
        "..\n   !! This file is generated by scripts/gen_readme.py from readme/*.md !!\n"
        "   !! changes will be overwritten.                                      !!\n"
        f"   !! source digest: sha256:{digest}\n",
        f".. |badge1| image:: https://img.shields.io/badge/licence-{badge}-blue.png\n"
        f"    :target: {url}\n    :alt: License: {manifest['license']}\n\n|badge1|\n",
        markdown_to_rst(fragments["DESCRIPTION.md"]),
        "**Table of contents**\n\n.. contents::\n   :local:\n",
    ]
    for name, section_title in SECTIONS:
        if fragments[name].strip():
            parts.append(_section(section_title, markdown_to_rst(fragments[name]).rstrip("\n")))
    credits = f"Authors\n-------\n\n* {manifest['author']}\n"
    if fragments["CONTRIBUTORS.md"].strip():
        contributors = markdown_to_rst(fragments["CONTRIBUTORS.md"]).rstrip("\n")
        credits += f"\nContributors\n------------\n\n{contributors}\n"
    credits += (
        f"\nThis module is part of `{manifest['website']} <{manifest['website']}>`__;"
        " the repository's README.rst tells how to run its tests and its demo.\n"
    )
    parts.append(_section("Credits", credits.rstrip("\n")))
    return "\n".join(parts)


def build_index_html(readme):
    """The add-on's description page (static/description/index.html), as OCA builds
    it: the README rendered by docutils."""
    from docutils.core import publish_string

    html = publish_string(
        readme,
        writer_name="html4css1",
        settings_overrides={
            "embed_stylesheet": True,
            "report_level": 2,
            "halt_level": 2,
            "output_encoding": "unicode",
            "_disable_config": True,
        },
    )
    # no XML declaration: Odoo 17 and later warn about one in a module's description
    html = re.sub(r"^<\?xml[^>]*\?>\n", "", html)
    return re.sub(r'<meta name="generator" content="Docutils [^"]*"\s*/>\n', "", html)


def outputs(addon):
    """``{path: text}``: what the generator writes for ``addon``."""
    readme = build_readme(addon)
    return {
        ROOT / addon / "README.rst": readme,
        ROOT / addon / "static" / "description" / "index.html": build_index_html(readme),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if a file is not up to date")
    parser.add_argument("addons", nargs="*", default=list(ADDONS))
    args = parser.parse_args(argv)
    stale = []
    for addon in args.addons:
        for path, text in outputs(addon).items():
            current = path.read_text(encoding="utf-8") if path.is_file() else None
            if current == text:
                continue
            stale.append(path.relative_to(ROOT))
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    if args.check and stale:
        print("Not up to date (run scripts/gen_readme.py):", *map(str, stale), sep="\n  ")
        return 1
    for path in stale:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

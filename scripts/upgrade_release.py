"""Find the release the upgrade test starts from: print "<tag> <commit> <how it was found>".

The releases of invoice_reminders are its git tags ``invoice_reminders-18.0.x.y.z``
and the lines of ``setup/releases.txt`` ("<tag> <commit>", for clones that come
without the tags).  The newest release is taken, by version, except the commit
checked out itself when an older release exists.  A tag is used when the clone
has it, else the recorded commit; when neither is there (a shallow clone, a
copy without .git) this fails: the upgrade test cannot run, and must not pass.

    python scripts/upgrade_release.py [--from TAG_OR_COMMIT]
"""

import argparse
import os
import re
import subprocess
import sys

ADDON = "invoice_reminders"
TAG_RE = re.compile(rf"^{ADDON}-(18\.0\.\d+\.\d+\.\d+)$")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASES = os.path.join(ROOT, "setup", "releases.txt")


class NotFound(Exception):
    pass


def git(*args, root=None):
    result = subprocess.run(
        ["git", "-C", root or ROOT, *args], capture_output=True, text=True, check=False
    )
    return result.stdout.strip() if result.returncode == 0 else None


def commit_of(rev, root=None):
    return git("rev-parse", "-q", "--verify", f"{rev}^{{commit}}", root=root)


def version_key(tag):
    return tuple(int(part) for part in TAG_RE.match(tag).group(1).split("."))


def recorded_releases(path=RELEASES):
    """{tag: commit} of the main add-on's releases listed in setup/releases.txt."""
    releases = {}
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return releases
    for line in lines:
        parts = line.split("#", 1)[0].split()
        if len(parts) == 2 and TAG_RE.match(parts[0]):
            releases[parts[0]] = parts[1]
    return releases


def find_release(wanted=None, root=None):
    root = root or ROOT
    head = commit_of("HEAD", root)
    if head is None:
        raise NotFound(f"{root} is not a git clone: the previous release cannot be checked out")
    if wanted:
        commit = commit_of(wanted, root) or commit_of(f"refs/tags/{wanted}", root)
        if not commit:
            raise NotFound(f"IR_UPGRADE_FROM={wanted} is neither a tag nor a commit of this clone")
        return wanted, commit, "given by IR_UPGRADE_FROM"
    releases = os.path.join(root, "setup", "releases.txt")
    recorded = recorded_releases(releases)
    tags = [
        tag
        for tag in (git("tag", "--list", f"{ADDON}-18.0.*", root=root) or "").split()
        if TAG_RE.match(tag)
    ]
    candidates = sorted(set(recorded) | set(tags), key=version_key, reverse=True)
    if not candidates:
        raise NotFound(
            f"no release of {ADDON}: neither a tag {ADDON}-18.0.* nor a line in {releases}"
        )
    found = []
    for tag in candidates:
        tagged = commit_of(f"refs/tags/{tag}", root) if tag in tags else None
        listed = recorded.get(tag)
        if tagged and listed and not tagged.startswith(listed):
            raise NotFound(f"the tag {tag} is on {tagged} but {releases} records {listed}")
        if tagged:
            found.append((tag, tagged, "git tag"))
        elif listed and commit_of(listed, root):
            found.append((tag, commit_of(listed, root), "commit recorded in setup/releases.txt"))
        else:
            raise NotFound(
                f"release {tag}: no such tag in this clone and its recorded commit "
                f"{listed or '(none)'} is not in it either (shallow clone? fetch the tags "
                "or the history: git fetch --tags --unshallow)"
            )
        # the newest release that is not the very commit under test, when there is one
        if found[-1][1] != head:
            return found[-1]
    return found[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--from", dest="wanted", default=os.environ.get("IR_UPGRADE_FROM"))
    args = parser.parse_args()
    try:
        tag, commit, how = find_release(args.wanted)
    except NotFound as error:
        print(f"UPGRADE TEST: previous release not found: {error}", file=sys.stderr)
        return 1
    print(tag, commit, how)
    return 0


if __name__ == "__main__":
    sys.exit(main())

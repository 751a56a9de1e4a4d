"""scripts/upgrade_release.py: which release the upgrade test starts from."""

import ast
import importlib.util
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "upgrade_release.py"


@pytest.fixture(scope="module")
def release():
    spec = importlib.util.spec_from_file_location("upgrade_release", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def git(repo, *args):
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path):
    """A repository with two commits; the first is release 18.0.1.0.0."""
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.email", "dev@example.com")
    git(tmp_path, "config", "user.name", "dev")
    (tmp_path / "setup").mkdir()
    (tmp_path / "a").write_text("1")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "first")
    first = git(tmp_path, "rev-parse", "HEAD")
    (tmp_path / "setup" / "releases.txt").write_text(
        f"# comment\ninvoice_reminders-18.0.1.0.0 {first}\n"
        f"invoice_reminders_sms-18.0.1.0.0 {first}\n"
    )
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "second")
    return tmp_path, first


def test_the_repository_records_its_first_release(release):
    recorded = release.recorded_releases()
    assert "invoice_reminders-18.0.1.0.0" in recorded
    assert len(recorded["invoice_reminders-18.0.1.0.0"]) == 40
    # the bridges' lines are not releases of the main add-on
    assert all(tag.startswith("invoice_reminders-") for tag in recorded)


def test_recorded_commit_without_tags(release, repo):
    root, first = repo
    assert release.find_release(root=str(root)) == (
        "invoice_reminders-18.0.1.0.0",
        first,
        "commit recorded in setup/releases.txt",
    )


def test_tag_first_and_newest_release_before_head(release, repo):
    root, first = repo
    git(root, "tag", "-a", "invoice_reminders-18.0.1.0.0", first, "-m", "first")
    assert release.find_release(root=str(root))[2] == "git tag"
    head = git(root, "rev-parse", "HEAD")
    git(root, "tag", "-a", "invoice_reminders-18.0.1.1.0", head, "-m", "second")
    # the working tree is the newest release itself: the one before it
    assert release.find_release(root=str(root))[0] == "invoice_reminders-18.0.1.0.0"
    (root / "b").write_text("2")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "third")
    assert release.find_release(root=str(root))[0] == "invoice_reminders-18.0.1.1.0"


def test_fails_loudly_without_the_release(release, repo):
    root, _first = repo
    (root / "setup" / "releases.txt").write_text(f"invoice_reminders-18.0.1.0.0 {'0' * 40}\n")
    with pytest.raises(release.NotFound, match="shallow clone"):
        release.find_release(root=str(root))
    (root / "setup" / "releases.txt").write_text("")
    with pytest.raises(release.NotFound, match="no release"):
        release.find_release(root=str(root))


def test_a_moved_tag_is_an_error(release, repo):
    root, _first = repo
    git(root, "tag", "-a", "invoice_reminders-18.0.1.0.0", "HEAD", "-m", "moved")
    with pytest.raises(release.NotFound, match="records"):
        release.find_release(root=str(root))


ROOT = SCRIPT.parent.parent
ADDONS = ["invoice_reminders", "invoice_reminders_sms", "invoice_reminders_queue"]


def manifest_version(addon):
    """As the releases name it: on Odoo 18.0 (the manifest's has no series)."""
    return "18.0." + ast.literal_eval((ROOT / addon / "__manifest__.py").read_text())["version"]


def history_versions(addon):
    text = (ROOT / addon / "readme" / "HISTORY.md").read_text()
    return [line.split()[1] for line in text.splitlines() if line.startswith("## ")]


@pytest.mark.parametrize("addon", ADDONS)
def test_every_version_has_its_history(addon, release):
    """The manifest's version, and every release, have their entry in readme/HISTORY.md,
    newest first; no release is newer than the manifest."""
    versions = history_versions(addon)
    version = manifest_version(addon)
    assert versions[0] == version, f"{addon}: readme/HISTORY.md does not start with {version}"
    key = release.version_key(f"invoice_reminders-{version}")
    assert versions == sorted(
        versions, key=lambda v: release.version_key(f"invoice_reminders-{v}"), reverse=True
    )
    with open(ROOT / "setup" / "releases.txt", encoding="utf-8") as fh:
        tags = [line.split()[0] for line in fh if line.startswith(f"{addon}-")]
    assert tags, f"{addon} has no release in setup/releases.txt"
    for tag in tags:
        released = tag.rsplit("-", 1)[1]
        assert released in versions, f"{tag} has no entry in {addon}/readme/HISTORY.md"
        assert release.version_key(f"invoice_reminders-{released}") <= key

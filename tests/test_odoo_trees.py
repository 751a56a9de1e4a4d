"""The Odoo trees of the test command (scripts/odoo_trees.sh): which trees run,
what each is, which queue_job goes with it, what to put in an empty default
folder, and the opt-in clone of upstream Odoo, tried against a local bare
repository (no network)."""

import os
import subprocess

import pytest
from conftest import ROOT

SCRIPT = ROOT / "scripts" / "odoo_trees.sh"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.test",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.test",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def trees(*args, **env):
    """Run scripts/odoo_trees.sh with only ``env`` of the project's variables set."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("IR_", "ODOO_PATH", "CI"))
    }
    clean.update(GIT_ENV, HOME=str(env.pop("HOME", os.environ.get("HOME", "/tmp"))))
    clean.update({key: str(value) for key, value in env.items()})
    return subprocess.run(
        ["bash", str(SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        env=clean,
        check=False,
        timeout=120,
    )


def git(cwd, *args):
    subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, env={**os.environ, **GIT_ENV}
    )


def fake_tree(path, version=(18, 0), api_private=False, api_package=False):
    """A folder shaped as an Odoo tree: odoo-bin, odoo/release.py, odoo/api, base."""
    (path / "odoo" / "addons" / "base").mkdir(parents=True)
    (path / "odoo" / "addons" / "base" / "__init__.py").write_text("")
    (path / "odoo-bin").write_text("#!/usr/bin/env python3\n")
    (path / "odoo" / "release.py").write_text(
        f"version_info = ({version[0]}, {version[1]}, 0, FINAL, 0, '')\n"
    )
    api = "def private(method):\n    return method\n" if api_private else "def model(f):\n"
    if api_package:
        (path / "odoo" / "api").mkdir()
        (path / "odoo" / "api" / "decorators.py").write_text(api)
    else:
        (path / "odoo" / "api.py").write_text(api)
    return path


def test_the_trees_are_the_three_folders_unless_told():
    result = trees("list")
    assert result.stdout.split() == ["/opt/odoo-18.0", "/opt/odoo-18.0-2025", "/opt/odoo-19.0"]
    assert trees("list", ODOO_PATH="/srv/odoo").stdout.split() == ["/srv/odoo"]
    listed = trees("list", ODOO_PATH="/srv/odoo", IR_ODOO_TREES="/a/odoo-18.0 /b/odoo-19.0/")
    assert listed.stdout.split() == ["/a/odoo-18.0", "/b/odoo-19.0"]


@pytest.mark.parametrize(
    "name, version, api_private, api_package, expected",
    [
        ("odoo-18.0", (18, 0), False, False, "18.0 18.0.1.7.0.1 18_0"),
        ("odoo-18.0-2025", (18, 0), True, False, "18.0 18.0.4.1.2.2 18_0_2025"),
        ("odoo-19.0", (19, 0), True, True, "19.0 19.0.2.4.0.1 19_0"),
    ],
)
def test_each_tree_gets_the_queue_job_release_it_can_run(
    tmp_path, name, version, api_private, api_package, expected
):
    tree = fake_tree(tmp_path / name, version, api_private, api_package)
    assert trees("describe", tree).stdout.strip() == expected
    forced = trees("describe", tree, IR_QUEUE_JOB_VERSION="18.0.2.0.0").stdout.split()
    assert forced[1] == "18.0.2.0.0"


@pytest.mark.parametrize(
    "folder, names",
    [
        ("/opt/odoo-18.0", ["Disassembling-Odoo/core", "504b0670", "52acb3c"]),
        ("/opt/odoo-18.0-2025", ["dglezz1/odoo-18.0", "2268dca3", "custom_addons"]),
        (
            "/opt/odoo-19.0",
            [
                "Hussen-Ali/odoo19-custom",
                "4012675d",
                "1b76c8f6",
                "addons/sms_twilio/wizard/sms_twilio_account_manage_views.xml",
                "__pycache__",
                "3452506a",
            ],
        ),
    ],
)
def test_an_empty_default_folder_says_exactly_what_to_put_there(folder, names):
    result = trees("source", folder)
    assert result.returncode == 0
    for name in names:
        assert name in result.stdout, (name, result.stdout)


def test_a_folder_without_odoo_fails_with_what_to_do(tmp_path):
    empty = tmp_path / "odoo-18.0"
    empty.mkdir()
    result = trees("check", empty)
    assert result.returncode == 1
    assert f"No Odoo at {empty}" in result.stderr
    assert (
        "IR_CLONE_ODOO=1" in result.stderr and "https://github.com/odoo/odoo.git" in result.stderr
    )
    assert not list(empty.iterdir()), "nothing cloned without IR_CLONE_ODOO=1"


@pytest.fixture
def upstream(tmp_path):
    """A local bare repository shaped as odoo/odoo: branches 18.0 and 19.0, two
    commits each (the clone must be shallow: the last one only)."""
    bare = tmp_path / "odoo.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    for branch, version in (("18.0", (18, 0)), ("19.0", (19, 0))):
        work = tmp_path / f"work-{branch}"
        git(tmp_path, "init", "-q", str(work))
        (work / "README.md").write_text("first\n")
        git(work, "add", "-A")
        git(work, "commit", "-q", "-m", "first")
        fake_tree(work, version, api_private=branch == "19.0")
        git(work, "add", "-A")
        git(work, "commit", "-q", "-m", f"Odoo {branch}")
        git(work, "push", "-q", str(bare), f"HEAD:refs/heads/{branch}")
    return bare


@pytest.mark.parametrize(
    "name, series, queue_job",
    [("odoo-18.0", "18.0", "18.0.1.7.0.1"), ("odoo-19.0", "19.0", "19.0.2.4.0.1")],
)
def test_the_opt_in_clone_takes_the_folders_branch_shallow(
    tmp_path, upstream, name, series, queue_job
):
    target = tmp_path / "trees" / name
    result = trees("check", target, IR_CLONE_ODOO=1, IR_ODOO_GIT_URL=f"file://{upstream}")
    assert result.returncode == 0, result.stderr
    assert f"Cloning file://{upstream} (branch {series}, --depth 1) into {target}" in result.stderr
    assert (target / "odoo-bin").is_file() and (target / "odoo" / "addons" / "base").is_dir()
    log = subprocess.run(
        ["git", "-C", str(target), "log", "--format=%s"], capture_output=True, text=True, check=True
    )
    assert log.stdout.splitlines() == [f"Odoo {series}"], "the branch's last commit only"
    assert trees("describe", target).stdout.split()[:2] == [series, queue_job]
    # once there, the folder is used as it is
    again = trees("check", target, IR_CLONE_ODOO=1, IR_ODOO_GIT_URL="file:///nowhere")
    assert again.returncode == 0 and "Cloning" not in again.stderr


def test_the_clone_never_writes_into_a_folder_with_files(tmp_path, upstream):
    target = tmp_path / "odoo-18.0"
    target.mkdir()
    (target / "notes.txt").write_text("mine\n")
    result = trees("check", target, IR_CLONE_ODOO=1, IR_ODOO_GIT_URL=f"file://{upstream}")
    assert result.returncode == 1
    assert "is not empty: not cloning" in result.stderr
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]


def test_the_branch_can_be_chosen(tmp_path, upstream):
    target = tmp_path / "odoo-next"
    result = trees(
        "check",
        target,
        IR_CLONE_ODOO=1,
        IR_ODOO_GIT_URL=f"file://{upstream}",
        IR_ODOO_BRANCH="19.0",
    )
    assert result.returncode == 0, result.stderr
    assert trees("describe", target).stdout.split()[0] == "19.0"


def test_the_readme_table_names_each_tree_and_its_queue_job(tmp_path):
    """README.rst's table of the trees says what the scripts do."""
    readme = (ROOT / "README.rst").read_text(encoding="utf-8")
    development = (ROOT / "doc" / "DEVELOPMENT.md").read_text(encoding="utf-8")
    shapes = {
        "/opt/odoo-18.0": ((18, 0), False, False),
        "/opt/odoo-18.0-2025": ((18, 0), True, False),
        "/opt/odoo-19.0": ((19, 0), True, True),
    }
    for folder in trees("list").stdout.split():
        tree = fake_tree(tmp_path / folder.rsplit("/", 1)[1], *shapes[folder])
        queue_job = trees("describe", tree).stdout.split()[1]
        row = next(line for line in readme.splitlines() if line.startswith(f"``{folder}`` "))
        assert queue_job in row.split(), row
        assert f"| `{folder}` |" in development and queue_job in development
    assert "ODOO_PATH=/opt/odoo-18.0-2025 scripts/run_tests.sh" in readme
    assert 'IR_ODOO_TREES="' in readme


def test_ci_needs_a_tree_of_each_kind(tmp_path):
    floor = fake_tree(tmp_path / "a", (18, 0))
    later = fake_tree(tmp_path / "b", (18, 0), api_private=True)
    nineteen = fake_tree(tmp_path / "c", (19, 0), api_private=True, api_package=True)
    assert trees("missing-kinds", floor, later, nineteen).stdout == ""
    assert trees("missing-kinds", floor, nineteen).stdout.split() == ["18.0+api.private"]
    assert trees("missing-kinds").stdout.split() == ["18.0", "18.0+api.private", "19.0"]

"""Output folders: a user's files are never deleted or overwritten, bundles are replaced whole."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import itmodels as itm
from itmodels.reports import bundle as outputs
from itmodels.reports import report
from itmodels.reports.bundle import (
    MANIFEST,
    OutputFolderError,
    check_destination,
    safe_folder_name,
    write_folder,
)


def _fill(version: str, extra: str | None = None):
    def fill(tmp: Path) -> None:
        (tmp / "metrics.csv").write_text(f"metrics {version}", encoding="utf-8")
        (tmp / "charts").mkdir()
        (tmp / "charts" / "a.png").write_text(f"chart {version}", encoding="utf-8")
        if extra:
            (tmp / extra).write_text(version, encoding="utf-8")

    return fill


def _never(tmp: Path) -> None:
    raise AssertionError("the folder should have been refused before any file was made")


def _users_folder(tmp_path: Path) -> Path:
    out = tmp_path / "outtest"
    (out / "sub").mkdir(parents=True)
    (out / "my-notes.txt").write_text("mine", encoding="utf-8")
    (out / "sub" / "a.txt").write_text("mine too", encoding="utf-8")
    return out


def _tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize(
    "name",
    ["/srv/shared/victim", "../../escaped", ".", "..", "", "a\x00b\nc\x7f", "x" * 300,
     "é" * 150, "C:\\Windows\\x", " .hidden", "-"],
)  # fmt: skip
def test_a_scenario_name_becomes_one_safe_folder_name(name):
    safe = safe_folder_name(name)
    assert safe and safe not in (".", "..") and not safe.startswith((".", "-", " "))
    assert "/" not in safe and "\\" not in safe
    assert all(c.isprintable() for c in safe)
    assert len(safe.encode("utf-8")) <= 100
    assert Path(safe).name == safe


def test_readable_names_stay_readable():
    assert safe_folder_name("small-office") == "small-office"
    assert safe_folder_name("/srv/shared/victim") == "srv-shared-victim"
    assert safe_folder_name("Zahnarzt Müller") == "Zahnarzt Müller"


def test_a_folder_of_the_users_is_refused_and_kept(tmp_path):
    out = _users_folder(tmp_path)
    before = _tree(out)
    with pytest.raises(OutputFolderError) as err:
        write_folder(out, _never)
    message = str(err.value)
    assert "not an itmodels bundle" in message and "my-notes.txt" in message
    assert "sub" in message and "force" in message
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outtest"]


def test_force_adds_the_bundle_beside_the_users_files(tmp_path):
    out = _users_folder(tmp_path)
    assert check_destination(out, force=True).kind == "force"
    assert write_folder(out, _fill("1", extra="old-only.csv"), force=True) == [
        "charts/a.png", "metrics.csv", "old-only.csv"]  # fmt: skip
    assert write_folder(out, _fill("2"), force=True) == ["charts/a.png", "metrics.csv"]
    tree = _tree(out)
    assert tree.pop("my-notes.txt") == "mine" and tree.pop("sub/a.txt") == "mine too"
    manifest = json.loads(tree.pop(MANIFEST))
    assert manifest["complete"] is True
    assert manifest["files"] == ["charts/a.png", "metrics.csv"]
    assert tree == {"metrics.csv": "metrics 2", "charts/a.png": "chart 2"}  # old-only.csv: ours
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary folder


def test_force_never_overwrites_a_file_of_the_same_name(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "metrics.csv").write_text("my own metrics", encoding="utf-8")
    with pytest.raises(OutputFolderError, match=r"metrics\.csv"):
        check_destination(out, force=True, planned=["metrics.csv"])
    with pytest.raises(OutputFolderError, match=r"metrics\.csv.*did not write"):
        write_folder(out, _fill("1"), force=True)
    assert _tree(out) == {"metrics.csv": "my own metrics"}
    assert list(out.iterdir()) == [out / "metrics.csv"]


def test_an_earlier_bundle_is_replaced_whole(tmp_path):
    out = tmp_path / "bundle"
    write_folder(out, _fill("1", extra="old-only.csv"), about={"seed": 1})
    inode = out.stat().st_ino
    assert check_destination(out).kind == "bundle"
    write_folder(out, _fill("2"), about={"seed": 2})
    tree = _tree(out)
    manifest = json.loads(tree.pop(MANIFEST))
    assert manifest["format"] == "itmodels-bundle" and manifest["seed"] == 2
    assert tree == {"metrics.csv": "metrics 2", "charts/a.png": "chart 2"}
    assert out.stat().st_ino != inode  # a new folder renamed into place, not edited in place
    assert [p.name for p in tmp_path.iterdir()] == ["bundle"]  # the old one and temp are gone


def test_a_failure_half_way_keeps_the_earlier_bundle(tmp_path):
    out = tmp_path / "bundle"
    write_folder(out, _fill("1"))
    before = _tree(out)

    def broken(tmp: Path) -> None:
        (tmp / "metrics.csv").write_text("half", encoding="utf-8")
        raise RuntimeError("chart failed")

    with pytest.raises(RuntimeError, match="chart failed"):
        write_folder(out, broken)
    assert _tree(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["bundle"]
    with pytest.raises(RuntimeError, match="chart failed"):
        write_folder(tmp_path / "new", broken)
    assert [p.name for p in tmp_path.iterdir()] == ["bundle"]  # nothing that looks complete


def test_a_bundle_holding_a_users_file_is_not_replaced(tmp_path):
    out = tmp_path / "bundle"
    write_folder(out, _fill("1"))
    (out / "charts" / "my-annotated.png").write_text("mine", encoding="utf-8")
    before = _tree(out)
    with pytest.raises(OutputFolderError, match=r"did not write: charts/my-annotated.png"):
        write_folder(out, _never)
    assert _tree(out) == before


@pytest.mark.parametrize(
    "manifest",
    [
        {"format": "something-else", "version": 1, "files": ["notes.txt"]},
        {"format": "itmodels-bundle", "version": 1, "files": ["../notes.txt", "notes.txt"]},
        {"format": "itmodels-bundle", "version": 1, "files": "notes.txt"},
        "not json",
    ],
)
def test_only_a_valid_manifest_makes_a_bundle(tmp_path, manifest):
    out = tmp_path / "bundle"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    text = manifest if isinstance(manifest, str) else json.dumps(manifest)
    (out / MANIFEST).write_text(text, encoding="utf-8")
    with pytest.raises(OutputFolderError, match="not an itmodels bundle"):
        write_folder(out, _never)
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_the_current_folder_a_file_and_a_link_are_refused(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    for where in (".", "..", str(work), str(tmp_path), "/"):
        with pytest.raises(OutputFolderError, match=r"current folder|own name"):
            check_destination(where)
    plain = work / "results"
    plain.write_text("my file", encoding="utf-8")
    with pytest.raises(OutputFolderError, match="is a file"):
        write_folder(plain, _never)
    target = tmp_path / "target"
    target.mkdir()
    link = work / "link"
    link.symlink_to(target)
    with pytest.raises(OutputFolderError, match="symbolic link"):
        write_folder(link, _never)
    assert plain.read_text(encoding="utf-8") == "my file"
    assert link.is_symlink() and list(target.iterdir()) == []
    assert sorted(p.name for p in work.iterdir()) == ["link", "results"]
    with pytest.raises(OutputFolderError, match="is a file"):
        check_destination(plain / "inside")
    with pytest.raises(OutputFolderError, match="bytes long"):
        check_destination(work / ("x" * 300))


def test_an_empty_folder_is_used_and_overwrite_false_keeps_a_bundle(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    assert check_destination(out).kind == "empty"
    write_folder(out, _fill("1"))
    with pytest.raises(FileExistsError):
        write_folder(out, _never, overwrite=False)
    assert _tree(out)["metrics.csv"] == "metrics 1"


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_folders_follow_the_users_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        write_folder(tmp_path / "a" / "bundle", _fill("1"))
    finally:
        os.umask(old)
    for folder in (tmp_path / "a", tmp_path / "a" / "bundle", tmp_path / "a" / "bundle" / "charts"):
        assert folder.stat().st_mode & 0o777 == 0o777 & ~umask, folder


def test_write_bundle_lists_its_files_in_the_manifest_and_checks_first(tmp_path, monkeypatch):
    scn = itm.load_scenario("small-office").override({"horizon": "2mo"})
    res = itm.run_experiment(scn, 2, seed=1, progress=False)
    out = tmp_path / "out"
    paths = report.write_bundle(res, out)
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["files"] == sorted(paths) == sorted(report.bundle_files())
    assert manifest["scenario"] == "small-office" and manifest["replications"] == 2
    assert itm.load_scenario(out / "scenario.yaml") == scn  # the inputs, to run again
    users = _users_folder(tmp_path)

    def no_drawing(*args: object, **kwargs: object) -> None:
        raise AssertionError("drawn before the folder was checked")

    monkeypatch.setattr(report, "chart_figure", no_drawing)
    with pytest.raises(OutputFolderError, match=r"my-notes\.txt"):
        report.write_bundle(res, users)
    assert _tree(users) == {"my-notes.txt": "mine", "sub/a.txt": "mine too"}


def test_an_interrupt_at_the_swap_keeps_the_earlier_bundle(tmp_path, monkeypatch):
    out = tmp_path / "bundle"
    write_folder(out, _fill("1"))
    before = _tree(out)

    def interrupted(a: Path, b: Path) -> bool:
        raise KeyboardInterrupt

    monkeypatch.setattr(outputs, "_exchange", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_folder(out, _fill("2"))
    assert _tree(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["bundle"]


def test_a_crash_half_way_through_force_leaves_every_file_accounted_for(tmp_path, monkeypatch):
    out = _users_folder(tmp_path)
    write_folder(out, _fill("1", extra="old-only.csv"), force=True)
    calls = []
    real = os.replace

    def crash_on_the_second_file(a: object, b: object) -> None:
        calls.append(b)
        if len(calls) == 3:  # the manifest, one file, then the crash
            raise KeyboardInterrupt
        real(a, b)

    monkeypatch.setattr(outputs.os, "replace", crash_on_the_second_file)
    with pytest.raises(KeyboardInterrupt):
        write_folder(out, _fill("2"), force=True)
    monkeypatch.undo()
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["complete"] is False  # not mistaken for a finished bundle
    assert manifest["files"] == ["charts/a.png", "metrics.csv", "old-only.csv"]
    tree = _tree(out)
    assert tree["my-notes.txt"] == "mine" and tree["sub/a.txt"] == "mine too"
    write_folder(out, _fill("3"), force=True)  # the next run finishes the job
    tree = _tree(out)
    assert json.loads(tree.pop(MANIFEST))["complete"] is True
    assert tree == {"charts/a.png": "chart 3", "metrics.csv": "metrics 3",
                    "my-notes.txt": "mine", "sub/a.txt": "mine too"}  # fmt: skip


_KILLED_WRITER = """
import os, signal, sys
from pathlib import Path
from itmodels.reports.bundle import write_folder

def fill(tmp: Path) -> None:
    (tmp / "metrics.csv").write_text("half", encoding="utf-8")
    os.kill(os.getpid(), signal.SIGKILL)

write_folder(sys.argv[1], fill)
"""


def test_a_temporary_folder_left_by_a_killed_run_is_removed_by_the_next(tmp_path):
    out = tmp_path / "bundle"
    killed = subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(out)], check=False)
    assert killed.returncode == -signal.SIGKILL
    left = [p for p in tmp_path.iterdir() if p.name.startswith(".bundle.itmodels-")]
    assert len(left) == 1 and (left[0] / "metrics.csv").read_text(encoding="utf-8") == "half"
    alive = tmp_path / left[0].name.replace(f"-{left[0].name.split('-')[-2]}-", f"-{os.getpid()}-")
    alive.mkdir()  # a run still going (this process): never touched
    mine = tmp_path / ".bundle.notes"  # a hidden folder of the user's: never touched
    mine.mkdir()
    write_folder(out, _fill("1"))
    assert not left[0].exists()
    assert alive.is_dir() and mine.is_dir()
    tree = _tree(out)
    assert sorted(tree) == sorted(["metrics.csv", "charts/a.png", MANIFEST])
    assert tree["metrics.csv"] == "metrics 1"

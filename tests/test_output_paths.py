"""Where the reports go: written as a shell's `>` would (through a symlink, into a FIFO or a
device), whole or not at all where the path is a regular file; a path that cannot be written is
a usage error before any work, in every command that writes one."""

import json
import os
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from nn_crosscheck.cli import main
from nn_crosscheck.reports.json import write_whole

ROOT = Path(__file__).parent.parent
IMPORTABLE = {**os.environ, "PYTHONPATH": str(ROOT)}  # a plain checkout's nn_crosscheck: from its root
QUICK = ["compare", "--frameworks", "numpy", "--dtypes", "float64", "--jobs", "1", "--quiet"]
REPORTS = {"--json": "out.json", "--junit": "out.xml", "--html": "out.html"}


def _html_available() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("jinja2", "matplotlib"))


def _flags() -> dict[str, str]:
    """The report flags this machine can write (--html needs the 'html' extra)."""
    return {flag: name for flag, name in REPORTS.items() if flag != "--html" or _html_available()}


def _run(capsys, *argv) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_info:
        code = exit_info.code
    out, err = capsys.readouterr()
    return code, out, err


def _check_report(flag: str, content: bytes) -> None:
    """`content` is the whole report `flag` writes."""
    if flag == "--json":
        assert json.loads(content)["verdict"] == "pass"
    elif flag == "--junit":
        assert ET.fromstring(content).get("failures") == "0"
    else:
        assert content.rstrip().endswith(b"</html>")


def test_a_symlink_stays_a_link_and_its_target_holds_the_report(capsys, tmp_path):
    targets, links = tmp_path / "targets", tmp_path / "links"
    targets.mkdir()
    links.mkdir()
    argv = []
    for flag, name in _flags().items():
        (targets / name).write_text("stale\n")
        (links / name).symlink_to(targets / name)
        argv += [flag, str(links / name)]
    dangling = links / "new.json"  # a link to a file not made yet: the file is made there
    dangling.symlink_to(targets / "new.json")
    code, out, err = _run(capsys, *QUICK, *argv, "--json", str(dangling))
    assert code == 0, out + err
    for flag, name in {**_flags(), "--json": "new.json"}.items():
        assert (links / name).is_symlink() and (links / name).resolve() == targets / name
        _check_report(flag, (targets / name).read_bytes())
    assert sorted(p.name for p in targets.iterdir()) == sorted([*_flags().values(), "new.json"])


def test_a_fifo_is_written_into_and_its_reader_reads_the_report(capsys, tmp_path):
    readers = {}
    for flag, name in _flags().items():
        os.mkfifo(tmp_path / name)
        readers[flag] = subprocess.Popen(["cat", str(tmp_path / name)], stdout=subprocess.PIPE)
    argv = [a for flag, name in _flags().items() for a in (flag, str(tmp_path / name))]
    try:
        code, out, err = _run(capsys, *QUICK, *argv)
        read = {flag: reader.communicate(timeout=60)[0] for flag, reader in readers.items()}
    finally:
        for reader in readers.values():
            reader.kill()  # a reader the run never wrote to would wait forever
            reader.wait()
    assert code == 0, out + err
    for flag, name in _flags().items():
        assert stat.S_ISFIFO((tmp_path / name).lstat().st_mode), f"{flag}: the FIFO was replaced"
        _check_report(flag, read[flag])


def test_a_link_to_stdout_carries_the_report_down_the_pipe_after_the_table(tmp_path):
    """A link to the process's own stdout, as /dev/stdout is (made here, so that nothing outside
    this test's directory could be replaced): the report follows the table down the pipe."""
    if not Path("/proc/self/fd/1").exists():
        pytest.skip("no /proc/self/fd here")
    (tmp_path / "stdout").symlink_to("/proc/self/fd/1")
    argv = [sys.executable, "-m", "nn_crosscheck", *QUICK, "--json", str(tmp_path / "stdout")]
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path, env=IMPORTABLE, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    table, brace, report = proc.stdout.partition("\n{\n")
    assert table.splitlines()[-1] == "PASS: numpy-cpu-float64 agrees with the reference"
    _check_report("--json", (brace + report).encode())
    assert [p.name for p in tmp_path.iterdir()] == ["stdout"] and (tmp_path / "stdout").is_symlink()


def _devices(tmp_path: Path) -> dict[str, Path]:
    """A character device (the null device) for each report: made in `tmp_path` where this
    process may (as root, as CI runs); else /dev/null itself, for --json and --junit."""
    if os.geteuid() != 0:
        return {flag: Path("/dev/null") for flag in _flags() if flag != "--html"}
    null = os.stat("/dev/null").st_rdev
    for name in _flags().values():
        os.mknod(tmp_path / name, 0o666 | stat.S_IFCHR, null)
    return {flag: tmp_path / name for flag, name in _flags().items()}


def test_a_device_stays_a_device(capsys, tmp_path):
    devices = _devices(tmp_path)
    code, out, err = _run(capsys, *QUICK, *(a for flag, path in devices.items() for a in (flag, str(path))))
    assert code == 0, out + err
    for path in devices.values():
        assert stat.S_ISCHR(path.lstat().st_mode), f"{path} is no longer a device"
    assert sorted(tmp_path.iterdir()) == sorted(p for p in devices.values() if p.parent == tmp_path)


def test_a_regular_file_is_replaced_whole_or_left_as_it_was(tmp_path):
    path = tmp_path / "r.json"
    path.write_text("old\n")

    def interrupted(out):
        out.write(b'{"half": ')
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_whole(str(path), interrupted, "the JSON report")
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no partial file left


@pytest.mark.parametrize(
    "argv",
    [
        ["compare", "--frameworks", "numpy", "--dtypes", "float64"],
        ["report", "--frameworks", "numpy", "--dtypes", "float64", "--html", "OTHER/r.html"],
        ["selftest", "--frameworks", "numpy", "--dtypes", "float64"],
        ["sweep", "--seeds", "2", "--recheck", "0"],
        ["sweep", "--merge", "OTHER/a.json"],
        ["bench", "--frameworks", "numpy", "--repeats", "1", "--epochs", "1"],
    ],
    ids=["compare", "report", "selftest", "sweep", "sweep-merge", "bench"],
)
def test_json_to_a_directory_fails_before_any_work(capsys, tmp_path, argv):
    argv = [a.replace("OTHER", str(tmp_path)) for a in argv]
    code, out, err = _run(capsys, *argv, "--json", str(tmp_path))
    assert code == 2
    assert out == ""  # no table: nothing was run
    assert err.splitlines() == [f"crosscheck {argv[0]}: error: {tmp_path}: cannot write the JSON report: "
                                "it is a directory"]  # fmt: skip


@pytest.mark.parametrize(
    ("flag", "name", "what"),
    [
        ("--json", "out.json", "the JSON report"),
        ("--junit", "out.xml", "the JUnit report"),
        ("--html", "out.html", "the HTML report"),
        ("--plot", "out.png", "the plot"),
        ("--repro", "bundle", "the reproduction bundle"),
    ],
)
def test_an_unwritable_output_path_fails_before_any_work(capsys, tmp_path, flag, name, what):
    """A parent directory in which no file can be made: /proc (as root too), and a directory
    without write permission for a user who is not root."""
    parents = [Path("/proc")] if Path("/proc").is_dir() else []
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o555)
        parents.append(locked)
    if not parents:
        pytest.skip("no directory here in which no file can be made")
    for parent in parents:
        code, out, err = _run(capsys, *QUICK, flag, str(parent / name))
        assert code == 2
        assert out == ""
        assert err.startswith(f"crosscheck compare: error: {parent / name}: cannot write {what}: ")
        assert f"no file can be made in {parent}" in err
        assert len(err.splitlines()) == 1, err


def test_a_directory_is_refused_for_every_report_file(capsys, tmp_path):
    named = {"--junit": "the JUnit report", "--plot": "the plot", "--html": "the HTML report"}
    for flag, what in named.items():
        directory = tmp_path / ("d.png" if flag == "--plot" else "d.html")
        directory.mkdir(exist_ok=True)
        code, out, err = _run(capsys, *QUICK, flag, str(directory))
        assert code == 2 and out == ""
        said = f"{directory}: cannot write {what}: it is a directory"
        assert err.strip() == f"crosscheck compare: error: {said}"


def test_a_directory_for_the_report_fails_at_once_from_the_command_line(tmp_path):
    """The console's own process: exit 2 before the frameworks are imported (none is)."""
    code = (
        "import sys\nfrom nn_crosscheck.cli import main\n"
        f"status = main(['compare', '--json', {str(tmp_path)!r}])\n"
        "print(status, sorted(m for m in ('torch', 'jax', 'tensorflow') if m in sys.modules))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=IMPORTABLE
    )
    assert proc.stdout.strip() == "2 []", proc.stdout + proc.stderr
    assert "cannot write the JSON report: it is a directory" in proc.stderr

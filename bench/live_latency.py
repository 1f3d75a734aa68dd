"""Live feedback speed: processed frames per second and frame round trip per client, for one
client and for two simultaneous clients, against a real `rom serve` on localhost.

  .venv/bin/python bench/live_latency.py [--seconds 20] [--engine process|thread] [--unpaced]

Each client is a separate process that behaves like the live page: a 640x480 camera at 30
frames/s (frames of a sample clip, JPEG quality 80, looped), at most one frame in flight, the
newest camera frame sent as soon as the previous reply is in (older ones dropped). It records
(start ... stop), so the server also stores every frame. Printed per client: frames processed per
second, round trip (send -> reply) median and p95, server time per frame. --unpaced sends the
next frame at once (the server's capacity rather than a camera's pace). Goal (DESIGN.md 7):
at least 20 frames/s with p95 round trip under 100 ms.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import pathlib
import re
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
CLIP = ROOT / "samples" / "slr_avg_male_L_near_60.mp4"
CAMERA_FPS = 30.0


def jpeg_frames(clip: pathlib.Path) -> list[bytes]:
    import cv2

    cap, out = cv2.VideoCapture(str(clip)), []
    while True:
        ok, bgr = cap.read()
        if not ok:
            return out
        bgr = cv2.resize(bgr, (640, 480))
        out.append(cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 80])[1].tobytes())


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def post(url: str, fields: dict) -> str:
    """POST a form; the Location it redirects to."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(url, urllib.parse.urlencode(fields).encode())
    except urllib.error.HTTPError as e:
        if e.code in (302, 303):
            return e.headers["Location"]
        raise
    raise RuntimeError(f"{url} did not redirect")


def new_assessment(base: str) -> int:
    person = post(f"{base}/people/new", {"name": f"bench-{time.time_ns()}", "birth_year": "", "notes": ""})
    person_id = int(re.search(r"/people/(\d+)/", person).group(1))
    live = post(f"{base}/assessments/new", {"person_id": person_id, "test": "slr-left", "mode": "passive"})
    return int(re.search(r"/assessments/(\d+)/live", live).group(1))


def client(ws_url: str, frames: list[bytes], seconds: float, paced: bool, go, out) -> None:
    from simple_websocket import Client

    ws = Client.connect(ws_url, max_message_size=None)
    assert json.loads(ws.receive())["type"] == "ready"

    def exchange(i: int, t: float) -> tuple[float, dict]:
        t0 = time.perf_counter()
        ws.send(struct.pack("<d", t) + frames[i % len(frames)])
        reply = json.loads(ws.receive())
        return 1000 * (time.perf_counter() - t0), reply

    for i in range(15):  # camera set-up
        exchange(i, i / CAMERA_FPS)
    ws.send(json.dumps({"type": "start"}))
    json.loads(ws.receive())
    go.wait()
    rtts, server_ms, sent = [], [], -1
    start = time.perf_counter()
    while (now := time.perf_counter() - start) < seconds:
        camera = int(now * CAMERA_FPS) if paced else sent + 1  # the newest frame the camera has
        if camera == sent:
            time.sleep((camera + 1) / CAMERA_FPS - now)  # wait for the camera's next frame
            continue
        sent = camera
        rtt, reply = exchange(camera, camera / CAMERA_FPS)
        rtts.append(rtt)
        server_ms.append(reply["ms"])
    elapsed = time.perf_counter() - start
    ws.send(json.dumps({"type": "stop"}))
    done = json.loads(ws.receive())
    ws.close()
    out.put({"frames": len(rtts), "fps": len(rtts) / elapsed, "rtt_median_ms": float(np.median(rtts)),
             "rtt_p95_ms": float(np.percentile(rtts, 95)), "server_median_ms": float(np.median(server_ms)),
             "stored": done.get("type") == "done"})


def run(base: str, ws_base: str, n_clients: int, frames, seconds: float, paced: bool) -> list[dict]:
    ctx = mp.get_context("spawn")
    go, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=client, args=(f"{ws_base}/ws/live/{new_assessment(base)}", frames, seconds,
                                              paced, go, out)) for _ in range(n_clients)]
    for p in procs:
        p.start()
    time.sleep(3.0)  # every client connected and set up before the clock starts
    go.set()
    results = [out.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join()
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--engine", choices=["process", "thread"], default="process")
    ap.add_argument("--unpaced", action="store_true")
    a = ap.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="rom-bench-") as tmp:  # the database and recorded frames
        measure(a, port, {**os.environ, "ROM_INSTANCE_PATH": tmp, "ROM_LIVE_ENGINE": a.engine})


def measure(a: argparse.Namespace, port: int, env: dict) -> None:
    server = subprocess.Popen([sys.executable, "-m", "rom", "serve", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base, ws_base = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/people/", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        frames = jpeg_frames(CLIP)
        pace = "unpaced" if a.unpaced else f"camera {CAMERA_FPS:.0f} fps"
        print(f"live latency: {a.engine} engine, {pace}, 640x480 JPEG, {a.seconds:.0f} s per run, "
              f"{os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.1f} (others' work slows every figure)")
        print(f"{'clients':>7s} {'client':>6s} {'frames':>6s} {'fps':>6s} {'rtt med ms':>10s} {'rtt p95 ms':>10s} "
              f"{'server ms':>9s} {'stored':>6s}")
        for n in (1, 2):
            for i, r in enumerate(run(base, ws_base, n, frames, a.seconds, not a.unpaced), 1):
                print(f"{n:7d} {i:6d} {r['frames']:6d} {r['fps']:6.1f} {r['rtt_median_ms']:10.1f} "
                      f"{r['rtt_p95_ms']:10.1f} {r['server_median_ms']:9.1f} {'yes' if r['stored'] else 'no':>6s}")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()

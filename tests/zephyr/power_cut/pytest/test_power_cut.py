"""zephyr-ocpp power cuts on native_sim: zephyr.exe (src/main.c, CONFIG_OCPP_PERSISTENCE on NVS
in the flash simulator) is killed with SIGKILL at random moments of its transactions and
started again on the same flash file, at least 30 times; a last run only delivers what the
store kept. Every transaction it reported started must reach the development Central System
exactly once and be stopped there exactly once (PowerLoss where it was cut); no message may
refer to an unknown transaction. The counts are printed. POWER_CUT_SEED replays a run.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from twister_harness.helpers.utils import find_in_config

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT / "tools"))
from dev_cs_client import DevCsServer  # noqa: E402

CP_ID = "zephyr-power-cut"  # last segment of CONFIG_OCPP_POWER_CUT_URL
CUTS = int(os.environ.get("POWER_CUTS", "30"))


@pytest.fixture(scope="module")
def build_dir(request: pytest.FixtureRequest) -> Path:
    return Path(request.config.getoption("--build-dir"))


def run(exe: Path, flash: Path, args: list[str], seconds: float, log) -> list[str]:
    proc = subprocess.Popen(
        [str(exe), f"--flash={flash}", "-testargs", *args],
        stdout=subprocess.PIPE, stderr=log, text=True,
    )
    time.sleep(seconds)
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=10)
    log.write(out)
    return out.splitlines()


def test_power_cuts_lose_nothing(build_dir: Path, tmp_path: Path):
    seed = int(os.environ.get("POWER_CUT_SEED", str(random.randrange(1 << 32))))
    rng = random.Random(seed)
    exe = build_dir / "zephyr" / "zephyr.exe"
    port = find_in_config(build_dir / "zephyr" / ".config", "CONFIG_OCPP_POWER_CUT_PORT")
    flash = tmp_path / "flash.bin"
    started: list[str] = []
    began = time.monotonic()
    with DevCsServer.start(frames_log=build_dir / "power-cut-frames.jsonl",
                           extra_args=["--port", port]) as cs, \
            open(tmp_path / "zephyr.log", "w") as log:
        for n in range(CUTS):
            for line in run(exe, flash, ["run", str(n)], rng.uniform(0.8, 3.0), log):
                if line.startswith("PC: started "):
                    started.append(line.split()[2])
        # The last run starts nothing; it is killed once the Central System saw every stop.
        proc = subprocess.Popen([str(exe), f"--flash={flash}", "-testargs", "drain"],
                                stdout=log, stderr=log, text=True)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                transactions = cs.transactions(CP_ID)
                if transactions and all(not t["active"] for t in transactions if t["id_tag"]):
                    if len({t["id_tag"] for t in transactions}) >= len(set(started)):
                        break
                time.sleep(0.5)
            time.sleep(1.0)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        starts = cs.messages(CP_ID, "StartTransaction")
        stops = cs.messages(CP_ID, "StopTransaction")
        values = cs.messages(CP_ID, "MeterValues")
        transactions = cs.transactions(CP_ID)
    sent_starts = Counter((m["payload"]["idTag"], m["payload"]["timestamp"]) for m in starts)
    repeated_tags = {tag for (tag, _), n in sent_starts.items() if n > 1}
    by_tag = Counter(t["id_tag"] for t in transactions if t["id_tag"])
    stop_count = Counter(m["payload"]["transactionId"] for m in stops)
    known_ids = {t["transaction_id"] for t in transactions if t["id_tag"]}
    lost = [tag for tag in started if by_tag[tag] == 0]
    never_stopped = [t for t in transactions
                     if t["id_tag"] and t["active"] and t["id_tag"] not in repeated_tags]
    power_loss = [t for t in transactions if t["reason"] == "PowerLoss"]
    repeats = sum(n - 1 for n in sent_starts.values()) + sum(n - 1 for n in stop_count.values())
    print(
        f"\nzephyr power cuts: seed {seed}, {CUTS} SIGKILLs of zephyr.exe in "
        f"{time.monotonic() - began:.0f} s; reported started {len(started)}; the Central "
        f"System received {len(starts)} StartTransaction, {len(values)} MeterValues, "
        f"{len(stops)} StopTransaction; lost {len(lost)}, never stopped {len(never_stopped)}, "
        f"PowerLoss {len(power_loss)}, repeats {repeats}"
    )
    assert len(started) >= CUTS // 3, (tmp_path / "zephyr.log").read_text()[-4000:]
    assert lost == [], f"seed {seed}: {lost}"
    assert never_stopped == [], f"seed {seed}: {never_stopped}"
    assert all(m["payload"].get("transactionId") in known_ids for m in values), f"seed {seed}"
    assert all(t in known_ids for t in stop_count), f"seed {seed}"
    assert all(n == 1 for tag, n in by_tag.items() if tag not in repeated_tags), f"seed {seed}"
    assert repeats <= 2, f"seed {seed}: {sent_starts} {stop_count}"
    assert power_loss, "no cut fell inside a transaction"

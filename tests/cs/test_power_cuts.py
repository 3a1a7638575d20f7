"""Power cuts: the host charge point (examples/power_cut.rs, with its persistent store) is
killed with SIGKILL at random moments of its transactions and started again, at least 30
times; then it delivers what it stored. Every transaction it reported started must reach the
Central System exactly once and be stopped there exactly once (PowerLoss where it was cut),
and no message may refer to an unknown transaction. The counts are printed.

The seed is printed; set POWER_CUT_SEED to replay a run, POWER_CUTS for more cuts.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CUTS = int(os.environ.get("POWER_CUTS", "30"))


def build_example() -> Path:
    subprocess.run(
        ["cargo", "build", "--quiet", "--example", "power_cut"],
        cwd=REPO_ROOT,
        check=True,
    )
    return REPO_ROOT / "target" / "debug" / "examples" / "power_cut"


def run_until_killed(binary: Path, url: str, store: Path, seconds: float, log) -> list[str]:
    proc = subprocess.Popen(
        [str(binary), "--cs", url, "--store", str(store)],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    time.sleep(seconds)
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=10)
    return out.splitlines()


def test_power_cuts_lose_and_duplicate_nothing(dev_cs, tmp_path):
    seed = int(os.environ.get("POWER_CUT_SEED", str(random.randrange(1 << 32))))
    rng = random.Random(seed)
    binary = build_example()
    cp_id = "POWERCUT"
    url = dev_cs.url_for(cp_id)
    store = tmp_path / "store"
    started: list[str] = []
    stopped: set[str] = set()
    began = time.monotonic()
    with open(tmp_path / "cp.stderr", "w") as log:
        for _ in range(CUTS):
            for line in run_until_killed(binary, url, store, rng.uniform(0.4, 2.5), log):
                kind, _, tag = line.partition(" ")
                if kind == "started":
                    started.append(tag)
                elif kind == "stopped":
                    stopped.add(tag)
        drain = subprocess.run(
            [str(binary), "--cs", url, "--store", str(store), "--drain"],
            stdout=subprocess.PIPE, stderr=log, text=True, timeout=60,
        )
    assert drain.returncode == 0 and "drained" in drain.stdout, (tmp_path / "cp.stderr").read_text()

    starts = dev_cs.messages(cp_id, "StartTransaction")
    stops = dev_cs.messages(cp_id, "StopTransaction")
    values = dev_cs.messages(cp_id, "MeterValues")
    transactions = dev_cs.transactions(cp_id)
    by_tag = Counter(t["id_tag"] for t in transactions if t["id_tag"])
    sent_starts = Counter((m["payload"]["idTag"], m["payload"]["timestamp"]) for m in starts)
    start_repeats = sum(n - 1 for n in sent_starts.values())
    # A start repeated after a cut between the CS's answer and the store's write leaves the
    # first transaction open at the CS (its id never reached the charge point): counted apart.
    repeated_tags = {tag for (tag, _), n in sent_starts.items() if n > 1}
    stop_count = Counter(m["payload"]["transactionId"] for m in stops)
    stop_repeats = sum(n - 1 for n in stop_count.values())
    known_ids = {t["transaction_id"] for t in transactions if t["id_tag"]}
    unknown_values = [m for m in values if m["payload"].get("transactionId") not in known_ids]
    unknown_stops = [t for t in stop_count if t not in known_ids]
    lost = [tag for tag in started if by_tag[tag] == 0]
    never_stopped = [t for t in transactions
                     if t["id_tag"] and t["active"] and t["id_tag"] not in repeated_tags]
    power_loss = [t for t in transactions if t["reason"] == "PowerLoss"]
    cut_mid_transaction = [tag for tag in started if tag not in stopped]
    print(
        f"\npower cuts: seed {seed}, {CUTS} SIGKILLs in {time.monotonic() - began:.0f} s; "
        f"produced {len(started)} transactions; the Central System received "
        f"{len(starts)} StartTransaction, {len(values)} MeterValues, {len(stops)} "
        f"StopTransaction; lost {len(lost)}, never stopped {len(never_stopped)}, "
        f"{len(power_loss)} stopped with PowerLoss (cut mid-transaction: "
        f"{len(cut_mid_transaction)}); repeats after a cut between answer and erasure: "
        f"{start_repeats} starts, {stop_repeats} stops"
    )
    assert len(started) >= CUTS // 2, "too few transactions to say anything"
    assert lost == [], f"seed {seed}: started but never reached the CS: {lost}"
    assert never_stopped == [], f"seed {seed}: open at the CS: {never_stopped}"
    assert unknown_values == [] and unknown_stops == [], f"seed {seed}"
    assert all(n == 1 for tag, n in by_tag.items() if tag not in repeated_tags), f"seed {seed}"
    # A message is repeated only when a cut fell in the few milliseconds between the CS's
    # answer and the store's write; more than two in one run means something else is wrong.
    assert start_repeats + stop_repeats <= 2, f"seed {seed}: {sent_starts} {stop_count}"
    assert len(power_loss) >= 1

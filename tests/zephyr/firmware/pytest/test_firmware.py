"""zephyr-ocpp Firmware Management on native_sim, through the library's default Zephyr
implementation (CONFIG_OCPP_FIRMWARE_UPDATE_MCUBOOT): UpdateFirmware from the development
Central System; Zephyr's http_client downloads the image from the dev CS's file server straight
into slot1_partition of the flash simulator (flash_img), MCUboot's trailer records a test swap
(boot_request_upgrade), the device reboots (sys_reboot re-executes zephyr.exe on the same flash
file) and, after the boot, confirms the image (boot_write_img_confirmed) and reports Installed.

native_sim has no MCUboot: at each boot src/main.c waits until this test, in the bootloader's
place, has acted on the flash file (a hand-off byte in scratch_partition). Update 1: the test
swaps as MCUboot's test swap leaves the slots (Installed). Update 2: nothing swaps, as with no
bootloader (InstallationFailed). Then GetDiagnostics uploads the library's recent log lines,
and then the application's log (ocpp_set_diagnostics_handler).
The image bytes are read back from the flash file and hashed; every frame is schema-validated.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from twister_harness.helpers.utils import find_in_config

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT / "tools"))
from dev_cs_client import DevCsServer  # noqa: E402

import validate_frames  # noqa: E402

CP_ID = "zephyr-firmware"  # last segment of CONFIG_OCPP_FIRMWARE_TEST_URL
# native_sim's partitions (boards/native/native_sim/native_sim.dts), offsets in the flash file.
SLOT0, SLOT1, SLOT_SIZE = 0xC000, 0x75000, 0x69000
SCRATCH = 0xDE000
ERASED = 0xFF
# MCUboot's image trailer at the end of a slot (bootutil_public.c, BOOT_MAX_ALIGN 8).
MAGIC = bytes([0x77, 0xC2, 0x95, 0xF3, 0x60, 0xD2, 0xEF, 0x7F,
               0x35, 0x52, 0x50, 0x0F, 0x2C, 0xB6, 0x79, 0x80])
MAGIC_OFF = SLOT_SIZE - 16
IMAGE_OK_OFF = MAGIC_OFF - 8
COPY_DONE_OFF = IMAGE_OK_OFF - 8
SWAP_INFO_OFF = COPY_DONE_OFF - 8
TRAILER_SECTOR = 0x1000
BOOT_SWAP_TYPE_TEST = 2
FLAG_SET = 0x01
IMAGE_SIZE = 200_000
WAIT = 90.0


class Device:
    """zephyr.exe on a flash file; counts its boots (each sys_reboot re-executes it)."""

    def __init__(self, exe: Path, flash: Path, log_path: Path):
        self.flash = flash
        self.lines: list[str] = []
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen([str(exe), f"--flash={flash}"], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, errors="replace")
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.log.write(line)
            self.log.flush()
            self.lines.append(line.rstrip("\n"))

    def boots(self) -> int:
        return sum("FW: boot, waiting for the bootloader" in line for line in self.lines)

    def wait_boot(self, n: int) -> None:
        deadline = time.monotonic() + WAIT
        while self.boots() < n:
            assert self.proc.poll() is None, f"zephyr.exe exited ({self.proc.returncode})"
            assert time.monotonic() < deadline, f"no boot {n}; last lines: {self.lines[-15:]}"
            time.sleep(0.05)

    def read(self, offset: int, size: int) -> bytes:
        with open(self.flash, "rb") as f:
            f.seek(offset)
            return f.read(size)

    def write(self, offset: int, data: bytes) -> None:
        # The flash simulator maps the file shared: the running zephyr.exe sees this at once.
        with open(self.flash, "r+b") as f:
            f.seek(offset)
            f.write(data)

    def bootloader_done(self) -> None:
        self.write(SCRATCH, b"\x00")

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=10)
        self.log.close()


def mcuboot_test_swap(dev: Device, size: int) -> None:
    """What MCUboot's test swap leaves: the new image in slot0 with a trailer whose image_ok is
    unset and copy_done set (swap type "revert" until the image confirms itself), and no
    upgrade request in slot1."""
    image = dev.read(SLOT1, size)
    dev.write(SLOT0, image)
    trailer = bytearray([ERASED] * TRAILER_SECTOR)
    base = SLOT_SIZE - TRAILER_SECTOR
    trailer[MAGIC_OFF - base:MAGIC_OFF - base + 16] = MAGIC
    trailer[COPY_DONE_OFF - base] = FLAG_SET
    trailer[SWAP_INFO_OFF - base] = BOOT_SWAP_TYPE_TEST
    dev.write(SLOT0 + base, bytes(trailer))
    dev.write(SLOT1 + base, bytes([ERASED] * TRAILER_SECTOR))


def statuses(cs: DevCsServer, action: str) -> list[str]:
    return [m["payload"]["status"] for m in cs.messages(CP_ID, action)]


def wait_statuses(cs: DevCsServer, action: str, want: list[str]) -> None:
    deadline = time.monotonic() + WAIT
    while statuses(cs, action)[:len(want)] != want or len(statuses(cs, action)) < len(want):
        seen = statuses(cs, action)
        assert seen == want[:len(seen)], f"{action}: {seen}, expected {want}"
        assert time.monotonic() < deadline, f"{action}: {seen}, expected {want}"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def build_dir(request: pytest.FixtureRequest) -> Path:
    return Path(request.config.getoption("--build-dir"))


def test_update_firmware_and_diagnostics(build_dir: Path, tmp_path: Path):
    exe = build_dir / "zephyr" / "zephyr.exe"
    port = find_in_config(build_dir / "zephyr" / ".config", "CONFIG_OCPP_FIRMWARE_TEST_PORT")
    frames_log = build_dir / "firmware-frames.jsonl"
    frames_log.unlink(missing_ok=True)
    with DevCsServer.start(frames_log=frames_log, extra_args=["--port", port]) as cs:
        first = cs.add_firmware("zephyr-1.bin", size=IMAGE_SIZE, seed=1)
        second = cs.add_firmware("zephyr-2.bin", size=IMAGE_SIZE - 4321, seed=2)
        dev = Device(exe, tmp_path / "flash.bin", build_dir / "firmware-zephyr.log")
        try:
            dev.wait_boot(1)
            dev.bootloader_done()
            cs.wait_for_message(CP_ID, "BootNotification", timeout=WAIT)

            # Update 1: downloaded into slot1, test swap requested, reboot; the "bootloader"
            # swaps; the new image confirms itself and Installed is reported.
            began = time.monotonic()
            assert cs.update_firmware(CP_ID, image="zephyr-1.bin") == {"result": {}}
            dev.wait_boot(2)
            seconds = time.monotonic() - began
            assert hashlib.sha256(dev.read(SLOT1, first["size"])).hexdigest() == first["sha256"]
            assert dev.read(SLOT1 + MAGIC_OFF, 16) == MAGIC, "no upgrade request in slot1"
            assert dev.read(SLOT1 + SWAP_INFO_OFF, 1)[0] & 0x0F == BOOT_SWAP_TYPE_TEST
            assert dev.read(SLOT1 + IMAGE_OK_OFF, 1)[0] == ERASED, "a test swap, not permanent"
            assert statuses(cs, "FirmwareStatusNotification") == \
                ["Downloading", "Downloaded", "Installing"]
            print(f"update 1: {first['size']} bytes downloaded and rebooted in {seconds:.1f} s")
            mcuboot_test_swap(dev, first["size"])
            dev.bootloader_done()
            wait_statuses(cs, "FirmwareStatusNotification",
                          ["Downloading", "Downloaded", "Installing", "Installed"])
            assert dev.read(SLOT0 + IMAGE_OK_OFF, 1)[0] == FLAG_SET, "image not confirmed"
            assert len(cs.messages(CP_ID, "BootNotification")) == 2

            # Update 2: nothing swaps it in (no bootloader): the old image runs after the
            # reboot, so the install failed.
            assert cs.update_firmware(CP_ID, image="zephyr-2.bin") == {"result": {}}
            dev.wait_boot(3)
            assert hashlib.sha256(dev.read(SLOT1, second["size"])).hexdigest() == \
                second["sha256"]
            assert dev.read(SLOT1 + MAGIC_OFF, 16) == MAGIC
            dev.bootloader_done()
            wait_statuses(cs, "FirmwareStatusNotification",
                          ["Downloading", "Downloaded", "Installing", "Installed",
                           "Downloading", "Downloaded", "Installing", "InstallationFailed"])

            # GetDiagnostics, by HTTP PUT: first the library's recent log lines (the
            # application's handler has none yet), then the application's log.
            # (Both may get the same name: it has a resolution of seconds.)
            root = Path(cs.files()["root"]) / "diagnostics"
            bodies, names = [], []
            for n in (1, 2):
                names.append(cs.get_diagnostics(CP_ID)["result"]["fileName"])
                wait_statuses(cs, "DiagnosticsStatusNotification",
                              ["Uploading", "Uploaded"] * n)
                bodies.append((root / names[-1]).read_bytes())
            uploads = cs.uploads()
            assert [u["name"] for u in uploads] == names, uploads
            assert [u["size"] for u in uploads] == [len(b) for b in bodies], uploads
            recent, own = bodies[0].decode(), bodies[1]
            assert "I BootNotification: Accepted" in recent, recent[-500:]
            assert own == b"zephyr-firmware application log line\n" * 100
            print(f"diagnostics: {len(recent)} bytes of recent log lines, then {len(own)} bytes"
                  " of the application's log")
        finally:
            dev.stop()
    validated, failures = validate_frames.validate_file(frames_log)
    assert validated > 0, f"no frames in {frames_log}"
    assert not failures, failures[:5]

/*
 * zephyr-ocpp firmware update on native_sim: the application only starts the library; the
 * library's default Firmware Management (CONFIG_OCPP_FIRMWARE_UPDATE_MCUBOOT) downloads the
 * image into slot1_partition, requests the upgrade and reboots (pytest/test_firmware.py drives
 * UpdateFirmware from the development Central System and checks the flash file).
 *
 * native_sim has no MCUboot. At every boot this application therefore waits, before it starts
 * the library, until the test (in MCUboot's place) has done what the bootloader does between
 * two boots and says so by writing a byte other than 0xff at the start of scratch_partition;
 * it erases that byte again for the next boot.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>

#include <zephyr/kernel.h>
#include <zephyr/net/ocpp.h>
#include <zephyr/storage/flash_map.h>

#define HANDOFF_AREA FIXED_PARTITION_ID(scratch_partition)
#define HANDOFF_WAIT_MS 60000

static int on_ocpp(enum ocpp_notify_reason reason, union ocpp_io_value *io, void *user_data)
{
	ARG_UNUSED(reason);
	ARG_UNUSED(io);
	ARG_UNUSED(user_data);
	return -ENOTSUP;
}

/*
 * The application's diagnostics: none for the first upload (the library's recent log lines go),
 * then APP_LOG repeated APP_LOG_REPEAT times.
 */
#define APP_LOG "zephyr-firmware application log line\n"
#define APP_LOG_REPEAT 100

static int diagnostics(size_t offset, uint8_t *buf, size_t cap, void *user_data)
{
	static int uploads;
	const size_t line = sizeof(APP_LOG) - 1;
	size_t n = 0;

	ARG_UNUSED(user_data);
	if (buf == NULL) {
		return uploads++ == 0 ? -ENOENT : (int)(line * APP_LOG_REPEAT);
	}
	for (; n < cap && offset + n < line * APP_LOG_REPEAT; n++) {
		buf[n] = APP_LOG[(offset + n) % line];
	}
	return (int)n;
}

/* Waits for the test's "bootloader done" byte, then erases it. */
static int wait_for_bootloader(void)
{
	const struct flash_area *area;
	uint8_t mark = 0xff;
	int ret = flash_area_open(HANDOFF_AREA, &area);

	if (ret < 0) {
		return ret;
	}
	printk("FW: boot, waiting for the bootloader\n");
	for (int waited = 0; mark == 0xff && waited < HANDOFF_WAIT_MS; waited += 50) {
		ret = flash_area_read(area, 0, &mark, 1);
		if (ret < 0) {
			break;
		}
		if (mark == 0xff) {
			k_msleep(50);
		}
	}
	if (ret == 0) {
		ret = mark == 0xff ? -ETIMEDOUT : flash_area_erase(area, 0, 0x1000);
	}
	flash_area_close(area);
	return ret;
}

int main(void)
{
	static char model[] = "zephyr-firmware";
	static char vendor[] = "zephyr-ocpp";
	static char fw_ver[] = "1.0.0";
	static char server[] = CONFIG_OCPP_FIRMWARE_TEST_SERVER;
	static char url[] = CONFIG_OCPP_FIRMWARE_TEST_URL;
	struct ocpp_cp_info cpi = {
		.model = model, .vendor = vendor, .fw_ver = fw_ver, .num_of_con = 1};
	struct ocpp_cs_info csi = {
		.cs_ip = server,
		.ws_url = url,
		.port = CONFIG_OCPP_FIRMWARE_TEST_PORT,
		.sa_family = AF_INET,
	};
	int ret = wait_for_bootloader();

	(void)ocpp_set_diagnostics_handler(diagnostics, NULL);

	printk("FW: bootloader hand-off %d\n", ret);
	ret = ocpp_init(&cpi, &csi, on_ocpp, NULL);
	printk("FW: ocpp_init %d\n", ret);
	return ret;
}

/*
 * zephyr-ocpp firmware update on native_sim: the application only starts the library; the
 * library's default Firmware Management (CONFIG_OCPP_FIRMWARE_UPDATE_MCUBOOT) downloads the
 * image into slot1_partition, requests the upgrade and reboots (pytest/test_firmware.py drives
 * UpdateFirmware from the development Central System and checks the flash file).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>

#include <zephyr/kernel.h>
#include <zephyr/net/ocpp.h>

static int on_ocpp(enum ocpp_notify_reason reason, union ocpp_io_value *io, void *user_data)
{
	ARG_UNUSED(reason);
	ARG_UNUSED(io);
	ARG_UNUSED(user_data);
	return -ENOTSUP;
}

int main(void)
{
	static char model[] = "zephyr-firmware";
	static char vendor[] = "zephyr-ocpp";
	static char server[] = CONFIG_OCPP_FIRMWARE_TEST_SERVER;
	static char url[] = CONFIG_OCPP_FIRMWARE_TEST_URL;
	struct ocpp_cp_info cpi = {.model = model, .vendor = vendor, .num_of_con = 1};
	struct ocpp_cs_info csi = {
		.cs_ip = server,
		.ws_url = url,
		.port = CONFIG_OCPP_FIRMWARE_TEST_PORT,
		.sa_family = AF_INET,
	};
	int ret = ocpp_init(&cpi, &csi, on_ocpp, NULL);

	printk("FW: ocpp_init %d\n", ret);
	return ret;
}

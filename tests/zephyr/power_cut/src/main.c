/*
 * zephyr-ocpp power cuts: transactions back to back on connector 1 through the C API, with
 * CONFIG_OCPP_PERSISTENCE, until zephyr.exe is killed (pytest/test_power_cut.py kills it with
 * SIGKILL and starts it again on the same flash file).
 *
 * Arguments after -testargs: "run N" (idTags are PC<N>-<k>), "drain" (start nothing: only
 * deliver what the store restored). Prints "PC: started <idTag>" once ocpp_start_transaction
 * returned 0, and "PC: stopped <idTag>".
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmdline.h>
#include <zephyr/kernel.h>
#include <zephyr/net/ocpp.h>
#include <zephyr/random/random.h>

#define TIMEOUT_MS 5000

static atomic_t energy_wh = ATOMIC_INIT(1000);
static K_SEM_DEFINE(registered, 0, 1);

static int on_ocpp(enum ocpp_notify_reason reason, union ocpp_io_value *io, void *user_data)
{
	ARG_UNUSED(user_data);
	if (reason == OCPP_USR_GET_METER_VALUE && io->meter_val.mes == OCPP_OMM_ACTIVE_ENERGY_TO_EV) {
		snprintf(io->meter_val.val, CISTR50, "%ld", (long)atomic_get(&energy_wh));
		return 0;
	}
	return -ENOTSUP;
}

static void events(void *p1, void *p2, void *p3)
{
	struct ocpp_event event;

	ARG_UNUSED(p1);
	ARG_UNUSED(p2);
	ARG_UNUSED(p3);
	for (;;) {
		if (ocpp_poll_event(&event, 1000) == 0 && event.type == OCPP_EVENT_REGISTRATION &&
		    event.value == OCPP_REGISTRATION_ACCEPTED) {
			printk("PC: registered\n");
			k_sem_give(&registered);
		}
		atomic_add(&energy_wh, 1);
	}
}
K_THREAD_DEFINE(event_thread, 2048, events, NULL, NULL, NULL, 7, 0, 0);

int main(void)
{
	static char model[] = "zephyr-power-cut";
	static char vendor[] = "zephyr-ocpp";
	static char server[] = CONFIG_OCPP_POWER_CUT_SERVER;
	static char url[] = CONFIG_OCPP_POWER_CUT_URL;
	struct ocpp_cp_info cpi = {.model = model, .vendor = vendor, .num_of_con = 1};
	struct ocpp_cs_info csi = {
		.cs_ip = server,
		.ws_url = url,
		.port = CONFIG_OCPP_POWER_CUT_PORT,
		.sa_family = AF_INET,
	};
	int argc = 0, run = 0;
	char **argv = NULL;
	bool drain = false;

	native_get_test_cmd_line_args(&argc, &argv);
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "drain") == 0) {
			drain = true;
		} else if (strcmp(argv[i], "run") == 0 && i + 1 < argc) {
			run = atoi(argv[++i]);
		}
	}
	int ret = ocpp_init(&cpi, &csi, on_ocpp, NULL);

	printk("PC: ocpp_init %d\n", ret);
	if (ret < 0 || drain) {
		return ret;
	}
	/* Offline (the Central System not reached yet) the idTag could not be authorized. */
	(void)k_sem_take(&registered, K_SECONDS(10));
	for (int k = 0;; k++) {
		ocpp_session_handle_t session;
		enum ocpp_auth_status status;
		char idtag[CISTR20];

		snprintf(idtag, sizeof(idtag), "PC%d-%d", run, k);
		if (ocpp_session_open(&session) < 0) {
			k_sleep(K_MSEC(100));
			continue;
		}
		ret = ocpp_authorize(session, idtag, &status, TIMEOUT_MS);
		if (ret != 0) {
			printk("PC: authorize %s %d\n", idtag, ret);
		}
		if (ret == 0 && status == OCPP_AUTH_ACCEPTED) {
			ret = ocpp_start_transaction(session, (int)atomic_get(&energy_wh), 1, TIMEOUT_MS);
		}
		if (ret == 0) {
			printk("PC: started %s\n", idtag);
			k_sleep(K_MSEC(300 + sys_rand32_get() % 1500));
			ret = ocpp_stop_transaction(session, (int)atomic_get(&energy_wh), TIMEOUT_MS);
			printk("PC: stopped %s %d\n", idtag, ret);
		} else if (ret == -EAGAIN) {
			/* Not answered in time, but it may run: end it as well. */
			(void)ocpp_stop_transaction(session, (int)atomic_get(&energy_wh), TIMEOUT_MS);
		}
		ocpp_session_close(session);
		k_sleep(K_MSEC(100));
	}
	return 0;
}

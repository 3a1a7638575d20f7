/*
 * zephyr-ocpp: the `ocpp` shell command (CONFIG_OCPP_SHELL) through the shell's dummy backend.
 *
 * ocpp_shell_offline runs first, while no Central System listens: argument checks, the
 * configuration, connector status and the status snapshot. ocpp_shell_online then waits until
 * the charge point is registered (pytest/test_shell.py starts the development Central System
 * when it sees "SHELL: waiting for the Central System") and runs a transaction through the
 * shell; it prints "SHELL: transaction <id>" for the test to check on the Central System's side.
 * Last, the SNTP server of the test starts answering and the clock is set from it.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <string.h>

#include <zephyr/kernel.h>
#include <zephyr/net/ocpp.h>
#include <zephyr/shell/shell.h>
#include <zephyr/shell/shell_dummy.h>
#include <zephyr/ztest.h>

#define CONNECTORS 2
#define ONLINE_TIMEOUT_MS 60000

static const struct shell *sh;

/* Runs a command; returns its return code, the output in *out. */
static int run(const char *cmd, const char **out)
{
	size_t size;
	int ret;

	shell_backend_dummy_clear_output(sh);
	ret = shell_execute_cmd(sh, cmd);
	*out = shell_backend_dummy_get_output(sh, &size);
	return ret;
}

#define assert_run(cmd, expected_ret, expected_text)                                               \
	do {                                                                                       \
		const char *out_;                                                                  \
		int ret_ = run(cmd, &out_);                                                        \
		zassert_equal(ret_, expected_ret, "\"%s\" returned %d, not %d; output: %s", cmd,    \
			      ret_, expected_ret, out_);                                           \
		zassert_not_null(strstr(out_, expected_text),                                      \
				 "\"%s\": no \"%s\" in its output: %s", cmd, expected_text, out_); \
	} while (0)

static int on_ocpp(enum ocpp_notify_reason reason, union ocpp_io_value *io, void *user_data)
{
	ARG_UNUSED(user_data);
	if (reason == OCPP_USR_GET_METER_VALUE &&
	    io->meter_val.mes == OCPP_OMM_ACTIVE_ENERGY_TO_EV) {
		strcpy(io->meter_val.val, "1200");
		return 0;
	}
	return -ENOTSUP;
}

static void *setup(void)
{
	static char model[] = "zephyr-ocpp-shell";
	static char vendor[] = "zephyr-ocpp";
	static char firmware[] = "0.1.0";
	static char server[] = "127.0.0.1";
	static char url[] = CONFIG_OCPP_SHELL_TEST_URL;
	static bool initialized;
	struct ocpp_cp_info cpi = {
		.model = model,
		.vendor = vendor,
		.num_of_con = CONNECTORS,
		.fw_ver = firmware,
	};
	struct ocpp_cs_info csi = {
		.cs_ip = server,
		.ws_url = url,
		.port = CONFIG_OCPP_SHELL_TEST_PORT,
		.sa_family = AF_INET,
	};

	sh = shell_backend_dummy_get_ptr();
	/* The dummy backend is ready once the shell thread started. */
	while (!shell_ready(sh)) {
		k_msleep(10);
	}
	if (!initialized) {
		zassert_equal(ocpp_init(&cpi, &csi, on_ocpp, NULL), 0, "ocpp_init");
		initialized = true;
	}
	return NULL;
}

ZTEST(ocpp_shell_offline, test_status_offline)
{
	assert_run("ocpp status", 0, "connection: offline");
	assert_run("ocpp status", 0, "registration: none");
	assert_run("ocpp status", 0, "transactions: 0 running");
	assert_run("ocpp status", 0, "queue: 0 transaction messages");
	assert_run("ocpp status", 0, "connector 0: Available");
	assert_run("ocpp status", 0, "connector 2: Available");
}

ZTEST(ocpp_shell_offline, test_connector_status)
{
	assert_run("ocpp connector 1 status Preparing", 0, "connector 1: Preparing (NoError)");
	assert_run("ocpp status", 0, "connector 1: Preparing");
	/* OCPP names are matched case-insensitively. */
	assert_run("ocpp connector 2 status faulted GroundFailure", 0,
		   "connector 2: Faulted (GroundFailure)");
	assert_run("ocpp status", 0, "connector 2: Faulted");
	assert_run("ocpp connector 2 status Available", 0, "connector 2: Available");
	assert_run("ocpp connector 1 status Available", 0, "connector 1: Available");
	assert_run("ocpp connector 0 status Available", 0, "connector 0: Available");
}

ZTEST(ocpp_shell_offline, test_config_get_and_set)
{
	assert_run("ocpp config get MeterValueSampleInterval", 0,
		   "MeterValueSampleInterval = 5");
	assert_run("ocpp config get numberofconnectors", 0, "= 2 (read-only)");
	assert_run("ocpp config set HeartbeatInterval 120", 0, "HeartbeatInterval = 120");
	assert_run("ocpp config get HeartbeatInterval", 0, "HeartbeatInterval = 120");
	/* Every key, with its value. */
	assert_run("ocpp config get", 0, "HeartbeatInterval = 120");
	assert_run("ocpp config get", 0, "NumberOfConnectors = 2 (read-only)");
	assert_run("ocpp config get", 0, "SupportedFeatureProfiles = Core");
	assert_run("ocpp config set NumberOfConnectors 3", -EACCES, "read-only");
}

ZTEST(ocpp_shell_offline, test_bad_arguments)
{
	assert_run("ocpp connector x status Available", -EINVAL, "connector must be a number");
	assert_run("ocpp connector 3 status Available", -EINVAL, "from 0 to");
	assert_run("ocpp connector 1 status Sleeping", -EINVAL, "unknown status \"Sleeping\"");
	assert_run("ocpp connector 1 status Faulted Meltdown", -EINVAL,
		   "unknown error code \"Meltdown\"");
	assert_run("ocpp connector 1 state Available", -EINVAL, "unknown connector command");
	assert_run("ocpp connector 1 status", -EINVAL, "wrong parameter count");
	assert_run("ocpp config get NoSuchKey", -EINVAL, "unknown configuration key");
	assert_run("ocpp config set NoSuchKey 1", -EINVAL, "unknown configuration key");
	assert_run("ocpp config set HeartbeatInterval soon", -EINVAL, "not a valid value");
	assert_run("ocpp config set HeartbeatInterval", -EINVAL, "wrong parameter count");
	assert_run("ocpp authorize ABCDEFGHIJKLMNOPQRSTU", -EINVAL, "at most 20 characters");
	assert_run("ocpp start 1", -EINVAL, "no idTag authorized");
	assert_run("ocpp start 0", -EINVAL, "from 1 to");
	assert_run("ocpp start 1 -5", -EINVAL, "meter_Wh must be a number");
	assert_run("ocpp start 1 12x", -EINVAL, "meter_Wh must be a number");
	assert_run("ocpp stop abc", -EINVAL, "connector must be a number");
	assert_run("ocpp stop 2", -EINVAL, "no transaction on connector 2");
	/* Nothing was sent or changed by the refused commands. */
	assert_run("ocpp status", 0, "connector 1: Available");
	assert_run("ocpp status", 0, "queue: 0 transaction messages");
}

ZTEST(ocpp_shell_offline, test_authorize_offline)
{
	/* Offline, unknown idTag, no AllowOfflineTxForUnknownId: no decision. */
	assert_run("ocpp authorize SHELL-OFFLINE", -EAGAIN, "not registered");
}

ZTEST_SUITE(ocpp_shell_offline, NULL, setup, NULL, NULL, NULL);

static void *setup_online(void)
{
	setup();
	printk("SHELL: waiting for the Central System\n");
	for (int waited = 0; !ocpp_is_online(); waited += 100) {
		zassert_true(waited < ONLINE_TIMEOUT_MS, "not registered within %d ms",
			     ONLINE_TIMEOUT_MS);
		k_msleep(100);
	}
	return NULL;
}

ZTEST(ocpp_shell_online, test_1_status_online)
{
	assert_run("ocpp status", 0, "connection: online");
	assert_run("ocpp status", 0, "registration: Accepted");
	/* The Central System's BootNotification answer set the heartbeat interval. */
	assert_run("ocpp config get HeartbeatInterval", 0, "HeartbeatInterval = ");
}

ZTEST(ocpp_shell_online, test_2_rejected_idtag)
{
	/* The dev Central System blocks idTags starting with BLOCKED. */
	assert_run("ocpp authorize BLOCKED-SHELL", -EACCES, "idTag BLOCKED-SHELL: Blocked");
	assert_run("ocpp start 1 1000", -EACCES, "refused");
	assert_run("ocpp status", 0, "transactions: 0 running");
}

ZTEST(ocpp_shell_online, test_3_transaction)
{
	struct ocpp_connector_state state;
	const char *out;

	assert_run("ocpp connector 1 status Preparing", 0, "connector 1: Preparing");
	assert_run("ocpp authorize SHELL-TAG-1", 0, "idTag SHELL-TAG-1: Accepted");
	assert_run("ocpp start 1 1000", 0, "started");
	zassert_equal(ocpp_get_connector_state(1, &state), 0, "connector state");
	zassert_true(state.transaction, "no transaction on connector 1");
	zassert_true(state.transaction_id >= 0, "transaction not confirmed");
	zassert_equal(strcmp(state.idtag, "SHELL-TAG-1"), 0, "idTag %s", state.idtag);
	assert_run("ocpp status", 0, "transactions: 1 running");
	assert_run("ocpp status", 0, "connector 1: Charging, transaction");
	assert_run("ocpp status", 0, "idTag SHELL-TAG-1");
	/* A second start on the busy connector is refused by the library. */
	assert_run("ocpp authorize SHELL-TAG-2", 0, "Accepted");
	assert_run("ocpp start 1 1000", -EBUSY, "busy");
	assert_run("ocpp stop 1 1500", 0, "connector 1: transaction stopped");
	(void)run("ocpp status", &out);
	zassert_not_null(strstr(out, "transactions: 0 running"), "%s", out);
	zassert_not_null(strstr(out, "connector 1: Finishing"), "%s", out);
	assert_run("ocpp connector 1 status Available", 0, "connector 1: Available");
	/* The authorized SHELL-TAG-2 starts on connector 2. */
	assert_run("ocpp start 2 2000", 0, "connector 2: transaction");
	assert_run("ocpp stop 2 2100", 0, "connector 2: transaction stopped");
	assert_run("ocpp connector 2 status Available", 0, "connector 2: Available");
	printk("SHELL: transaction %d\n", state.transaction_id);
	/* Everything was delivered. */
	for (int waited = 0; waited < 5000; waited += 100) {
		struct ocpp_status st;

		zassert_equal(ocpp_get_status(&st), 0, "status");
		if (st.queued_transaction_messages == 0) {
			break;
		}
		k_msleep(100);
	}
	assert_run("ocpp status", 0, "queue: 0 transaction messages");
}

ZTEST(ocpp_shell_online, test_4_sntp_sets_the_clock)
{
	/* Until now the SNTP server ignored every query: the Central System's currentTime set the
	 * clock. pytest lets it answer now; a resync (every second) sets the clock from it.
	 */
	printk("SHELL: waiting for SNTP\n");
	k_sleep(K_SECONDS(3));
	/* A StatusNotification stamped with the SNTP time. */
	assert_run("ocpp connector 2 status Unavailable", 0, "connector 2: Unavailable");
	/* Sent before it is replaced (only the latest status of a connector goes out). */
	k_sleep(K_MSEC(1000));
	assert_run("ocpp connector 2 status Available", 0, "connector 2: Available");
	k_sleep(K_MSEC(500));
}

ZTEST_SUITE(ocpp_shell_online, NULL, setup_online, NULL, NULL, NULL);

/* The suites in order, then a verdict line while the process stays up: twister's harness stops
 * reading a native_sim process's output as soon as it exits, so the last lines could be lost.
 */
void test_main(void)
{
	int offline = ztest_run_test_suite(ocpp_shell_offline, false, 1, 1, NULL);
	int online = ztest_run_test_suite(ocpp_shell_online, false, 1, 1, NULL);

	ztest_verify_all_test_suites_ran();
	printk("SHELL: done, offline failures %d, online failures %d\n", offline, online);
	k_sleep(K_SECONDS(2));
}

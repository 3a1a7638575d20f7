/*
 * Error paths of every function of <zephyr/net/ocpp.h>, without a Central System: the library
 * is initialized against a port nobody listens on, so it stays offline and never registers.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <zephyr/net/ocpp.h>

#include "check.h"

/* CONFIG_OCPP_MAX_SESSIONS as built: run.sh passes Kconfig's default (build.rs uses it too). */
#ifndef MAX_SESSIONS
#error "build with -DMAX_SESSIONS=<CONFIG_OCPP_MAX_SESSIONS>"
#endif

static char model[] = "basic";
static char vendor[] = "zephyr";
static char cs_ip[] = "127.0.0.1";
static char ws_url[] = "/ocpp/zephyr-errors";

static int callbacks;

static int user_cb(enum ocpp_notify_reason reason, union ocpp_io_value *io, void *user_data)
{
	(void)reason;
	(void)io;
	(void)user_data;
	__atomic_fetch_add(&callbacks, 1, __ATOMIC_SEQ_CST);
	return -1;
}

static struct ocpp_cp_info cp_info(void)
{
	struct ocpp_cp_info cpi = {model, vendor, .num_of_con = 2};

	return cpi;
}

static struct ocpp_cs_info cs_info(void)
{
	/* Port 1: connection refused, the library keeps retrying in the background. */
	struct ocpp_cs_info csi = {cs_ip, ws_url, 1, AF_INET};

	return csi;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void before_init_everything_fails_cleanly(void)
{
	ocpp_session_handle_t h = NULL;
	enum ocpp_auth_status status = OCPP_AUTH_ACCEPTED;
	struct ocpp_transaction_info tx;
	struct ocpp_event ev;
	char value[32];
	char tag[] = "TAG";

	CHECK_EQ(ocpp_session_open(&h), -EINVAL);
	CHECK(h == NULL, "handle untouched");
	CHECK_EQ(ocpp_session_open(NULL), -EINVAL);
	ocpp_session_close(NULL);
	ocpp_session_close((ocpp_session_handle_t)0x1234);
	CHECK_EQ(ocpp_authorize((ocpp_session_handle_t)0x101, tag, &status, 10), -EINVAL);
	CHECK_EQ(status, OCPP_AUTH_INVALID);
	CHECK_EQ(ocpp_start_transaction((ocpp_session_handle_t)0x101, 0, 1, 10), -EINVAL);
	CHECK_EQ(ocpp_stop_transaction((ocpp_session_handle_t)0x101, 0, 10), -EINVAL);
	CHECK_EQ(ocpp_stop_connector_transaction(1, 0, 10), -EINVAL);
	CHECK_EQ(ocpp_get_transaction((ocpp_session_handle_t)0x101, &tx), -EINVAL);
	CHECK_EQ(ocpp_set_connector_status(1, OCPP_CONNECTOR_PREPARING, OCPP_CONNECTOR_NO_ERROR),
		 -EINVAL);
	CHECK_EQ(ocpp_get_configuration("HeartbeatInterval", value, sizeof(value), NULL), -EINVAL);
	CHECK_EQ(ocpp_change_configuration("HeartbeatInterval", "60", NULL), -EINVAL);
	CHECK_EQ(ocpp_poll_event(&ev, 0), -EINVAL);
	{
		struct ocpp_reservation_info res;
		struct ocpp_charging_limit limit;
		int32_t version;

		CHECK_EQ(ocpp_get_charging_limit(1, &limit), -EINVAL);
		CHECK_EQ(ocpp_poll_charging_limit(&limit, 0), -EINVAL);
		CHECK_EQ(ocpp_get_reservation(1, &res), -EINVAL);
		CHECK_EQ(ocpp_get_local_list_version(&version), -EINVAL);
		CHECK_EQ(ocpp_local_list_lookup(tag, &status), -EINVAL);
	}
	{
		struct ocpp_status st;
		struct ocpp_connector_state cs;
		char key[51];

		CHECK_EQ(ocpp_get_status(&st), -EINVAL);
		CHECK_EQ(ocpp_get_connector_state(1, &cs), -EINVAL);
		/* The set of keys is fixed at build time: listed before ocpp_init too. */
		CHECK_EQ(ocpp_configuration_key(0, key, sizeof(key)), 0);
		CHECK_EQ(ocpp_configuration_key(100000, key, sizeof(key)), -ENOENT);
	}
	CHECK(!ocpp_is_online(), "not online");
	CHECK_EQ(ocpp_deinit(), -EINVAL);
}

static void init_rejects_bad_arguments(void)
{
	struct ocpp_cp_info cpi;
	struct ocpp_cs_info csi = cs_info();
	char long20[] = "ABCDEFGHIJKLMNOPQRSTU"; /* 21 > 20 (CiString20) */
	char long25[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"; /* 26 > 25 (CiString25) */
	char empty[] = "";
	char no_id[] = "/";
	ocpp_session_handle_t h;

	cpi = cp_info();
	CHECK_EQ(ocpp_init(NULL, &csi, user_cb, NULL), -EINVAL);
	CHECK_EQ(ocpp_init(&cpi, NULL, user_cb, NULL), -EINVAL);
	CHECK_EQ(ocpp_init(&cpi, &csi, NULL, NULL), -EINVAL);
	cpi.model = NULL;
	CHECK_EQ(ocpp_init(&cpi, &csi, user_cb, NULL), -EINVAL);
	cpi = cp_info();
	cpi.vendor = NULL;
	CHECK_EQ(ocpp_init(&cpi, &csi, user_cb, NULL), -EINVAL);
	cpi = cp_info();
	cpi.num_of_con = 0;
	CHECK_EQ(ocpp_init(&cpi, &csi, user_cb, NULL), -EINVAL);
	cpi.num_of_con = -1;
	CHECK_EQ(ocpp_init(&cpi, &csi, user_cb, NULL), -EINVAL);
	cpi.num_of_con = 1000;
	CHECK_EQ(ocpp_init(&cpi, &csi, user_cb, NULL), -ENOMEM);
	cpi = cp_info();
	cpi.model = long20;
	CHECK_EQ(ocpp_init(&cpi, &csi, user_cb, NULL), -EINVAL);
	cpi = cp_info();
	cpi.vendor = empty;
	CHECK_EQ(ocpp_init(&cpi, &csi, user_cb, NULL), -EINVAL);
	cpi = cp_info();
	cpi.sl_no = long25;
	CHECK_EQ(ocpp_init(&cpi, &csi, user_cb, NULL), -EINVAL);
	cpi = cp_info();
	csi.cs_ip = NULL;
	CHECK_EQ(ocpp_init(&cpi, &csi, user_cb, NULL), -EINVAL);
	csi = cs_info();
	csi.ws_url = NULL;
	CHECK_EQ(ocpp_init(&cpi, &csi, user_cb, NULL), -EINVAL);
	csi.ws_url = no_id;
	CHECK_EQ(ocpp_init(&cpi, &csi, user_cb, NULL), -EINVAL);
	csi = cs_info();
	csi.port = 0;
	CHECK_EQ(ocpp_init(&cpi, &csi, user_cb, NULL), -EINVAL);
	csi.port = 70000;
	CHECK_EQ(ocpp_init(&cpi, &csi, user_cb, NULL), -EINVAL);
	/* None of these initialized anything. */
	CHECK_EQ(ocpp_session_open(&h), -EINVAL);
}

static void init_returns_at_once_and_only_once(void)
{
	struct ocpp_cp_info cpi = cp_info();
	struct ocpp_cs_info csi = cs_info();
	char fw[] = "1.2.3";
	double t0;

	cpi.fw_ver = fw;
	t0 = now_ms();
	CHECK_EQ(ocpp_init(&cpi, &csi, user_cb, NULL), 0);
	CHECK(now_ms() - t0 < 1000, "ocpp_init took %.0f ms", now_ms() - t0);
	CHECK_EQ(ocpp_init(&cpi, &csi, user_cb, NULL), -EALREADY);
	CHECK(!ocpp_is_online(), "nobody listens on port 1");
}

static void sessions_are_bounded_and_checked(void)
{
	ocpp_session_handle_t h[MAX_SESSIONS + 1];
	ocpp_session_handle_t extra = NULL;
	enum ocpp_auth_status status;
	char tag[] = "TAG";
	int i;

	for (i = 0; i < MAX_SESSIONS; i++) {
		h[i] = NULL;
		CHECK_EQ(ocpp_session_open(&h[i]), 0);
		CHECK(h[i] != NULL, "session %d has a handle", i);
	}
	CHECK_EQ(ocpp_session_open(&extra), -ENOMEM);
	CHECK(extra == NULL, "handle untouched");

	ocpp_session_close(h[3]);
	ocpp_session_close(h[3]); /* twice: harmless */
	CHECK_EQ(ocpp_authorize(h[3], tag, &status, 10), -EINVAL); /* stale */
	CHECK_EQ(ocpp_session_open(&extra), 0);
	CHECK(extra != h[3], "a reused slot gets a new handle");
	CHECK_EQ(ocpp_authorize(h[3], tag, &status, 10), -EINVAL); /* still stale */

	ocpp_session_close((ocpp_session_handle_t)0xdeadbeef);
	ocpp_session_close(NULL);
	CHECK_EQ(ocpp_authorize(NULL, tag, &status, 10), -EINVAL);
	CHECK_EQ(ocpp_authorize((ocpp_session_handle_t)0xdeadbeef, tag, &status, 10), -EINVAL);
	CHECK_EQ(ocpp_start_transaction((ocpp_session_handle_t)0xdeadbeef, 0, 1, 10), -EINVAL);
	CHECK_EQ(ocpp_stop_transaction((ocpp_session_handle_t)0xdeadbeef, 0, 10), -EINVAL);

	for (i = 0; i < MAX_SESSIONS; i++) {
		ocpp_session_close(h[i]);
	}
	ocpp_session_close(extra);
}

static void authorize_errors(void)
{
	ocpp_session_handle_t h;
	enum ocpp_auth_status status = OCPP_AUTH_ACCEPTED;
	char tag[] = "TAG";
	char long_tag[] = "ABCDEFGHIJKLMNOPQRSTU"; /* 21 */
	char empty[] = "";

	CHECK_EQ(ocpp_session_open(&h), 0);
	CHECK_EQ(ocpp_authorize(h, NULL, &status, 10), -EINVAL);
	CHECK_EQ(status, OCPP_AUTH_INVALID);
	CHECK_EQ(ocpp_authorize(h, tag, NULL, 10), -EINVAL);
	status = OCPP_AUTH_ACCEPTED;
	CHECK_EQ(ocpp_authorize(h, long_tag, &status, 10), -EINVAL);
	CHECK_EQ(status, OCPP_AUTH_INVALID);
	CHECK_EQ(ocpp_authorize(h, empty, &status, 10), -EINVAL);
	/* No BootNotification accepted yet. */
	status = OCPP_AUTH_ACCEPTED;
	CHECK_EQ(ocpp_authorize(h, tag, &status, 100), -EAGAIN);
	CHECK_EQ(status, OCPP_AUTH_INVALID);
	ocpp_session_close(h);
}

static void start_and_stop_errors(void)
{
	ocpp_session_handle_t h;
	struct ocpp_transaction_info tx = {-2, -2, OCPP_TX_ENDED};

	CHECK_EQ(ocpp_session_open(&h), 0);
	CHECK_EQ(ocpp_start_transaction(h, 100, 0, 10), -EINVAL);
	CHECK_EQ(ocpp_start_transaction(h, 100, 3, 10), -EINVAL); /* num_of_con is 2 */
	CHECK_EQ(ocpp_start_transaction(h, 100, 255, 10), -EINVAL);
	/* No ocpp_authorize on this session: no idTag to start with. */
	CHECK_EQ(ocpp_start_transaction(h, 100, 1, 10), -EINVAL);
	CHECK_EQ(ocpp_stop_transaction(h, 100, 10), -EINVAL);
	CHECK_EQ(ocpp_stop_connector_transaction(0, 100, 10), -EINVAL);
	CHECK_EQ(ocpp_stop_connector_transaction(1, 100, 10), -EINVAL);
	CHECK_EQ(ocpp_stop_connector_transaction(3, 100, 10), -EINVAL);
	CHECK_EQ(ocpp_get_transaction(h, NULL), -EINVAL);
	CHECK_EQ(ocpp_get_transaction(h, &tx), 0);
	CHECK_EQ(tx.state, OCPP_TX_NONE);
	CHECK_EQ(tx.id_con, 0);
	CHECK_EQ(tx.transaction_id, -1);
	ocpp_session_close(h);
}

static void configuration(void)
{
	char value[64];
	char tiny[3];
	bool flag = true;
	struct ocpp_event ev;
	int found = 0;

	CHECK_EQ(ocpp_get_configuration("HeartbeatInterval", value, sizeof(value), &flag), 0);
	CHECK_STR(value, "86400");
	CHECK(!flag, "HeartbeatInterval is writable");
	CHECK_EQ(ocpp_get_configuration("numberofconnectors", value, sizeof(value), &flag), 0);
	CHECK_STR(value, "2");
	CHECK(flag, "NumberOfConnectors is read-only");
	CHECK_EQ(ocpp_get_configuration("NoSuchKey", value, sizeof(value), NULL), -ENOENT);
	memcpy(tiny, "xy", 3);
	CHECK_EQ(ocpp_get_configuration("HeartbeatInterval", tiny, sizeof(tiny), NULL), -ENOSPC);
	CHECK_STR(tiny, "xy");
	CHECK_EQ(ocpp_get_configuration(NULL, value, sizeof(value), NULL), -EINVAL);
	CHECK_EQ(ocpp_get_configuration("HeartbeatInterval", NULL, 10, NULL), -EINVAL);

	flag = true;
	CHECK_EQ(ocpp_change_configuration("MeterValueSampleInterval", "5", &flag), 0);
	CHECK(!flag, "takes effect at once");
	CHECK_EQ(ocpp_get_configuration("MeterValueSampleInterval", value, sizeof(value), NULL), 0);
	CHECK_STR(value, "5");
	CHECK_EQ(ocpp_change_configuration("MeterValueSampleInterval", "soon", NULL), -EINVAL);
	CHECK_EQ(ocpp_change_configuration("MeterValuesSampledData", "Voltage,Bogus", NULL), -EINVAL);
	CHECK_EQ(ocpp_change_configuration("NumberOfConnectors", "3", NULL), -EACCES);
	CHECK_EQ(ocpp_change_configuration("NoSuchKey", "1", NULL), -ENOENT);
	CHECK_EQ(ocpp_change_configuration(NULL, "1", NULL), -EINVAL);
	CHECK_EQ(ocpp_change_configuration("HeartbeatInterval", NULL, NULL), -EINVAL);
	flag = false;
	CHECK_EQ(ocpp_change_configuration("WebSocketPingInterval", "30", &flag), 0);
	CHECK(flag, "WebSocketPingInterval needs a reboot");

	CHECK_EQ(ocpp_poll_event(NULL, 0), -EINVAL);
	while (ocpp_poll_event(&ev, 100) == 0) {
		if (ev.type == OCPP_EVENT_CONFIGURATION &&
		    strcmp(ev.name, "MeterValueSampleInterval") == 0) {
			found = 1;
		}
	}
	CHECK(found, "OCPP_EVENT_CONFIGURATION for MeterValueSampleInterval");
	CHECK_EQ(ocpp_poll_event(&ev, 50), -EAGAIN);
}

static void connector_status_arguments(void)
{
	CHECK_EQ(ocpp_set_connector_status(1, OCPP_CONNECTOR_PREPARING, OCPP_CONNECTOR_NO_ERROR), 0);
	CHECK_EQ(ocpp_set_connector_status(0, OCPP_CONNECTOR_FAULTED, OCPP_CONNECTOR_WEAK_SIGNAL), 0);
	CHECK_EQ(ocpp_set_connector_status(3, OCPP_CONNECTOR_AVAILABLE, OCPP_CONNECTOR_NO_ERROR),
		 -EINVAL);
	CHECK_EQ(ocpp_set_connector_status(1, (enum ocpp_connector_status)99,
					   OCPP_CONNECTOR_NO_ERROR),
		 -EINVAL);
	CHECK_EQ(ocpp_set_connector_status(1, (enum ocpp_connector_status)-1,
					   OCPP_CONNECTOR_NO_ERROR),
		 -EINVAL);
	CHECK_EQ(ocpp_set_connector_status(1, OCPP_CONNECTOR_AVAILABLE,
					   (enum ocpp_connector_error)16),
		 -EINVAL);
	CHECK_EQ(ocpp_set_connector_status(1, OCPP_CONNECTOR_AVAILABLE, OCPP_CONNECTOR_NO_ERROR), 0);
	CHECK_EQ(ocpp_set_connector_status(0, OCPP_CONNECTOR_AVAILABLE, OCPP_CONNECTOR_NO_ERROR), 0);

	/* The snapshot functions: offline, nothing running, the statuses just set. */
	struct ocpp_status st;
	struct ocpp_connector_state cs;

	CHECK_EQ(ocpp_set_connector_status(2, OCPP_CONNECTOR_UNAVAILABLE, OCPP_CONNECTOR_NO_ERROR), 0);
	CHECK_EQ(ocpp_get_status(&st), 0);
	CHECK(!st.connected && !st.online, "offline");
	CHECK_EQ(st.registration, -1);
	CHECK_EQ(st.num_connectors, 2);
	CHECK_EQ(st.transactions, 0);
	CHECK_EQ(ocpp_get_connector_state(2, &cs), 0);
	CHECK_EQ(cs.status, OCPP_CONNECTOR_UNAVAILABLE);
	CHECK(!cs.transaction && cs.transaction_id == -1 && cs.idtag[0] == 0, "no transaction");
	CHECK_EQ(ocpp_get_connector_state(3, &cs), -EINVAL);
	CHECK_EQ(ocpp_get_connector_state(1, NULL), -EINVAL);
	CHECK_EQ(ocpp_get_status(NULL), -EINVAL);
	CHECK_EQ(ocpp_set_connector_status(2, OCPP_CONNECTOR_AVAILABLE, OCPP_CONNECTOR_NO_ERROR), 0);
}

/* The optional profiles' functions (all three are built into the host library). */
static void profile_functions_check_their_arguments(void)
{
	struct ocpp_reservation_info res;
	enum ocpp_auth_status status = OCPP_AUTH_INVALID;
	int32_t version = 99;
	char tag[] = "TAG";
	char long_tag[] = "123456789012345678901";
	char empty[] = "";

	CHECK_EQ(ocpp_get_reservation(1, &res), -ENOENT);
	CHECK_EQ(ocpp_get_reservation(0, &res), -ENOENT);
	CHECK_EQ(ocpp_get_reservation(3, &res), -EINVAL);
	CHECK_EQ(ocpp_get_reservation(1, NULL), -EINVAL);
	CHECK_EQ(ocpp_get_local_list_version(NULL), -EINVAL);
	CHECK_EQ(ocpp_get_local_list_version(&version), 0);
	CHECK_EQ(version, 0);
	CHECK_EQ(ocpp_local_list_lookup(tag, &status), -ENOENT);
	CHECK_EQ(ocpp_local_list_lookup(NULL, &status), -EINVAL);
	CHECK_EQ(ocpp_local_list_lookup(empty, &status), -EINVAL);
	CHECK_EQ(ocpp_local_list_lookup(long_tag, &status), -EINVAL);
	CHECK_EQ(ocpp_local_list_lookup(tag, NULL), -EINVAL);
	CHECK_EQ(status, OCPP_AUTH_INVALID);
	{
		struct ocpp_charging_limit limit = {.id_con = 9, .unit = OCPP_CHARGING_AMPS};

		CHECK_EQ(ocpp_get_charging_limit(1, &limit), 0);
		CHECK_EQ(limit.id_con, 1);
		CHECK_EQ(limit.unit, OCPP_CHARGING_UNLIMITED);
		CHECK_EQ(ocpp_get_charging_limit(3, &limit), -EINVAL);
		CHECK_EQ(ocpp_get_charging_limit(0, NULL), -EINVAL);
		CHECK_EQ(ocpp_poll_charging_limit(NULL, 0), -EINVAL);
		CHECK_EQ(ocpp_poll_charging_limit(&limit, 0), -EAGAIN);
	}
	{
		static const char ca[] = "-----BEGIN CERTIFICATE-----";

		CHECK_EQ(ocpp_set_tls_credential(3, ca, sizeof(ca)), -EINVAL);
		CHECK_EQ(ocpp_set_tls_credential(-1, ca, sizeof(ca)), -EINVAL);
		CHECK_EQ(ocpp_set_tls_credential(OCPP_TLS_CA_CERTIFICATE, NULL, 1), -EINVAL);
		CHECK_EQ(ocpp_set_tls_credential(OCPP_TLS_CA_CERTIFICATE, ca, 0), -EINVAL);
		CHECK_EQ(ocpp_security_event("NotAnEvent", NULL), -EINVAL);
		CHECK_EQ(ocpp_security_event(NULL, NULL), -EINVAL);
		/* The host's C API connects over ws:// only. */
		CHECK_EQ(ocpp_set_tls_credential(OCPP_TLS_CA_CERTIFICATE, ca, sizeof(ca)), -ENOTSUP);
	}
}

static void deinit_allows_a_new_init(void)
{
	struct ocpp_cp_info cpi = cp_info();
	struct ocpp_cs_info csi = cs_info();
	ocpp_session_handle_t h, h2;
	double t0;

	CHECK_EQ(ocpp_session_open(&h), 0);
	t0 = now_ms();
	CHECK_EQ(ocpp_deinit(), 0);
	CHECK(now_ms() - t0 < 3000, "ocpp_deinit took %.0f ms", now_ms() - t0);
	CHECK_EQ(ocpp_deinit(), -EINVAL);
	CHECK_EQ(ocpp_session_open(&h2), -EINVAL);
	ocpp_session_close(h); /* after deinit: harmless */

	cpi.num_of_con = 1;
	CHECK_EQ(ocpp_init(&cpi, &csi, user_cb, NULL), 0);
	CHECK_EQ(ocpp_session_open(&h2), 0);
	CHECK(h2 != h, "a new handle, not the one from before ocpp_deinit");
	CHECK_EQ(ocpp_start_transaction(h, 0, 1, 10), -EINVAL); /* stale, though its slot is open */
	CHECK_EQ(ocpp_start_transaction(h2, 0, 2, 10), -EINVAL); /* now one connector */
	CHECK_EQ(ocpp_deinit(), 0);
	CHECK_EQ(callbacks, 0);
}

static void *wait_forever(void *result)
{
	struct ocpp_event ev;
	int ret;

	while ((ret = ocpp_poll_event(&ev, UINT32_MAX)) == 0) {
	}
	*(int *)result = ret;
	return NULL;
}

/* Regression: ocpp_deinit used to wait forever for a thread blocked in ocpp_poll_event. */
static void deinit_wakes_a_thread_waiting_for_events(void)
{
	struct ocpp_cp_info cpi = cp_info();
	struct ocpp_cs_info csi = cs_info();
	pthread_t waiter;
	int result = 1;
	double t0;

	CHECK_EQ(ocpp_init(&cpi, &csi, user_cb, NULL), 0);
	CHECK_EQ(pthread_create(&waiter, NULL, wait_forever, &result), 0);
	sleep_ms(200); /* the waiter is blocked by now */
	t0 = now_ms();
	CHECK_EQ(ocpp_deinit(), 0);
	CHECK(now_ms() - t0 < 3000, "ocpp_deinit took %.0f ms", now_ms() - t0);
	CHECK_EQ(pthread_join(waiter, NULL), 0);
	CHECK_EQ(result, -EINVAL);
}

/* Regression: handles are never reused, even after many open/close cycles. */
static void handles_stay_unique_over_many_sessions(void)
{
	struct ocpp_cp_info cpi = cp_info();
	struct ocpp_cs_info csi = cs_info();
	ocpp_session_handle_t first, h;
	struct ocpp_transaction_info tx;

	CHECK_EQ(ocpp_init(&cpi, &csi, user_cb, NULL), 0);
	CHECK_EQ(ocpp_session_open(&first), 0);
	ocpp_session_close(first);
	for (int i = 0; i < 70000; i++) { /* beyond a 16-bit generation */
		CHECK_EQ(ocpp_session_open(&h), 0);
		CHECK(h != first, "handle of session %d repeats the first one", i);
		ocpp_session_close(h);
	}
	CHECK_EQ(ocpp_get_transaction(first, &tx), -EINVAL);
	CHECK_EQ(ocpp_deinit(), 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	RUN(before_init_everything_fails_cleanly);
	RUN(init_rejects_bad_arguments);
	RUN(init_returns_at_once_and_only_once);
	RUN(sessions_are_bounded_and_checked);
	RUN(authorize_errors);
	RUN(start_and_stop_errors);
	RUN(configuration);
	RUN(connector_status_arguments);
	RUN(profile_functions_check_their_arguments);
	RUN(deinit_allows_a_new_init);
	RUN(deinit_wakes_a_thread_waiting_for_events);
	RUN(handles_stay_unique_over_many_sessions);
	return finish();
}

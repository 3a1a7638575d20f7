/*
 * Zephyr's samples/net/ocpp flow, on the host, against the development Central System:
 * two connector threads authorize, start, report meter values through the callback and stop;
 * the Central System starts, stops and unlocks remotely; then the library's additions
 * (offline queue, rejected idTag, orphaned transaction, events, configuration).
 *
 * Run by tests/c/driver.py: argv is <cs_ip> <ws_port> <ws_path>; "@CS ..." lines on stdout are
 * commands for the Central System, answered on stdin (see driver.py).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <zephyr/net/ocpp.h>

#include "check.h"

#define NO_OF_CONN 2
#define TIMEOUT_MS 500

static char *cs_ip;
static char *ws_path;
static int cs_port;

/* ------------------------------------------------------------------ the Central System */

static char reply[1 << 20];

/* Sends "@CS <command>" to the driver and returns its one-line answer. */
static const char *cs(const char *fmt, ...)
{
	va_list ap;
	size_t len;

	fputs("@CS ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	if (fgets(reply, sizeof(reply), stdin) == NULL) {
		fprintf(stderr, "driver went away\n");
		exit(2);
	}
	len = strlen(reply);
	if (len > 0 && reply[len - 1] == '\n') {
		reply[len - 1] = '\0';
	}
	return reply;
}

/* How many CALLs of `action` the Central System got so far. */
static int cs_count(const char *action)
{
	const char *r = cs("wait %s 0 0", action);

	return strncmp(r, "OK ", 3) == 0 ? atoi(r + 3) : -1;
}

/* Waits until the Central System got `count` CALLs of `action`. */
static bool cs_wait(const char *action, int count, int secs)
{
	return strncmp(cs("wait %s %d %d", action, count, secs), "OK", 2) == 0;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static bool wait_online(bool online, int secs)
{
	for (int i = 0; i < secs * 20; i++) {
		if (ocpp_is_online() == online) {
			return true;
		}
		sleep_ms(50);
	}
	return false;
}

/* ------------------------------------------------------------ the application, as in Zephyr */

struct connector {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t tid;
	bool busy;      /* a charging thread runs */
	bool started;   /* its start returned */
	bool stop;      /* asked to stop (locally or by the Central System) */
	bool done;
	char idtag[25];
	enum ocpp_auth_status status;
	int auth_ret, start_ret, stop_ret;
	struct ocpp_transaction_info at_start, at_stop;
	int meter_calls;
};

static struct connector conns[NO_OF_CONN + 1];

static struct {
	pthread_mutex_t lock;
	int remote_starts, remote_stops, unlocks;
	char remote_idtag[CISTR50];
	int remote_con, stop_con, unlock_con;
	int reentrant_open, reentrant_online;
	int other_measurands;
} cb_log = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void signal_stop(int idcon)
{
	struct connector *c = &conns[idcon];

	pthread_mutex_lock(&c->lock);
	c->stop = true;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static void *cp_entry(void *arg)
{
	int idcon = (int)(intptr_t)arg;
	struct connector *c = &conns[idcon];
	ocpp_session_handle_t sh = NULL;
	int ret;

	ret = ocpp_session_open(&sh);
	CHECK_EQ(ret, 0);
	/* As the sample: retry until the BootNotification is accepted. */
	for (int i = 0; i < 50; i++) {
		ret = ocpp_authorize(sh, c->idtag, &c->status, TIMEOUT_MS);
		if (ret == 0) {
			break;
		}
		sleep_ms(200);
	}
	c->auth_ret = ret;
	if (ret == 0 && c->status == OCPP_AUTH_ACCEPTED) {
		c->start_ret = ocpp_start_transaction(sh, 1000 * idcon, (uint8_t)idcon, TIMEOUT_MS);
		ocpp_get_transaction(sh, &c->at_start);
	}
	pthread_mutex_lock(&c->lock);
	c->started = true;
	pthread_cond_broadcast(&c->cond);
	while (!c->stop) {
		pthread_cond_wait(&c->cond, &c->lock);
	}
	pthread_mutex_unlock(&c->lock);

	ocpp_get_transaction(sh, &c->at_stop);
	c->stop_ret = ocpp_stop_transaction(sh, 2000 * idcon, TIMEOUT_MS);
	ocpp_session_close(sh);

	pthread_mutex_lock(&c->lock);
	c->done = true;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

/* Starts a charging thread for `idcon` unless one runs (as the sample's callback does). */
static bool spawn(int idcon, const char *idtag)
{
	struct connector *c = &conns[idcon];
	bool ok = false;

	pthread_mutex_lock(&c->lock);
	if (!c->busy) {
		c->busy = true;
		c->started = c->stop = c->done = false;
		c->auth_ret = c->start_ret = c->stop_ret = 1;
		snprintf(c->idtag, sizeof(c->idtag), "%s", idtag);
		ok = pthread_create(&c->tid, NULL, cp_entry, (void *)(intptr_t)idcon) == 0;
	}
	pthread_mutex_unlock(&c->lock);
	return ok;
}

static bool wait_started(int idcon, int secs)
{
	struct connector *c = &conns[idcon];
	struct timespec deadline;
	bool started;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += secs;
	pthread_mutex_lock(&c->lock);
	while (!c->started && pthread_cond_timedwait(&c->cond, &c->lock, &deadline) == 0) {
	}
	started = c->started;
	pthread_mutex_unlock(&c->lock);
	return started;
}

static void join(int idcon)
{
	pthread_join(conns[idcon].tid, NULL);
	conns[idcon].busy = false;
}

static int user_notify_cb(enum ocpp_notify_reason reason, union ocpp_io_value *io, void *user_data)
{
	static int wh = 6 + NO_OF_CONN;
	ocpp_session_handle_t h = NULL;

	CHECK(user_data == &conns, "user_data is passed back");
	switch (reason) {
	case OCPP_USR_GET_METER_VALUE:
		if (io->meter_val.mes == OCPP_OMM_ACTIVE_ENERGY_TO_EV && io->meter_val.id_con >= 1 &&
		    io->meter_val.id_con <= NO_OF_CONN) {
			snprintf(io->meter_val.val, CISTR50, "%u", wh + io->meter_val.id_con);
			wh++;
			__atomic_fetch_add(&conns[io->meter_val.id_con].meter_calls, 1,
					   __ATOMIC_SEQ_CST);
			return 0;
		}
		__atomic_fetch_add(&cb_log.other_measurands, 1, __ATOMIC_SEQ_CST);
		break;

	case OCPP_USR_START_CHARGING:
		pthread_mutex_lock(&cb_log.lock);
		cb_log.remote_starts++;
		cb_log.remote_con = io->start_charge.id_con;
		memcpy(cb_log.remote_idtag, io->start_charge.idtag, CISTR50);
		pthread_mutex_unlock(&cb_log.lock);
		if (io->start_charge.id_con >= 1 && io->start_charge.id_con <= NO_OF_CONN &&
		    spawn(io->start_charge.id_con, io->start_charge.idtag)) {
			return 0;
		}
		return -EBUSY;

	case OCPP_USR_STOP_CHARGING:
		pthread_mutex_lock(&cb_log.lock);
		cb_log.remote_stops++;
		cb_log.stop_con = io->stop_charge.id_con;
		pthread_mutex_unlock(&cb_log.lock);
		if (io->stop_charge.id_con >= 1 && io->stop_charge.id_con <= NO_OF_CONN) {
			signal_stop(io->stop_charge.id_con);
			return 0;
		}
		return -EINVAL;

	case OCPP_USR_UNLOCK_CONNECTOR:
		pthread_mutex_lock(&cb_log.lock);
		cb_log.unlocks++;
		cb_log.unlock_con = io->unlock_con.id_con;
		/* The library is locked while the callback runs: calls fail instead of deadlocking. */
		cb_log.reentrant_open = ocpp_session_open(&h);
		cb_log.reentrant_online = ocpp_is_online();
		pthread_mutex_unlock(&cb_log.lock);
		return 0;
	}
	return -ENOTSUP;
}

/* The application's reset handler: records the reset; returns 1 so the library goes on with
 * its default (on the host: reconnect and a new BootNotification). */
static struct {
	int calls;
	enum ocpp_reset_type type;
	void *user_data;
} reset_log;

static int reset_handler(enum ocpp_reset_type type, void *user_data)
{
	__atomic_fetch_add(&reset_log.calls, 1, __ATOMIC_SEQ_CST);
	reset_log.type = type;
	reset_log.user_data = user_data;
	return 1;
}

/* ------------------------------------------------------------------------------ tests */

static void boots_with_optional_fields(void)
{
	char model[] = "basic", vendor[] = "zephyr", sl_no[] = "SN-0001", fw[] = "0.1.0";
	char meter_type[] = "AC-meter";
	struct ocpp_cp_info cpi = {model, vendor, .num_of_con = NO_OF_CONN, .sl_no = sl_no,
				   .fw_ver = fw, .meter_type = meter_type};
	struct ocpp_cs_info csi = {cs_ip, ws_path, cs_port, AF_INET};
	const char *boot;

	CHECK_EQ(ocpp_init(&cpi, &csi, user_notify_cb, &conns), 0);
	CHECK(wait_online(true, 15), "online within 15 s");
	boot = cs("messages BootNotification");
	CHECK(strstr(boot, "\"chargePointModel\":\"basic\"") != NULL, "%s", boot);
	CHECK(strstr(boot, "\"chargePointVendor\":\"zephyr\"") != NULL, "%s", boot);
	CHECK(strstr(boot, "\"chargePointSerialNumber\":\"SN-0001\"") != NULL, "%s", boot);
	CHECK(strstr(boot, "\"firmwareVersion\":\"0.1.0\"") != NULL, "%s", boot);
	CHECK(strstr(boot, "\"meterType\":\"AC-meter\"") != NULL, "%s", boot);
	CHECK(strstr(boot, "iccid") == NULL, "absent fields are not sent: %s", boot);
}

static void two_connectors_like_the_sample(void)
{
	char cmd[128];
	const char *r;
	int stops = cs_count("StopTransaction");

	CHECK_EQ(ocpp_change_configuration("MeterValueSampleInterval", "1", NULL), 0);
	CHECK(spawn(1, "ZepId00"), "thread 1");
	CHECK(spawn(2, "ZepId01"), "thread 2");
	for (int i = 1; i <= NO_OF_CONN; i++) {
		CHECK(wait_started(i, 20), "connector %d started", i);
		CHECK_EQ(conns[i].auth_ret, 0);
		CHECK_EQ(conns[i].status, OCPP_AUTH_ACCEPTED);
		CHECK_EQ(conns[i].start_ret, 0);
		CHECK_EQ(conns[i].at_start.id_con, i);
		CHECK_EQ(conns[i].at_start.state, OCPP_TX_CONFIRMED);
		CHECK(conns[i].at_start.transaction_id > 0, "transaction id %d",
		      conns[i].at_start.transaction_id);
	}
	/* Meter values through the callback, every second, on both connectors. */
	CHECK(cs_wait("MeterValues", 4, 15), "4 MeterValues");
	CHECK(conns[1].meter_calls > 0 && conns[2].meter_calls > 0, "meter callbacks %d %d",
	      conns[1].meter_calls, conns[2].meter_calls);

	/* Connector 1 stops locally (the sample's main), connector 2 by the Central System. */
	signal_stop(1);
	snprintf(cmd, sizeof(cmd), "call RemoteStopTransaction {\"transactionId\":%d}",
		 conns[2].at_start.transaction_id);
	r = cs("%s", cmd);
	CHECK(strstr(r, "\"status\":\"Accepted\"") != NULL, "%s", r);
	join(1);
	join(2);
	CHECK_EQ(cb_log.remote_stops, 1);
	CHECK_EQ(cb_log.stop_con, 2);
	CHECK_EQ(conns[1].stop_ret, 0);
	CHECK_EQ(conns[2].stop_ret, 0);
	CHECK(cs_wait("StopTransaction", stops + 2, 10), "2 StopTransaction");
	r = cs("transactions");
	CHECK(strstr(r, "\"reason\":\"Local\"") != NULL, "%s", r);
	CHECK(strstr(r, "\"reason\":\"Remote\"") != NULL, "%s", r);
	CHECK(strstr(r, "\"meter_stop\":2000") != NULL && strstr(r, "\"meter_stop\":4000") != NULL,
	      "%s", r);
}

static void remote_start_and_unlock(void)
{
	const char *r;

	r = cs("call RemoteStartTransaction {\"connectorId\":1,\"idTag\":\"REMOTE01\"}");
	CHECK(strstr(r, "\"status\":\"Accepted\"") != NULL, "%s", r);
	CHECK_EQ(cb_log.remote_starts, 1);
	CHECK_EQ(cb_log.remote_con, 1);
	CHECK_STR(cb_log.remote_idtag, "REMOTE01");
	CHECK(wait_started(1, 20), "remote start ran");
	CHECK_EQ(conns[1].start_ret, 0);
	CHECK_EQ(conns[1].at_start.state, OCPP_TX_CONFIRMED);

	r = cs("call UnlockConnector {\"connectorId\":1}");
	CHECK(strstr(r, "\"status\":\"Unlocked\"") != NULL, "%s", r);
	CHECK_EQ(cb_log.unlocks, 1);
	CHECK_EQ(cb_log.unlock_con, 1);
	CHECK_EQ(cb_log.reentrant_open, -EBUSY);
	CHECK_EQ(cb_log.reentrant_online, 1);

	/* The library stopped the transaction (UnlockCommand); the session's stop returns 0. */
	signal_stop(1);
	join(1);
	CHECK_EQ(conns[1].at_stop.state, OCPP_TX_ENDED);
	CHECK_EQ(conns[1].stop_ret, 0);
	r = cs("transactions");
	CHECK(strstr(r, "\"reason\":\"UnlockCommand\"") != NULL, "%s", r);
}

static void rejected_id_tag_is_eacces(void)
{
	ocpp_session_handle_t sh;
	enum ocpp_auth_status status;
	struct ocpp_transaction_info tx;
	char tag[] = "BLOCKED01";
	int stops = cs_count("StopTransaction");
	const char *r;

	CHECK_EQ(ocpp_session_open(&sh), 0);
	CHECK_EQ(ocpp_authorize(sh, tag, &status, 2000), 0);
	CHECK_EQ(status, OCPP_AUTH_BLOCKED);
	CHECK_EQ(ocpp_start_transaction(sh, 500, 2, 2000), -EACCES);
	CHECK_EQ(ocpp_get_transaction(sh, &tx), 0);
	CHECK_EQ(tx.state, OCPP_TX_ENDED);
	CHECK_EQ(ocpp_stop_transaction(sh, 600, 2000), 0);
	CHECK_EQ(ocpp_stop_transaction(sh, 600, 2000), -EINVAL); /* nothing left */
	ocpp_session_close(sh);
	CHECK(cs_wait("StopTransaction", stops + 1, 10), "the library stopped it");
	r = cs("transactions");
	CHECK(strstr(r, "\"reason\":\"DeAuthorized\"") != NULL, "%s", r);
}

static void offline_start_and_stop_are_queued(void)
{
	ocpp_session_handle_t sh;
	enum ocpp_auth_status status;
	struct ocpp_transaction_info tx;
	char tag[] = "ZepId00"; /* accepted before: in the authorization cache */
	int starts = cs_count("StartTransaction");
	int stops = cs_count("StopTransaction");
	const char *r;

	/* The Central System answers the next BootNotifications with Pending: offline. */
	r = cs("config {\"boot_status\":\"Pending\",\"boot_interval\":1}");
	CHECK_STR(r, "OK");
	r = cs("disconnect");
	CHECK_STR(r, "OK");
	CHECK(wait_online(false, 10), "offline");

	CHECK_EQ(ocpp_session_open(&sh), 0);
	CHECK_EQ(ocpp_authorize(sh, tag, &status, TIMEOUT_MS), 0); /* LocalAuthorizeOffline */
	CHECK_EQ(status, OCPP_AUTH_ACCEPTED);
	CHECK_EQ(ocpp_start_transaction(sh, 7000, 1, TIMEOUT_MS), 0);
	CHECK_EQ(ocpp_get_transaction(sh, &tx), 0);
	CHECK_EQ(tx.state, OCPP_TX_PENDING);
	CHECK_EQ(tx.id_con, 1);
	CHECK_EQ(tx.transaction_id, -1);
	sleep_ms(1500);
	CHECK(!ocpp_is_online(), "still offline (Pending)");
	CHECK_EQ(cs_count("StartTransaction"), starts);
	CHECK_EQ(ocpp_stop_transaction(sh, 7100, TIMEOUT_MS), 0);
	CHECK_EQ(ocpp_get_transaction(sh, &tx), 0);
	CHECK_EQ(tx.state, OCPP_TX_NONE);
	ocpp_session_close(sh);

	/* Accepted again: the queue is delivered, start then stop. */
	r = cs("config {\"boot_status\":\"Accepted\"}");
	CHECK_STR(r, "OK");
	CHECK(wait_online(true, 15), "online again");
	CHECK(cs_wait("StartTransaction", starts + 1, 15), "queued StartTransaction delivered");
	CHECK(cs_wait("StopTransaction", stops + 1, 15), "queued StopTransaction delivered");
	r = cs("transactions");
	CHECK(strstr(r, "\"meter_start\":7000") != NULL && strstr(r, "\"meter_stop\":7100") != NULL,
	      "%s", r);
}

static void closing_a_session_keeps_its_transaction(void)
{
	ocpp_session_handle_t sh;
	enum ocpp_auth_status status;
	char tag[] = "ZepId01";
	int starts = cs_count("StartTransaction");
	int stops = cs_count("StopTransaction");

	CHECK_EQ(ocpp_session_open(&sh), 0);
	CHECK_EQ(ocpp_authorize(sh, tag, &status, 2000), 0);
	CHECK_EQ(ocpp_start_transaction(sh, 8000, 2, 2000), 0);
	ocpp_session_close(sh);
	CHECK(cs_wait("StartTransaction", starts + 1, 10), "StartTransaction");
	sleep_ms(500);
	CHECK_EQ(cs_count("StopTransaction"), stops);
	CHECK_EQ(ocpp_stop_connector_transaction(2, 8100, 2000), 0);
	CHECK(cs_wait("StopTransaction", stops + 1, 10), "StopTransaction");
	CHECK_EQ(ocpp_stop_connector_transaction(2, 8100, 2000), -EINVAL);
}

/* The next event of `type`, skipping others; false after `ms` without one. */
static bool next_event(enum ocpp_event_type type, struct ocpp_event *ev, int ms)
{
	while (ocpp_poll_event(ev, (uint32_t)ms) == 0) {
		if (ev->type == type) {
			return true;
		}
	}
	return false;
}

static void cs_requests_become_events(void)
{
	struct ocpp_event ev;
	bool accepted = false, pending = false, disconnected = false;
	ocpp_session_handle_t sh;
	enum ocpp_auth_status status;
	char value[32];
	char tag[] = "ZepId00";
	const char *r;

	/* What happened so far, in order. */
	while (ocpp_poll_event(&ev, 0) == 0) {
		if (ev.type == OCPP_EVENT_REGISTRATION) {
			accepted |= ev.value == OCPP_REGISTRATION_ACCEPTED;
			pending |= ev.value == OCPP_REGISTRATION_PENDING;
		}
		disconnected |= ev.type == OCPP_EVENT_DISCONNECTED;
	}
	CHECK(accepted && pending && disconnected, "registration/disconnection events %d %d %d",
	      accepted, pending, disconnected);

	r = cs("call ChangeAvailability {\"connectorId\":2,\"type\":\"Inoperative\"}");
	CHECK(strstr(r, "\"status\":\"Accepted\"") != NULL, "%s", r);
	CHECK(next_event(OCPP_EVENT_AVAILABILITY, &ev, 2000), "availability event");
	CHECK_EQ(ev.id_con, 2);
	CHECK_EQ(ev.value, 0);
	CHECK_EQ(ocpp_session_open(&sh), 0);
	CHECK_EQ(ocpp_authorize(sh, tag, &status, 2000), 0);
	CHECK_EQ(ocpp_start_transaction(sh, 0, 2, TIMEOUT_MS), -EBUSY); /* Unavailable */
	ocpp_session_close(sh);
	r = cs("call ChangeAvailability {\"connectorId\":2,\"type\":\"Operative\"}");
	CHECK(next_event(OCPP_EVENT_AVAILABILITY, &ev, 2000), "availability event");
	CHECK_EQ(ev.value, 1);

	r = cs("call ChangeConfiguration {\"key\":\"HeartbeatInterval\",\"value\":\"120\"}");
	CHECK(strstr(r, "\"status\":\"Accepted\"") != NULL, "%s", r);
	CHECK(next_event(OCPP_EVENT_CONFIGURATION, &ev, 2000), "configuration event");
	CHECK_STR(ev.name, "HeartbeatInterval");
	CHECK_EQ(ocpp_get_configuration("HeartbeatInterval", value, sizeof(value), NULL), 0);
	CHECK_STR(value, "120");

	CHECK_EQ(ocpp_set_connector_status(1, OCPP_CONNECTOR_PREPARING, OCPP_CONNECTOR_NO_ERROR), 0);
	CHECK(cs_wait("StatusNotification", 1, 1), "status notifications");
	for (int i = 0; i < 40 && !strstr(cs("messages StatusNotification"), "\"Preparing\""); i++) {
		sleep_ms(50);
	}
	CHECK(strstr(cs("messages StatusNotification"), "\"status\":\"Preparing\"") != NULL,
	      "Preparing reported");
	CHECK_EQ(ocpp_set_connector_status(1, OCPP_CONNECTOR_AVAILABLE, OCPP_CONNECTOR_NO_ERROR), 0);

	r = cs("call ClearCache {}");
	CHECK(strstr(r, "\"status\":\"Accepted\"") != NULL, "%s", r);
	CHECK(next_event(OCPP_EVENT_CACHE_CLEARED, &ev, 2000), "cache cleared event");

	CHECK_EQ(ocpp_set_reset_handler(reset_handler, &reset_log), 0);
	r = cs("call Reset {\"type\":\"Soft\"}");
	CHECK(strstr(r, "\"status\":\"Accepted\"") != NULL, "%s", r);
	CHECK(next_event(OCPP_EVENT_RESET, &ev, 2000), "reset event");
	CHECK_EQ(ev.value, OCPP_RESET_SOFT);
	/* The reset takes effect: the handler is asked, then the charge point registers anew. */
	for (int i = 0; i < 100 && __atomic_load_n(&reset_log.calls, __ATOMIC_SEQ_CST) == 0; i++) {
		sleep_ms(20);
	}
	CHECK_EQ(__atomic_load_n(&reset_log.calls, __ATOMIC_SEQ_CST), 1);
	CHECK_EQ(reset_log.type, OCPP_RESET_SOFT);
	CHECK(reset_log.user_data == &reset_log, "user_data is passed back");
	CHECK(next_event(OCPP_EVENT_DISCONNECTED, &ev, 2000), "reconnects after the reset");
	CHECK(next_event(OCPP_EVENT_REGISTRATION, &ev, 5000), "registers anew after the reset");
	CHECK_EQ(ev.value, OCPP_REGISTRATION_ACCEPTED);
	CHECK(wait_online(true, 5), "online again");
	CHECK_EQ(ocpp_set_reset_handler(NULL, NULL), 0);
}

/* Remote Trigger, Reservation and Local Auth List Management through the C API. */
static void optional_profiles(void)
{
	struct ocpp_event ev;
	struct ocpp_reservation_info res;
	enum ocpp_auth_status status;
	ocpp_session_handle_t sh;
	int32_t version = -2;
	char holder[] = "RESERVED1";
	char other[] = "ZepId01";
	int heartbeats = cs_count("Heartbeat");
	const char *r;

	r = cs("call TriggerMessage {\"requestedMessage\":\"Heartbeat\"}");
	CHECK(strstr(r, "\"status\":\"Accepted\"") != NULL, "%s", r);
	CHECK(next_event(OCPP_EVENT_MESSAGE_TRIGGERED, &ev, 2000), "trigger event");
	CHECK_STR(ev.name, "Heartbeat");
	CHECK_EQ(ev.id_con, -1);
	CHECK(cs_wait("Heartbeat", heartbeats + 1, 5), "triggered Heartbeat");
	r = cs("call TriggerMessage {\"requestedMessage\":\"StatusNotification\",\"connectorId\":9}");
	CHECK(strstr(r, "\"status\":\"Rejected\"") != NULL, "%s", r);

	r = cs("call ReserveNow {\"connectorId\":1,\"expiryDate\":\"2099-01-01T00:00:00Z\","
	       "\"idTag\":\"RESERVED1\",\"parentIdTag\":\"FLEET\",\"reservationId\":42}");
	CHECK(strstr(r, "\"status\":\"Accepted\"") != NULL, "%s", r);
	CHECK(next_event(OCPP_EVENT_RESERVATION_MADE, &ev, 2000), "reservation event");
	CHECK_EQ(ev.id_con, 1);
	CHECK_EQ(ev.value, 42);
	CHECK_EQ(ocpp_get_reservation(1, &res), 0);
	CHECK_EQ(res.reservation_id, 42);
	CHECK_EQ(res.id_con, 1);
	CHECK_STR(res.idtag, "RESERVED1");
	CHECK_STR(res.parent_idtag, "FLEET");
	CHECK_EQ(res.expiry_unix, 4070908800LL);
	/* Someone else is refused the reserved connector; the holder starts on it. */
	CHECK_EQ(ocpp_session_open(&sh), 0);
	CHECK_EQ(ocpp_authorize(sh, other, &status, 2000), 0);
	CHECK_EQ(ocpp_start_transaction(sh, 100, 1, 2000), -EBUSY);
	ocpp_session_close(sh);
	CHECK_EQ(ocpp_session_open(&sh), 0);
	CHECK_EQ(ocpp_authorize(sh, holder, &status, 2000), 0);
	CHECK_EQ(ocpp_start_transaction(sh, 100, 1, 2000), 0);
	CHECK_EQ(ocpp_get_reservation(1, &res), -ENOENT);
	CHECK_EQ(ocpp_stop_transaction(sh, 200, 2000), 0);
	ocpp_session_close(sh);
	r = cs("transactions");
	CHECK(strstr(r, "\"reservation_id\":42") != NULL, "%s", r);
	r = cs("call ReserveNow {\"connectorId\":2,\"expiryDate\":\"2099-01-01T00:00:00Z\","
	       "\"idTag\":\"X\",\"reservationId\":43}");
	CHECK(strstr(r, "\"status\":\"Accepted\"") != NULL, "%s", r);
	r = cs("call CancelReservation {\"reservationId\":43}");
	CHECK(strstr(r, "\"status\":\"Accepted\"") != NULL, "%s", r);
	CHECK(next_event(OCPP_EVENT_RESERVATION_CANCELLED, &ev, 2000), "cancel event");
	CHECK_EQ(ev.value, 43);

	r = cs("call SendLocalList {\"listVersion\":7,\"updateType\":\"Full\","
	       "\"localAuthorizationList\":[{\"idTag\":\"LOCAL1\",\"idTagInfo\":{\"status\":"
	       "\"Accepted\"}},{\"idTag\":\"LOCAL2\",\"idTagInfo\":{\"status\":\"Blocked\"}}]}");
	CHECK(strstr(r, "\"status\":\"Accepted\"") != NULL, "%s", r);
	CHECK(next_event(OCPP_EVENT_LOCAL_LIST_UPDATED, &ev, 2000), "local list event");
	CHECK_EQ(ev.value, 7);
	CHECK_EQ(ocpp_get_local_list_version(&version), 0);
	CHECK_EQ(version, 7);
	CHECK_EQ(ocpp_local_list_lookup("local2", &status), 0);
	CHECK_EQ(status, OCPP_AUTH_BLOCKED);
	r = cs("call GetLocalListVersion {}");
	CHECK(strstr(r, "\"listVersion\":7") != NULL, "%s", r);

	/* Smart Charging: the limit in force reaches the application. */
	{
		struct ocpp_charging_limit limit;

		while (ocpp_poll_charging_limit(&limit, 0) == 0) {
		}
		r = cs("call SetChargingProfile {\"connectorId\":0,\"csChargingProfiles\":{"
		       "\"chargingProfileId\":5,\"stackLevel\":0,\"chargingProfilePurpose\":"
		       "\"TxDefaultProfile\",\"chargingProfileKind\":\"Absolute\",\"chargingSchedule\":{"
		       "\"chargingRateUnit\":\"A\",\"chargingSchedulePeriod\":[{\"startPeriod\":0,"
		       "\"limit\":16.5,\"numberPhases\":1}]}}}");
		CHECK(strstr(r, "\"status\":\"Accepted\"") != NULL, "%s", r);
		/* One change per connector, and connector 0's total of both. */
		CHECK_EQ(ocpp_poll_charging_limit(&limit, 2000), 0);
		CHECK_EQ(limit.id_con, 0);
		CHECK_EQ(limit.limit_deci, 330);
		CHECK_EQ(ocpp_poll_charging_limit(&limit, 2000), 0);
		CHECK_EQ(limit.id_con, 1);
		CHECK_EQ(limit.unit, OCPP_CHARGING_AMPS);
		CHECK_EQ(limit.limit_deci, 165);
		CHECK_EQ(limit.phases, 1);
		CHECK_EQ(ocpp_get_charging_limit(2, &limit), 0);
		CHECK_EQ(limit.id_con, 2);
		CHECK_EQ(limit.limit_deci, 165);
		r = cs("call GetCompositeSchedule {\"connectorId\":1,\"duration\":60,"
		       "\"chargingRateUnit\":\"W\"}");
		CHECK(strstr(r, "\"limit\":3795") != NULL, "%s", r);
		r = cs("call ClearChargingProfile {\"id\":5}");
		CHECK(strstr(r, "\"status\":\"Accepted\"") != NULL, "%s", r);
		CHECK_EQ(ocpp_get_charging_limit(1, &limit), 0);
		CHECK_EQ(limit.unit, OCPP_CHARGING_UNLIMITED);
	}
}

#ifdef CONFIG_OCPP_PROFILE_FIRMWARE_MGNT
static struct {
	int calls;
	int answer;
	char image[512];
	void *user_data;
} fw_log;

static int firmware_handler(const char *image, void *user_data)
{
	__atomic_add_fetch(&fw_log.calls, 1, __ATOMIC_SEQ_CST);
	snprintf(fw_log.image, sizeof(fw_log.image), "%s", image ? image : "(null)");
	fw_log.user_data = user_data;
	return fw_log.answer;
}

/* Expects the next OCPP_EVENT_FIRMWARE_STATUS (or DIAGNOSTICS) events to be `statuses`. */
static void expect_statuses(enum ocpp_event_type type, const int *statuses, const char **names,
			    int n)
{
	struct ocpp_event ev;

	for (int i = 0; i < n; i++) {
		CHECK(next_event(type, &ev, 10000), "status event %d (%s)", i, names[i]);
		CHECK_EQ(ev.value, statuses[i]);
		CHECK_STR(ev.name, names[i]);
	}
}

/* Firmware Management: UpdateFirmware over HTTP from the dev CS's file server, the
 * application's handler refusing the install, GetDiagnostics uploaded. */
static void firmware_management(void)
{
	enum ocpp_firmware_status fs = OCPP_FIRMWARE_INSTALLED;
	enum ocpp_diagnostics_status ds = OCPP_DIAGNOSTICS_UPLOADED;
	const int fw[] = {OCPP_FIRMWARE_DOWNLOADING, OCPP_FIRMWARE_DOWNLOADED,
			  OCPP_FIRMWARE_INSTALLING, OCPP_FIRMWARE_INSTALLATION_FAILED};
	const char *fw_names[] = {"Downloading", "Downloaded", "Installing", "InstallationFailed"};
	const int diag[] = {OCPP_DIAGNOSTICS_UPLOADING, OCPP_DIAGNOSTICS_UPLOADED};
	const char *diag_names[] = {"Uploading", "Uploaded"};
	const char *r;

	CHECK_EQ(ocpp_get_firmware_status(NULL), -EINVAL);
	CHECK_EQ(ocpp_get_diagnostics_status(NULL), -EINVAL);
	CHECK_EQ(ocpp_get_firmware_status(&fs), 0);
	CHECK_EQ(fs, OCPP_FIRMWARE_IDLE);
	fw_log.answer = -EPERM;
	CHECK_EQ(ocpp_set_firmware_handler(firmware_handler, &fw_log), 0);
	r = cs("firmware fw-c.bin 65536");
	CHECK(strstr(r, "\"sha256\"") != NULL, "%s", r);
	r = cs("update_firmware {\"image\":\"fw-c.bin\",\"retries\":0}");
	CHECK(strstr(r, "\"result\":{}") != NULL, "%s", r);
	expect_statuses(OCPP_EVENT_FIRMWARE_STATUS, fw, fw_names, 4);
	CHECK_EQ(__atomic_load_n(&fw_log.calls, __ATOMIC_SEQ_CST), 1);
	CHECK(strstr(fw_log.image, "firmware.bin") != NULL, "image %s", fw_log.image);
	CHECK(fw_log.user_data == &fw_log, "user_data is passed back");
	CHECK(cs_wait("FirmwareStatusNotification", 4, 5), "four notifications");
	CHECK_EQ(ocpp_get_firmware_status(&fs), 0);
	CHECK_EQ(fs, OCPP_FIRMWARE_IDLE);
	CHECK_EQ(ocpp_set_firmware_handler(NULL, NULL), 0);

	r = cs("get_diagnostics {}");
	CHECK(strstr(r, "\"fileName\"") != NULL, "%s", r);
	expect_statuses(OCPP_EVENT_DIAGNOSTICS_STATUS, diag, diag_names, 2);
	CHECK_EQ(ocpp_get_diagnostics_status(&ds), 0);
	CHECK_EQ(ds, OCPP_DIAGNOSTICS_IDLE);
	r = cs("uploads");
	CHECK(strstr(r, "\"method\":\"PUT\"") != NULL, "%s", r);
}
#endif

#ifdef CONFIG_OCPP_PROFILE_SECURITY
/* The application's own security event, queued and delivered like the library's. */
static void security_events(void)
{
	int before = cs_count("SecurityEventNotification");
	const char *r;

	CHECK_EQ(ocpp_security_event(NULL, NULL), -EINVAL);
	CHECK_EQ(ocpp_security_event("NotAnEvent", NULL), -EINVAL);
	CHECK_EQ(ocpp_security_event("TamperDetectionActivated", "lid opened"), 0);
	CHECK(cs_wait("SecurityEventNotification", before + 1, 5), "the event arrives");
	r = cs("messages SecurityEventNotification");
	CHECK(strstr(r, "\"type\":\"TamperDetectionActivated\"") != NULL, "%s", r);
	CHECK(strstr(r, "\"techInfo\":\"lid opened\"") != NULL, "%s", r);
}
#endif

static void timeouts(void)
{
	ocpp_session_handle_t sh;
	enum ocpp_auth_status status = OCPP_AUTH_ACCEPTED;
	struct ocpp_transaction_info tx;
	char tag[] = "ZepId00";
	const char *r;
	int authorizes = cs_count("Authorize");

	/* The Central System swallows the next Authorize: no answer within the timeout. */
	r = cs("config {\"drop_next\":{\"action\":\"Authorize\"}}");
	CHECK_STR(r, "OK");
	CHECK_EQ(ocpp_session_open(&sh), 0);
	CHECK_EQ(ocpp_authorize(sh, tag, &status, 300), -EAGAIN);
	CHECK_EQ(status, OCPP_AUTH_INVALID);
	CHECK(cs_wait("Authorize", authorizes + 1, 5), "the Authorize was sent");
	/* The unanswered Authorize holds the line (30 s response timeout): the StartTransaction
	 * is not confirmed within the timeout, so it is pending, and ocpp_start_transaction
	 * returns 0 all the same. */
	CHECK_EQ(ocpp_start_transaction(sh, 9000, 1, 300), 0);
	CHECK_EQ(ocpp_get_transaction(sh, &tx), 0);
	CHECK_EQ(tx.state, OCPP_TX_PENDING);
	CHECK_EQ(ocpp_stop_transaction(sh, 9100, 300), 0);
	CHECK_EQ(ocpp_get_transaction(sh, &tx), 0);
	CHECK_EQ(tx.state, OCPP_TX_NONE);
	ocpp_session_close(sh);
}

static void shuts_down(void)
{
	CHECK_EQ(cb_log.other_measurands, 0);
	CHECK_EQ(ocpp_deinit(), 0);
	CHECK(!ocpp_is_online(), "offline after deinit");
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s <cs_ip> <ws_port> <ws_path> (run by driver.py)\n", argv[0]);
		return 2;
	}
	cs_ip = argv[1];
	cs_port = atoi(argv[2]);
	ws_path = argv[3];
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i <= NO_OF_CONN; i++) {
		pthread_mutex_init(&conns[i].lock, NULL);
		pthread_cond_init(&conns[i].cond, NULL);
	}

	RUN(boots_with_optional_fields);
	RUN(two_connectors_like_the_sample);
	RUN(remote_start_and_unlock);
	RUN(rejected_id_tag_is_eacces);
	RUN(offline_start_and_stop_are_queued);
	RUN(closing_a_session_keeps_its_transaction);
	RUN(cs_requests_become_events);
	RUN(optional_profiles);
#ifdef CONFIG_OCPP_PROFILE_FIRMWARE_MGNT
	RUN(firmware_management);
#endif
#ifdef CONFIG_OCPP_PROFILE_SECURITY
	RUN(security_events);
#endif
	RUN(timeouts);
	RUN(shuts_down);
	return finish();
}

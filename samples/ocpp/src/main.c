/*
 * zephyr-ocpp sample: a two-connector charge point.
 *
 * Connector 1 is used locally: a driver presents an idTag, the car charges for
 * CONFIG_OCPP_SAMPLE_CHARGE_SECONDS, then unplugs. Connector 2 waits for the Central System:
 * RemoteStartTransaction starts it, RemoteStopTransaction or UnlockConnector ends it. Meter
 * values come from simulated energy meters through the library's callback; library events
 * (registration, reset, availability...) arrive through ocpp_poll_event(), and with Smart
 * Charging the limit the Central System's charging profiles set on each connector through
 * ocpp_poll_charging_limit() (the sample logs the limit it would apply to its charger).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <zephyr/kernel.h>
#include <zephyr/logging/log.h>
#include <zephyr/net/ocpp.h>

LOG_MODULE_REGISTER(ocpp_sample, LOG_LEVEL_INF);

#define CONNECTORS 2
#define TIMEOUT_MS 5000

enum connector_request {
	REQUEST_NONE,
	REQUEST_START,
	REQUEST_STOP,
};

struct connector {
	int id;
	/* Energy register in Wh; the meter thread advances it while charging. */
	atomic_t energy_wh;
	atomic_t charging;
	struct k_sem wake;
	atomic_t request;
	char idtag[CISTR50];
	struct k_mutex lock;
	int sessions_done;
};

static struct connector connectors[CONNECTORS];

static int read_meter(struct connector *c, enum ocpp_meter_measurand what, char *out)
{
	switch (what) {
	case OCPP_OMM_ACTIVE_ENERGY_TO_EV:
		snprintf(out, CISTR50, "%ld", (long)atomic_get(&c->energy_wh));
		return 0;
	case OCPP_OMM_ACTIVE_POWER_TO_EV:
		snprintf(out, CISTR50, "%d", atomic_get(&c->charging) ? 7400 : 0);
		return 0;
	case OCPP_OMM_VOLTAGE_AC_RMS:
		snprintf(out, CISTR50, "230");
		return 0;
	default:
		return -ENOTSUP;
	}
}

static struct connector *connector_of(int id_con)
{
	return (id_con >= 1 && id_con <= CONNECTORS) ? &connectors[id_con - 1] : NULL;
}

static void request(struct connector *c, enum connector_request what)
{
	atomic_set(&c->request, what);
	k_sem_give(&c->wake);
}

/* Runs on the library's thread: answer quickly, leave the work to the connector threads. */
static int on_ocpp(enum ocpp_notify_reason reason, union ocpp_io_value *io, void *user_data)
{
	struct connector *c;

	ARG_UNUSED(user_data);
	switch (reason) {
	case OCPP_USR_GET_METER_VALUE:
		c = connector_of(io->meter_val.id_con);
		return c ? read_meter(c, io->meter_val.mes, io->meter_val.val) : -EINVAL;
	case OCPP_USR_START_CHARGING:
		c = connector_of(io->start_charge.id_con);
		if (c == NULL || atomic_get(&c->charging)) {
			return -EBUSY;
		}
		k_mutex_lock(&c->lock, K_FOREVER);
		strncpy(c->idtag, io->start_charge.idtag, sizeof(c->idtag) - 1);
		k_mutex_unlock(&c->lock);
		LOG_INF("connector %d: remote start for %s", c->id, io->start_charge.idtag);
		request(c, REQUEST_START);
		return 0;
	case OCPP_USR_STOP_CHARGING:
	case OCPP_USR_UNLOCK_CONNECTOR:
		c = connector_of(reason == OCPP_USR_STOP_CHARGING ? io->stop_charge.id_con
								    : io->unlock_con.id_con);
		if (c == NULL) {
			return -EINVAL;
		}
		LOG_INF("connector %d: %s", c->id,
			reason == OCPP_USR_STOP_CHARGING ? "remote stop" : "unlock");
		request(c, REQUEST_STOP);
		return 0;
	}
	return -ENOTSUP;
}

/* One charging session: authorize, start, charge until asked to stop or time is up, stop. */
static void charge(struct connector *c, const char *idtag, k_timeout_t duration)
{
	ocpp_session_handle_t session;
	enum ocpp_auth_status status;
	int ret;

	(void)ocpp_set_connector_status(c->id, OCPP_CONNECTOR_PREPARING, OCPP_CONNECTOR_NO_ERROR);
	ret = ocpp_session_open(&session);
	if (ret < 0) {
		LOG_ERR("connector %d: no session (%d)", c->id, ret);
		return;
	}
	ret = ocpp_authorize(session, (char *)idtag, &status, TIMEOUT_MS);
	if (ret < 0 || status != OCPP_AUTH_ACCEPTED) {
		LOG_WRN("connector %d: %s not authorized (%d, status %d)", c->id, idtag, ret, status);
		goto out;
	}
	ret = ocpp_start_transaction(session, (int)atomic_get(&c->energy_wh), c->id, TIMEOUT_MS);
	if (ret < 0) {
		LOG_WRN("connector %d: start refused (%d)", c->id, ret);
		if (ret == -EACCES) {
			(void)ocpp_stop_transaction(session, (int)atomic_get(&c->energy_wh), TIMEOUT_MS);
		}
		goto out;
	}
	atomic_set(&c->charging, 1);
	LOG_INF("connector %d: charging for %s", c->id, idtag);
	atomic_set(&c->request, REQUEST_NONE);
	while (k_sem_take(&c->wake, duration) == 0 && atomic_get(&c->request) != REQUEST_STOP) {
	}
	atomic_set(&c->charging, 0);
	ret = ocpp_stop_transaction(session, (int)atomic_get(&c->energy_wh), TIMEOUT_MS);
	LOG_INF("connector %d: stopped at %ld Wh (%d)", c->id, (long)atomic_get(&c->energy_wh), ret);
	c->sessions_done++;
out:
	ocpp_session_close(session);
	(void)ocpp_set_connector_status(c->id, OCPP_CONNECTOR_AVAILABLE, OCPP_CONNECTOR_NO_ERROR);
}

static void connector_thread(void *p1, void *p2, void *p3)
{
	struct connector *c = p1;
	char idtag[CISTR50];

	ARG_UNUSED(p2);
	ARG_UNUSED(p3);
	if (c->id == 1) {
		/* A local user once the charge point is registered. */
		while (!ocpp_is_online()) {
			k_sleep(K_MSEC(200));
		}
		charge(c, "SAMPLE-1", K_SECONDS(CONFIG_OCPP_SAMPLE_CHARGE_SECONDS));
	}
	for (;;) {
		k_sem_take(&c->wake, K_FOREVER);
		if (atomic_get(&c->request) != REQUEST_START) {
			continue;
		}
		k_mutex_lock(&c->lock, K_FOREVER);
		strcpy(idtag, c->idtag);
		k_mutex_unlock(&c->lock);
		charge(c, idtag, K_FOREVER);
	}
}

/* The simulated meters: 7.4 kW while charging, i.e. ~2 Wh per second. */
static void meter_thread(void *p1, void *p2, void *p3)
{
	ARG_UNUSED(p1);
	ARG_UNUSED(p2);
	ARG_UNUSED(p3);
	for (;;) {
		k_sleep(K_SECONDS(1));
		for (int i = 0; i < CONNECTORS; i++) {
			if (atomic_get(&connectors[i].charging)) {
				atomic_add(&connectors[i].energy_wh, 2);
			}
		}
	}
}

K_THREAD_STACK_ARRAY_DEFINE(connector_stacks, CONNECTORS, 2048);
static struct k_thread connector_threads[CONNECTORS];
K_THREAD_DEFINE(meter, 1024, meter_thread, NULL, NULL, NULL, 7, 0, 0);

#if defined(CONFIG_OCPP_PROFILE_SMART_CHARGE)
/* What a charger would do with a new limit: here, say it. */
static void apply_charging_limits(void)
{
	struct ocpp_charging_limit limit;

	while (ocpp_poll_charging_limit(&limit, 0) == 0) {
		const char *who = limit.id_con == 0 ? "charge point" : "connector";

		if (limit.unit == OCPP_CHARGING_UNLIMITED) {
			LOG_INF("%s %d: no charging limit, full power", who, limit.id_con);
			continue;
		}
		LOG_INF("%s %d: applying charging limit %d.%d %s over %d phase(s)", who,
			limit.id_con, limit.limit_deci / 10, limit.limit_deci % 10,
			limit.unit == OCPP_CHARGING_AMPS ? "A" : "W", limit.phases);
	}
}
#endif

int main(void)
{
	static char model[] = "zephyr-ocpp-sample";
	static char vendor[] = "zephyr-ocpp";
	static char firmware[] = "1.0.0";
	static char server[] = CONFIG_OCPP_SAMPLE_SERVER;
	static char url[] = CONFIG_OCPP_SAMPLE_URL;
	struct ocpp_cp_info cpi = {
		.model = model,
		.vendor = vendor,
		.num_of_con = CONNECTORS,
		.fw_ver = firmware,
	};
	struct ocpp_cs_info csi = {
		.cs_ip = server,
		.ws_url = url,
		.port = CONFIG_OCPP_SAMPLE_PORT,
		.sa_family = AF_INET,
	};
	struct ocpp_event event;
	int ret;

	for (int i = 0; i < CONNECTORS; i++) {
		connectors[i].id = i + 1;
		atomic_set(&connectors[i].energy_wh, 1000 * (i + 1));
		k_sem_init(&connectors[i].wake, 0, 1);
		k_mutex_init(&connectors[i].lock);
	}
	ret = ocpp_init(&cpi, &csi, on_ocpp, NULL);
	if (ret < 0) {
		LOG_ERR("ocpp_init: %d", ret);
		return ret;
	}
	LOG_INF("charge point started, Central System ws://%s:%d%s", server, csi.port, url);
	for (int i = 0; i < CONNECTORS; i++) {
		k_thread_create(&connector_threads[i], connector_stacks[i],
				K_THREAD_STACK_SIZEOF(connector_stacks[i]), connector_thread,
				&connectors[i], NULL, NULL, 7, 0, K_NO_WAIT);
	}

	int64_t end = CONFIG_OCPP_SAMPLE_RUN_SECONDS > 0
			      ? k_uptime_get() + CONFIG_OCPP_SAMPLE_RUN_SECONDS * 1000LL
			      : INT64_MAX;
	while (k_uptime_get() < end) {
#if defined(CONFIG_OCPP_PROFILE_SMART_CHARGE)
		apply_charging_limits();
#endif
		if (ocpp_poll_event(&event, 1000) < 0) {
			continue;
		}
		switch (event.type) {
		case OCPP_EVENT_REGISTRATION:
			LOG_INF("registration: %d", event.value);
			break;
		case OCPP_EVENT_RESET:
			LOG_WRN("Central System asks for a %s reset", event.value ? "soft" : "hard");
			break;
		case OCPP_EVENT_AVAILABILITY:
			LOG_INF("connector %d %s", event.id_con,
				event.value ? "operative" : "inoperative");
			break;
		case OCPP_EVENT_CONFIGURATION:
			LOG_INF("configuration changed: %s", event.name);
			break;
		default:
			LOG_INF("event %d", event.type);
			break;
		}
	}
	printk("ocpp sample summary: connector 1 sessions %d, connector 2 sessions %d\n",
	       connectors[0].sessions_done, connectors[1].sessions_done);
	return 0;
}

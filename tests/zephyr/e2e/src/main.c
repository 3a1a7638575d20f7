/*
 * zephyr-ocpp end to end: a two-connector charge point on the C API, driven against the
 * development Central System (tools/dev_cs.py) by pytest/test_e2e.py.
 *
 * Connector 1 charges locally once the charge point is registered: authorize, start, meter
 * values from the callback, stop after CONFIG_OCPP_E2E_CHARGE_SECONDS. Connector 2 waits for the
 * Central System: RemoteStartTransaction starts it, RemoteStopTransaction stops it. Every step
 * prints an "E2E:" line for the test to wait on.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <zephyr/kernel.h>
#include <zephyr/net/ocpp.h>

#define CONNECTORS 2
#define TIMEOUT_MS 10000
#define LOCAL_IDTAG "E2E-LOCAL-1"

enum connector_request {
	REQUEST_NONE,
	REQUEST_START,
	REQUEST_STOP,
};

struct connector {
	int id;
	/* Energy register in Wh: +10 Wh per second while charging. */
	atomic_t energy_wh;
	atomic_t charging;
	atomic_t request;
	struct k_sem wake;
	struct k_mutex lock;
	char idtag[CISTR50];
};

static struct connector connectors[CONNECTORS];

#if defined(OCPP_E2E_RUNTIME_CA_INC)
/* The CA registered at run time (tests/zephyr/tls, ocpp.tls.runtime_ca): PEM with its NUL. */
static const unsigned char runtime_ca[] = {
#include OCPP_E2E_RUNTIME_CA_INC
	0};
#endif

/* Events also arrive on zbus (CONFIG_OCPP_ZBUS): a listener runs in the publisher's thread. */
static void on_ocpp_zbus(const struct zbus_channel *chan)
{
	const struct ocpp_event *event = zbus_chan_const_msg(chan);

	switch (event->type) {
	case OCPP_EVENT_REGISTRATION:
		printk("E2E: zbus registration %d\n", event->value);
		break;
	case OCPP_EVENT_MESSAGE_TRIGGERED:
		printk("E2E: zbus triggered %s connector %d\n", event->name, event->id_con);
		break;
	case OCPP_EVENT_RESERVATION_MADE:
		printk("E2E: zbus reservation %d on connector %d\n", event->value, event->id_con);
		break;
	case OCPP_EVENT_RESERVATION_CANCELLED:
		printk("E2E: zbus reservation %d cancelled\n", event->value);
		break;
	case OCPP_EVENT_LOCAL_LIST_UPDATED:
		printk("E2E: zbus local list version %d\n", event->value);
		break;
	default:
		break;
	}
}
ZBUS_LISTENER_DEFINE(e2e_ocpp_listener, on_ocpp_zbus);
ZBUS_CHAN_ADD_OBS(ocpp_event_chan, e2e_ocpp_listener, 3);

static struct connector *connector_of(int id_con)
{
	return (id_con >= 1 && id_con <= CONNECTORS) ? &connectors[id_con - 1] : NULL;
}

static void request(struct connector *c, enum connector_request what)
{
	atomic_set(&c->request, what);
	k_sem_give(&c->wake);
}

/* The library's thread: answer at once, leave the work to the connector threads. */
static int on_ocpp(enum ocpp_notify_reason reason, union ocpp_io_value *io, void *user_data)
{
	struct connector *c;

	ARG_UNUSED(user_data);
	switch (reason) {
	case OCPP_USR_GET_METER_VALUE:
		c = connector_of(io->meter_val.id_con);
		if (c == NULL) {
			return -ENOTSUP;
		}
		switch (io->meter_val.mes) {
		case OCPP_OMM_ACTIVE_ENERGY_TO_EV:
			snprintf(io->meter_val.val, CISTR50, "%ld", (long)atomic_get(&c->energy_wh));
			return 0;
		case OCPP_OMM_ACTIVE_POWER_TO_EV:
			snprintf(io->meter_val.val, CISTR50, "%d", atomic_get(&c->charging) ? 36000 : 0);
			return 0;
		default:
			return -ENOTSUP;
		}
	case OCPP_USR_START_CHARGING:
		c = connector_of(io->start_charge.id_con);
		if (c == NULL || atomic_get(&c->charging)) {
			return -EBUSY;
		}
		k_mutex_lock(&c->lock, K_FOREVER);
		strncpy(c->idtag, io->start_charge.idtag, sizeof(c->idtag) - 1);
		k_mutex_unlock(&c->lock);
		printk("E2E: remote start connector %d idtag %s\n", c->id, io->start_charge.idtag);
		request(c, REQUEST_START);
		return 0;
	case OCPP_USR_STOP_CHARGING:
		c = connector_of(io->stop_charge.id_con);
		if (c == NULL) {
			return -EINVAL;
		}
		printk("E2E: remote stop connector %d\n", c->id);
		request(c, REQUEST_STOP);
		return 0;
	case OCPP_USR_UNLOCK_CONNECTOR:
		printk("E2E: unlock connector %d\n", io->unlock_con.id_con);
		return connector_of(io->unlock_con.id_con) != NULL ? 0 : -EINVAL;
	}
	return -ENOTSUP;
}

/* One charging session: authorize, start, charge until asked to stop or time is up, stop. */
static void charge(struct connector *c, char *idtag, k_timeout_t duration)
{
	struct ocpp_transaction_info info = {0};
	ocpp_session_handle_t session;
	enum ocpp_auth_status status;
	int ret;

	(void)ocpp_set_connector_status(c->id, OCPP_CONNECTOR_PREPARING, OCPP_CONNECTOR_NO_ERROR);
	ret = ocpp_session_open(&session);
	if (ret < 0) {
		printk("E2E: connector %d session_open failed %d\n", c->id, ret);
		return;
	}
	ret = ocpp_authorize(session, idtag, &status, TIMEOUT_MS);
	printk("E2E: connector %d authorize %s ret %d status %d\n", c->id, idtag, ret, status);
	if (ret < 0 || status != OCPP_AUTH_ACCEPTED) {
		goto out;
	}
	ret = ocpp_start_transaction(session, (int)atomic_get(&c->energy_wh), c->id, TIMEOUT_MS);
	(void)ocpp_get_transaction(session, &info);
	printk("E2E: connector %d start ret %d transaction %d\n", c->id, ret, info.transaction_id);
	if (ret < 0) {
		goto out;
	}
	atomic_set(&c->charging, 1);
	atomic_set(&c->request, REQUEST_NONE);
	while (k_sem_take(&c->wake, duration) == 0 && atomic_get(&c->request) != REQUEST_STOP) {
	}
	atomic_set(&c->charging, 0);
	ret = ocpp_stop_transaction(session, (int)atomic_get(&c->energy_wh), TIMEOUT_MS);
	printk("E2E: connector %d stop ret %d at %ld Wh\n", c->id, ret,
	       (long)atomic_get(&c->energy_wh));
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
		while (!ocpp_is_online()) {
			k_sleep(K_MSEC(100));
		}
		strcpy(idtag, LOCAL_IDTAG);
		charge(c, idtag, K_SECONDS(CONFIG_OCPP_E2E_CHARGE_SECONDS));
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

static void meter_thread(void *p1, void *p2, void *p3)
{
	ARG_UNUSED(p1);
	ARG_UNUSED(p2);
	ARG_UNUSED(p3);
	for (;;) {
		k_sleep(K_SECONDS(1));
		for (int i = 0; i < CONNECTORS; i++) {
			if (atomic_get(&connectors[i].charging)) {
				atomic_add(&connectors[i].energy_wh, 10);
			}
		}
	}
}

K_THREAD_STACK_ARRAY_DEFINE(connector_stacks, CONNECTORS, 4096);
static struct k_thread connector_threads[CONNECTORS];
K_THREAD_DEFINE(meter, 1024, meter_thread, NULL, NULL, NULL, 7, 0, 0);

int main(void)
{
	static char model[] = "zephyr-ocpp-e2e";
	static char vendor[] = "zephyr-ocpp";
	static char firmware[] = "0.1.0";
	static char server[] = CONFIG_OCPP_E2E_SERVER;
	static char url[] = CONFIG_OCPP_E2E_URL;
	struct ocpp_cp_info cpi = {
		.model = model,
		.vendor = vendor,
		.num_of_con = CONNECTORS,
		.fw_ver = firmware,
	};
	struct ocpp_cs_info csi = {
		.cs_ip = server,
		.ws_url = url,
		.port = CONFIG_OCPP_E2E_PORT,
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
#if defined(OCPP_E2E_RUNTIME_CA_INC)
	ret = ocpp_set_tls_credential(OCPP_TLS_CA_CERTIFICATE, runtime_ca, sizeof(runtime_ca));
	printk("E2E: runtime CA %d\n", ret);
#endif
	ret = ocpp_init(&cpi, &csi, on_ocpp, NULL);
	printk("E2E: ocpp_init %d (ws://%s:%d%s)\n", ret, server, csi.port, url);
	if (ret < 0) {
		return ret;
	}
	for (int i = 0; i < CONNECTORS; i++) {
		k_thread_create(&connector_threads[i], connector_stacks[i],
				K_THREAD_STACK_SIZEOF(connector_stacks[i]), connector_thread,
				&connectors[i], NULL, NULL, 7, 0, K_NO_WAIT);
	}
	for (;;) {
		if (ocpp_poll_event(&event, 1000) < 0) {
			continue;
		}
		switch (event.type) {
		case OCPP_EVENT_REGISTRATION:
			printk("E2E: registration %s\n",
			       event.value == OCPP_REGISTRATION_ACCEPTED ? "accepted" : "not accepted");
			break;
		case OCPP_EVENT_DISCONNECTED:
			printk("E2E: disconnected\n");
			break;
		default:
			printk("E2E: event %d connector %d value %d %s\n", event.type, event.id_con,
			       event.value, event.name);
			break;
		}
	}
	return 0;
}

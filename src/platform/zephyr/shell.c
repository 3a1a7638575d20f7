/*
 * zephyr-ocpp: the `ocpp` shell command (CONFIG_OCPP_SHELL), on top of the C API of
 * <zephyr/net/ocpp.h> only:
 *
 *   ocpp status                              connection, registration, connectors, queues
 *   ocpp config get [key]                    one key, or every key this build knows
 *   ocpp config set <key> <value>            as the Central System's ChangeConfiguration
 *   ocpp connector <n> status <status> [error]   StatusNotification (OCPP names)
 *   ocpp authorize <idTag>                   Authorize; an accepted idTag waits for a start
 *   ocpp start <n> [meter_Wh]                StartTransaction for the last authorized idTag
 *   ocpp stop <n> [meter_Wh]                 StopTransaction of connector n
 *
 * Bad arguments print what is wrong and return -EINVAL; a refused call prints the library's
 * error and returns its negative errno.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zephyr/kernel.h>
#include <zephyr/net/ocpp.h>
#include <zephyr/shell/shell.h>

#define TIMEOUT_MS CONFIG_OCPP_SHELL_TIMEOUT_MS
#define KEY_MAX 51
#define VALUE_MAX 501

/* Sessions of the shell's user: one authorized and waiting for a start, and one per connector
 * that the shell started a transaction on. Shell commands may come from several backends.
 */
static K_MUTEX_DEFINE(shell_lock);
static ocpp_session_handle_t authorized;
/* The Central System (or the local list or cache) gave a verdict on the session's idTag. */
static bool answered;
static ocpp_session_handle_t started[CONFIG_OCPP_MAX_CONNECTORS + 1];

/* OCPP 1.6 names, in the order of the C enums. */
static const char *const status_names[] = {
	[OCPP_CONNECTOR_AVAILABLE] = "Available",
	[OCPP_CONNECTOR_PREPARING] = "Preparing",
	[OCPP_CONNECTOR_CHARGING] = "Charging",
	[OCPP_CONNECTOR_SUSPENDED_EVSE] = "SuspendedEVSE",
	[OCPP_CONNECTOR_SUSPENDED_EV] = "SuspendedEV",
	[OCPP_CONNECTOR_FINISHING] = "Finishing",
	[OCPP_CONNECTOR_RESERVED] = "Reserved",
	[OCPP_CONNECTOR_UNAVAILABLE] = "Unavailable",
	[OCPP_CONNECTOR_FAULTED] = "Faulted",
};

static const char *const error_names[] = {
	[OCPP_CONNECTOR_NO_ERROR] = "NoError",
	[OCPP_CONNECTOR_LOCK_FAILURE] = "ConnectorLockFailure",
	[OCPP_CONNECTOR_EV_COMMUNICATION_ERROR] = "EVCommunicationError",
	[OCPP_CONNECTOR_GROUND_FAILURE] = "GroundFailure",
	[OCPP_CONNECTOR_HIGH_TEMPERATURE] = "HighTemperature",
	[OCPP_CONNECTOR_INTERNAL_ERROR] = "InternalError",
	[OCPP_CONNECTOR_LOCAL_LIST_CONFLICT] = "LocalListConflict",
	[OCPP_CONNECTOR_OTHER_ERROR] = "OtherError",
	[OCPP_CONNECTOR_OVER_CURRENT_FAILURE] = "OverCurrentFailure",
	[OCPP_CONNECTOR_OVER_VOLTAGE] = "OverVoltage",
	[OCPP_CONNECTOR_POWER_METER_FAILURE] = "PowerMeterFailure",
	[OCPP_CONNECTOR_POWER_SWITCH_FAILURE] = "PowerSwitchFailure",
	[OCPP_CONNECTOR_READER_FAILURE] = "ReaderFailure",
	[OCPP_CONNECTOR_RESET_FAILURE] = "ResetFailure",
	[OCPP_CONNECTOR_UNDER_VOLTAGE] = "UnderVoltage",
	[OCPP_CONNECTOR_WEAK_SIGNAL] = "WeakSignal",
};

static const char *const auth_names[] = {
	[OCPP_AUTH_INVALID] = "Invalid",
	[OCPP_AUTH_ACCEPTED] = "Accepted",
	[OCPP_AUTH_BLOCKED] = "Blocked",
	[OCPP_AUTH_EXPIRED] = "Expired",
	[OCPP_AUTH_CONCURRENT_TX] = "ConcurrentTx",
};

static const char *const registration_names[] = {
	[OCPP_REGISTRATION_ACCEPTED] = "Accepted",
	[OCPP_REGISTRATION_PENDING] = "Pending",
	[OCPP_REGISTRATION_REJECTED] = "Rejected",
};

/* The errno values of the C API, in words (picolibc's strerror is optional). */
static const char *error_text(int err)
{
	switch (-err) {
	case EINVAL:
		return "invalid argument, or the library is not initialized";
	case EAGAIN:
		return "not registered, or no answer in time";
	case EBUSY:
		return "busy";
	case EACCES:
		return "refused";
	case ENOMEM:
		return "queue full";
	case EIO:
		return "the Central System answered with an error";
	case ENOENT:
		return "unknown key";
	case ENOSPC:
		return "value too long";
	default:
		return "error";
	}
}

static int failed(const struct shell *sh, const char *what, int err)
{
	shell_error(sh, "%s: %s (%d)", what, error_text(err), err);
	return err;
}

static int index_of(const char *const *names, size_t count, const char *name)
{
	for (size_t i = 0; i < count; i++) {
		if (names[i] != NULL && strcasecmp(names[i], name) == 0) {
			return (int)i;
		}
	}
	return -1;
}

/* A decimal number in [min, max]; prints why not and returns -EINVAL otherwise. */
static int parse_number(const struct shell *sh, const char *what, const char *text, long min,
			long max, long *out)
{
	char *end;
	long value;

	errno = 0;
	value = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || value < min || value > max) {
		shell_error(sh, "%s must be a number from %ld to %ld, not \"%s\"", what, min, max,
			    text);
		return -EINVAL;
	}
	*out = value;
	return 0;
}

static int parse_connector(const struct shell *sh, const char *text, long min, uint8_t *conn)
{
	long value;
	int ret = parse_number(sh, "connector", text, min, CONFIG_OCPP_MAX_CONNECTORS, &value);

	if (ret == 0) {
		*conn = (uint8_t)value;
	}
	return ret;
}

static int parse_meter(const struct shell *sh, size_t argc, char **argv, int *meter)
{
	long value = 0;
	int ret = argc > 2 ? parse_number(sh, "meter_Wh", argv[2], 0, INT32_MAX, &value) : 0;

	*meter = (int)value;
	return ret;
}

static int cmd_status(const struct shell *sh, size_t argc, char **argv)
{
	struct ocpp_status st;
	int ret = ocpp_get_status(&st);

	ARG_UNUSED(argc);
	ARG_UNUSED(argv);
	if (ret < 0) {
		return failed(sh, "status", ret);
	}
	shell_print(sh, "connection: %s",
		    st.online ? "online" : (st.connected ? "connected, not registered" : "offline"));
	shell_print(sh, "registration: %s",
		    st.registration >= 0 && st.registration < ARRAY_SIZE(registration_names)
			    ? registration_names[st.registration]
			    : "none");
	shell_print(sh, "transactions: %u running", st.transactions);
	shell_print(sh, "queue: %u transaction messages, %u other requests",
		    st.queued_transaction_messages, st.queued_requests);
	for (uint8_t c = 0; c <= st.num_connectors; c++) {
		struct ocpp_connector_state cs;

		ret = ocpp_get_connector_state(c, &cs);
		if (ret < 0) {
			return failed(sh, "connector state", ret);
		}
		const char *name = (unsigned int)cs.status < ARRAY_SIZE(status_names)
					   ? status_names[cs.status]
					   : "?";
		if (!cs.transaction) {
			shell_print(sh, "connector %u: %s", c, name);
		} else if (cs.transaction_id >= 0) {
			shell_print(sh, "connector %u: %s, transaction %d, idTag %s", c, name,
				    cs.transaction_id, cs.idtag);
		} else {
			shell_print(sh, "connector %u: %s, transaction pending, idTag %s", c, name,
				    cs.idtag);
		}
	}
	return 0;
}

/* With shell_lock held (the value buffer is shared). */
static int print_key(const struct shell *sh, const char *key)
{
	static char value[VALUE_MAX];
	bool readonly = false;
	int ret = ocpp_get_configuration(key, value, sizeof(value), &readonly);

	if (ret < 0) {
		return ret;
	}
	shell_print(sh, "%s = %s%s", key, value, readonly ? " (read-only)" : "");
	return 0;
}

static int config_get(const struct shell *sh, size_t argc, char **argv, char key[KEY_MAX]);

static int cmd_config_get(const struct shell *sh, size_t argc, char **argv)
{
	char key[KEY_MAX];
	int ret;

	k_mutex_lock(&shell_lock, K_FOREVER);
	ret = config_get(sh, argc, argv, key);
	k_mutex_unlock(&shell_lock);
	return ret;
}

static int config_get(const struct shell *sh, size_t argc, char **argv, char key[KEY_MAX])
{
	int ret;

	if (argc > 1) {
		ret = print_key(sh, argv[1]);
		if (ret == -ENOENT) {
			shell_error(sh, "unknown configuration key \"%s\"", argv[1]);
			return -EINVAL;
		}
		return ret < 0 ? failed(sh, argv[1], ret) : 0;
	}
	for (size_t i = 0; ocpp_configuration_key(i, key, KEY_MAX) == 0; i++) {
		ret = print_key(sh, key);
		if (ret < 0) {
			return failed(sh, key, ret);
		}
	}
	return 0;
}

static int cmd_config_set(const struct shell *sh, size_t argc, char **argv)
{
	bool reboot = false;
	int ret;

	ARG_UNUSED(argc);
	ret = ocpp_change_configuration(argv[1], argv[2], &reboot);
	switch (ret) {
	case 0:
		shell_print(sh, "%s = %s%s", argv[1], argv[2],
			    reboot ? " (takes effect after a reboot)" : "");
		return 0;
	case -ENOENT:
		shell_error(sh, "unknown configuration key \"%s\"", argv[1]);
		return -EINVAL;
	case -EACCES:
		shell_error(sh, "%s is read-only", argv[1]);
		return ret;
	case -EINVAL:
		shell_error(sh, "\"%s\" is not a valid value for %s", argv[2], argv[1]);
		return ret;
	default:
		return failed(sh, argv[1], ret);
	}
}

/* ocpp connector <n> status <status> [error] */
static int cmd_connector(const struct shell *sh, size_t argc, char **argv)
{
	int status;
	int error = OCPP_CONNECTOR_NO_ERROR;
	uint8_t conn;
	int ret = parse_connector(sh, argv[1], 0, &conn);

	if (ret < 0) {
		return ret;
	}
	if (strcmp(argv[2], "status") != 0) {
		shell_error(sh, "unknown connector command \"%s\" (try: status)", argv[2]);
		return -EINVAL;
	}
	status = index_of(status_names, ARRAY_SIZE(status_names), argv[3]);
	if (status < 0) {
		shell_error(sh, "unknown status \"%s\" (Available, Preparing, Charging, "
				"SuspendedEVSE, SuspendedEV, Finishing, Reserved, Unavailable, "
				"Faulted)", argv[3]);
		return -EINVAL;
	}
	if (argc > 4) {
		error = index_of(error_names, ARRAY_SIZE(error_names), argv[4]);
		if (error < 0) {
			shell_error(sh, "unknown error code \"%s\" (OCPP ChargePointErrorCode, "
					"e.g. NoError, GroundFailure)", argv[4]);
			return -EINVAL;
		}
	}
	ret = ocpp_set_connector_status(conn, status, error);
	if (ret < 0) {
		return failed(sh, "connector status", ret);
	}
	shell_print(sh, "connector %u: %s (%s)", conn, status_names[status], error_names[error]);
	return 0;
}

static int cmd_authorize(const struct shell *sh, size_t argc, char **argv)
{
	enum ocpp_auth_status status = OCPP_AUTH_INVALID;
	int ret;

	ARG_UNUSED(argc);
	if (strlen(argv[1]) > CISTR20) {
		shell_error(sh, "an idTag has at most %d characters", CISTR20);
		return -EINVAL;
	}
	k_mutex_lock(&shell_lock, K_FOREVER);
	ret = authorized == NULL ? ocpp_session_open(&authorized) : 0;
	if (ret < 0) {
		authorized = NULL;
		k_mutex_unlock(&shell_lock);
		return failed(sh, "session", ret);
	}
	ret = ocpp_authorize(authorized, argv[1], &status, TIMEOUT_MS);
	answered = ret == 0;
	k_mutex_unlock(&shell_lock);
	if (ret < 0) {
		return failed(sh, "authorize", ret);
	}
	shell_print(sh, "idTag %s: %s", argv[1],
		    (unsigned int)status < ARRAY_SIZE(auth_names) ? auth_names[status] : "?");
	return status == OCPP_AUTH_ACCEPTED ? 0 : -EACCES;
}

/* ocpp start <n> [meter_Wh] */
static int cmd_start(const struct shell *sh, size_t argc, char **argv)
{
	struct ocpp_transaction_info info = {0};
	uint8_t conn;
	int meter = 0;
	int ret = parse_connector(sh, argv[1], 1, &conn);

	if (ret == 0) {
		ret = parse_meter(sh, argc, argv, &meter);
	}
	if (ret < 0) {
		return ret;
	}
	k_mutex_lock(&shell_lock, K_FOREVER);
	if (authorized == NULL || !answered) {
		k_mutex_unlock(&shell_lock);
		shell_error(sh, "no idTag authorized: ocpp authorize <idTag> first");
		return -EINVAL;
	}
	ret = ocpp_start_transaction(authorized, meter, conn, TIMEOUT_MS);
	if (ret == 0) {
		(void)ocpp_get_transaction(authorized, &info);
		if (started[conn] != NULL) {
			/* Its transaction ended (the connector was free): release it. */
			ocpp_session_close(started[conn]);
		}
		started[conn] = authorized;
		authorized = NULL;
		answered = false;
	}
	k_mutex_unlock(&shell_lock);
	if (ret < 0) {
		return failed(sh, "start", ret);
	}
	if (info.state == OCPP_TX_CONFIRMED) {
		shell_print(sh, "connector %u: transaction %d started", conn, info.transaction_id);
	} else {
		shell_print(sh, "connector %u: transaction started, queued for the Central System",
			    conn);
	}
	return 0;
}

/* ocpp stop <n> [meter_Wh] */
static int cmd_stop(const struct shell *sh, size_t argc, char **argv)
{
	uint8_t conn;
	int meter = 0;
	int ret = parse_connector(sh, argv[1], 1, &conn);

	if (ret == 0) {
		ret = parse_meter(sh, argc, argv, &meter);
	}
	if (ret < 0) {
		return ret;
	}
	ret = ocpp_stop_connector_transaction(conn, meter, TIMEOUT_MS);
	if (ret == -EINVAL) {
		shell_error(sh, "no transaction on connector %u", conn);
		return ret;
	}
	if (ret < 0) {
		return failed(sh, "stop", ret);
	}
	k_mutex_lock(&shell_lock, K_FOREVER);
	if (started[conn] != NULL) {
		ocpp_session_close(started[conn]);
		started[conn] = NULL;
	}
	k_mutex_unlock(&shell_lock);
	shell_print(sh, "connector %u: transaction stopped", conn);
	return 0;
}

SHELL_STATIC_SUBCMD_SET_CREATE(
	ocpp_config_cmds,
	SHELL_CMD_ARG(get, NULL, "get [key]: one configuration key, or all", cmd_config_get, 1, 1),
	SHELL_CMD_ARG(set, NULL, "set <key> <value>: change a configuration key", cmd_config_set,
		      3, 0),
	SHELL_SUBCMD_SET_END);

SHELL_STATIC_SUBCMD_SET_CREATE(
	ocpp_cmds,
	SHELL_CMD_ARG(status, NULL, "connection, registration, connectors, queues", cmd_status, 1,
		      0),
	SHELL_CMD(config, &ocpp_config_cmds, "configuration keys", NULL),
	SHELL_CMD_ARG(connector, NULL,
		      "<n> status <status> [error]: report a connector status (OCPP names)",
		      cmd_connector, 4, 1),
	SHELL_CMD_ARG(authorize, NULL, "<idTag>: authorize an idTag for the next start",
		      cmd_authorize, 2, 0),
	SHELL_CMD_ARG(start, NULL, "<n> [meter_Wh]: start a transaction on connector n",
		      cmd_start, 2, 1),
	SHELL_CMD_ARG(stop, NULL, "<n> [meter_Wh]: stop the transaction on connector n", cmd_stop,
		      2, 1),
	SHELL_SUBCMD_SET_END);

SHELL_CMD_REGISTER(ocpp, &ocpp_cmds, "OCPP 1.6J charge point (zephyr-ocpp)", NULL);

/*
 * zephyr-ocpp: Zephyr side of the platform layer (see port.h).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <string.h>

#include <zephyr/kernel.h>
#include <zephyr/logging/log.h>
#include <zephyr/net/socket.h>
#include <zephyr/net/websocket.h>
#include <zephyr/net/ocpp.h>
#if defined(CONFIG_OCPP_RESET_REBOOT)
#include <zephyr/logging/log_ctrl.h>
#include <zephyr/sys/reboot.h>
#endif
#if defined(CONFIG_OCPP_ZBUS)
#include <zephyr/zbus/zbus.h>
#endif
#if defined(CONFIG_OCPP_SNTP)
#include <zephyr/net/sntp.h>
#endif
#if defined(CONFIG_OCPP_PERSISTENCE)
#include <zephyr/settings/settings.h>
#endif

#include "port.h"

LOG_MODULE_REGISTER(ocpp, CONFIG_OCPP_LOG_LEVEL);

/* A zephyr-lang-rust application (CONFIG_OCPP_RUST_APP) takes the engine's mutex, condition
 * variable and thread from the `zephyr` crate (src/platform/zephyr/kernel), so they are not
 * defined twice.
 */
#if !defined(CONFIG_OCPP_RUST_APP)
static K_MUTEX_DEFINE(engine_lock);
static K_CONDVAR_DEFINE(engine_changed);
/* Zephyr's C library ran two threads (internal and websocket reader); zephyr-ocpp runs one,
 * which gets both stack budgets: the engine's deepest path (answering GetConfiguration, with
 * serde on the stack) needs more than 4 KB on Cortex-M.
 */
static K_THREAD_STACK_DEFINE(ocpp_stack,
			     CONFIG_OCPP_INT_THREAD_STACKSIZE + CONFIG_OCPP_WSREADER_THREAD_STACKSIZE);
static struct k_thread ocpp_thread;
#endif

#if defined(CONFIG_OCPP_ZBUS)
ZBUS_CHAN_DEFINE(ocpp_event_chan, struct ocpp_event, NULL, NULL, ZBUS_OBSERVERS_EMPTY,
		 ZBUS_MSG_INIT(0));
#if defined(CONFIG_OCPP_PROFILE_SMART_CHARGE)
ZBUS_CHAN_DEFINE(ocpp_charging_limit_chan, struct ocpp_charging_limit, NULL, NULL,
		 ZBUS_OBSERVERS_EMPTY, ZBUS_MSG_INIT(0));
#endif
#endif

/* One connection at a time: the OCPP thread owns it. */
static struct {
	int tcp;
	int ws;
	/* HTTP upgrade scratch; the handshake answer must fit. */
	uint8_t http_buf[512];
} conn = {.tcp = -1, .ws = -1};

#if !defined(CONFIG_OCPP_RUST_APP)
int64_t ocpp_port_uptime_ms(void)
{
	return k_uptime_get();
}
#endif

int ocpp_port_sntp_time(int64_t *unix_ms)
{
#if defined(CONFIG_OCPP_SNTP)
	struct sntp_time ts;
	int ret = sntp_simple(CONFIG_OCPP_SNTP_SERVER, CONFIG_OCPP_SNTP_TIMEOUT_MS, &ts);

	if (ret < 0) {
		return ret;
	}
	*unix_ms = (int64_t)ts.seconds * 1000 + ((int64_t)ts.fraction * 1000 >> 32);
	return 0;
#else
	ARG_UNUSED(unix_ms);
	return -ENOTSUP;
#endif
}

int ocpp_port_ws_connect(const char *host, uint16_t port, int family, const char *path,
			 int32_t timeout_ms)
{
	static const char *const headers[] = {"Sec-WebSocket-Protocol: ocpp1.6\r\n", NULL};
	/* Only the families this build supports: sockaddr_storage is sized by the configuration. */
	union {
		struct sockaddr sa;
		struct sockaddr_in in4;
#if defined(CONFIG_NET_IPV6)
		struct sockaddr_in6 in6;
#endif
	} addr = {0};
	socklen_t addr_len;
	int ret;

	ocpp_port_ws_close();
	if (family == AF_INET6) {
#if defined(CONFIG_NET_IPV6)
		addr.in6.sin6_family = AF_INET6;
		addr.in6.sin6_port = htons(port);
		ret = zsock_inet_pton(AF_INET6, host, &addr.in6.sin6_addr);
		addr_len = sizeof(addr.in6);
#else
		return -EAFNOSUPPORT;
#endif
	} else {
		addr.in4.sin_family = AF_INET;
		addr.in4.sin_port = htons(port);
		ret = zsock_inet_pton(AF_INET, host, &addr.in4.sin_addr);
		addr_len = sizeof(addr.in4);
	}
	if (ret != 1) {
		return -EINVAL;
	}

	conn.tcp = zsock_socket(addr.sa.sa_family, SOCK_STREAM, IPPROTO_TCP);
	if (conn.tcp < 0) {
		return -errno;
	}
	if (zsock_connect(conn.tcp, &addr.sa, addr_len) < 0) {
		ret = -errno;
		ocpp_port_ws_close();
		return ret;
	}

	struct websocket_request req = {
		.host = host,
		.url = path,
		.optional_headers = (const char **)headers,
		.tmp_buf = conn.http_buf,
		.tmp_buf_len = sizeof(conn.http_buf),
	};

	conn.ws = websocket_connect(conn.tcp, &req, timeout_ms, NULL);
	if (conn.ws < 0) {
		ret = conn.ws;
		conn.ws = -1;
		ocpp_port_ws_close();
		return ret;
	}
	return 0;
}

int ocpp_port_ws_send(const uint8_t *data, size_t len, int32_t timeout_ms)
{
	if (conn.ws < 0) {
		return -ENOTCONN;
	}
	int ret = websocket_send_msg(conn.ws, data, len, WEBSOCKET_OPCODE_DATA_TEXT, true, true,
				     timeout_ms);

	return ret < 0 ? ret : 0;
}

int ocpp_port_ws_ping(int32_t timeout_ms)
{
	if (conn.ws < 0) {
		return -ENOTCONN;
	}
	int ret = websocket_send_msg(conn.ws, NULL, 0, WEBSOCKET_OPCODE_PING, true, true,
				     timeout_ms);

	return ret < 0 ? ret : 0;
}

int ocpp_port_ws_recv(uint8_t *buf, size_t cap, int32_t timeout_ms, uint64_t *total, bool *pong)
{
	int64_t deadline = k_uptime_get() + timeout_ms;

	*pong = false;

	if (conn.ws < 0) {
		return -ENOTCONN;
	}
	for (;;) {
		uint32_t type = 0;
		uint64_t remaining = 0;
		size_t got;
		int32_t wait = (int32_t)MAX(deadline - k_uptime_get(), 0);
		int ret = websocket_recv_msg(conn.ws, buf, cap, &type, &remaining, wait);

		if (ret < 0) {
			return ret;
		}
		got = ret;
		if (type & WEBSOCKET_FLAG_CLOSE) {
			return -ENOTCONN;
		}
		/* A message may arrive in several reads; what exceeds cap is read and dropped,
		 * and the caller refuses the frame: never cut silently.
		 */
		uint64_t size = got + remaining;

		while (remaining > 0) {
			uint8_t sink[64];
			bool keep = got < cap;
			uint8_t *dst = keep ? buf + got : sink;
			size_t room = keep ? cap - got : sizeof(sink);

			ret = websocket_recv_msg(conn.ws, dst, room, &type, &remaining, 1000);
			if (ret < 0) {
				return ret;
			}
			if (keep) {
				got += ret;
			}
		}
		if (type & WEBSOCKET_FLAG_PONG) {
			*pong = true;
			return -EAGAIN;
		}
		if (type & WEBSOCKET_FLAG_PING) {
			(void)websocket_send_msg(conn.ws, buf, MIN(got, 125),
						 WEBSOCKET_OPCODE_PONG, true, true, 1000);
			if (k_uptime_get() >= deadline) {
				return -EAGAIN;
			}
			continue;
		}
		if (!(type & WEBSOCKET_FLAG_TEXT)) {
			LOG_WRN("ignoring a non-text WebSocket message (flags 0x%x)", type);
			continue;
		}
		*total = size;
		return size > cap ? -EMSGSIZE : (int)size;
	}
}

void ocpp_port_ws_close(void)
{
	if (conn.ws >= 0) {
		(void)websocket_disconnect(conn.ws);
		conn.ws = -1;
		/* websocket_disconnect() closed the TCP socket as well. */
		conn.tcp = -1;
	}
	if (conn.tcp >= 0) {
		(void)zsock_close(conn.tcp);
		conn.tcp = -1;
	}
}

#if !defined(CONFIG_OCPP_RUST_APP)
void ocpp_port_lock(void)
{
	(void)k_mutex_lock(&engine_lock, K_FOREVER);
}

void ocpp_port_unlock(void)
{
	(void)k_mutex_unlock(&engine_lock);
}

int ocpp_port_wait(int32_t timeout_ms)
{
	return k_condvar_wait(&engine_changed, &engine_lock, K_MSEC(timeout_ms)) == 0 ? 0 : -EAGAIN;
}

void ocpp_port_notify_all(void)
{
	(void)k_condvar_broadcast(&engine_changed);
}

int ocpp_port_start_thread(void (*entry)(void *arg), void *arg)
{
	k_tid_t tid = k_thread_create(&ocpp_thread, ocpp_stack, K_THREAD_STACK_SIZEOF(ocpp_stack),
				      (k_thread_entry_t)entry, arg, NULL, NULL,
				      K_PRIO_PREEMPT(7), 0, K_NO_WAIT);

	k_thread_name_set(tid, "ocpp");
	return 0;
}

int ocpp_port_join_thread(int32_t timeout_ms)
{
	return k_thread_join(&ocpp_thread, K_MSEC(timeout_ms)) == 0 ? 0 : -EAGAIN;
}

bool ocpp_port_on_ocpp_thread(void)
{
	return k_current_get() == &ocpp_thread;
}

#endif

void ocpp_port_reboot(bool cold)
{
#if defined(CONFIG_OCPP_RESET_REBOOT)
	LOG_INF("reset: rebooting (%s)", cold ? "cold" : "warm");
	LOG_PANIC(); /* flush the log before the reboot */
	sys_reboot(cold ? SYS_REBOOT_COLD : SYS_REBOOT_WARM);
#else
	ARG_UNUSED(cold);
#endif
}

#if !defined(CONFIG_OCPP_RUST_APP)
void ocpp_port_sleep_ms(int32_t ms)
{
	k_msleep(ms);
}
#endif

void ocpp_port_log(int level, const char *msg, size_t len)
{
	int n = (int)MIN(len, 200);

	switch (level) {
	case 1:
		LOG_ERR("%.*s", n, msg);
		break;
	case 2:
		LOG_WRN("%.*s", n, msg);
		break;
	case 3:
		LOG_INF("%.*s", n, msg);
		break;
	default:
		LOG_DBG("%.*s", n, msg);
		break;
	}
}

void ocpp_port_publish_limit(const void *limit, size_t size)
{
#if defined(CONFIG_OCPP_ZBUS) && defined(CONFIG_OCPP_PROFILE_SMART_CHARGE)
	if (size == sizeof(struct ocpp_charging_limit)) {
		(void)zbus_chan_pub(&ocpp_charging_limit_chan, limit, K_NO_WAIT);
	}
#else
	ARG_UNUSED(limit);
	ARG_UNUSED(size);
#endif
}

void ocpp_port_publish(const void *event, size_t size)
{
#if defined(CONFIG_OCPP_ZBUS)
	if (size == sizeof(struct ocpp_event)) {
		(void)zbus_chan_pub(&ocpp_event_chan, event, K_NO_WAIT);
	}
#else
	ARG_UNUSED(event);
	ARG_UNUSED(size);
#endif
}

void ocpp_port_abi_sizes(size_t sizes[5])
{
	sizes[0] = sizeof(union ocpp_io_value);
	sizes[1] = sizeof(struct ocpp_cp_info);
	sizes[2] = sizeof(struct ocpp_cs_info);
	sizes[3] = sizeof(struct ocpp_event);
	sizes[4] = sizeof(enum ocpp_auth_status);
}

void ocpp_port_panic(const char *msg, size_t len)
{
	LOG_ERR("panic: %.*s", (int)MIN(len, 200), msg);
	k_panic();
	CODE_UNREACHABLE;
}

#if defined(CONFIG_OCPP_PERSISTENCE)
#define STORE_SUBTREE "ocpp"
/* "ocpp/" + the engine's key (at most 16 bytes) + NUL. */
#define STORE_NAME_MAX (sizeof(STORE_SUBTREE) + 17)

static int store_name(char *name, const char *key)
{
	int n = snprintk(name, STORE_NAME_MAX, STORE_SUBTREE "/%s", key);

	return (n < 0 || n >= (int)STORE_NAME_MAX) ? -EINVAL : 0;
}

static int store_ready(void)
{
	/* Idempotent: the first call mounts the backend on the storage partition. */
	return settings_subsys_init();
}

int ocpp_port_store_save(const char *key, const uint8_t *data, size_t len)
{
	char name[STORE_NAME_MAX];
	int ret = store_name(name, key);

	if (ret == 0) {
		ret = store_ready();
	}
	return ret == 0 ? settings_save_one(name, data, len) : ret;
}

int ocpp_port_store_delete(const char *key)
{
	char name[STORE_NAME_MAX];
	int ret = store_name(name, key);

	if (ret == 0) {
		ret = store_ready();
	}
	return ret == 0 ? settings_delete(name) : ret;
}

struct store_loader {
	void (*record)(void *ctx, const char *key, const uint8_t *data, size_t len);
	void *ctx;
	uint8_t *buf;
	size_t cap;
};

static int store_load_one(const char *key, size_t len, settings_read_cb read_cb, void *cb_arg,
			  void *param)
{
	struct store_loader *loader = param;

	if (key == NULL) {
		return 0;
	}
	if (len > loader->cap) {
		loader->record(loader->ctx, key, NULL, SIZE_MAX);
		return 0;
	}
	ssize_t n = read_cb(cb_arg, loader->buf, len);

	if (n >= 0) {
		loader->record(loader->ctx, key, loader->buf, (size_t)n);
	}
	return 0;
}

int ocpp_port_store_load(void (*record)(void *ctx, const char *key, const uint8_t *data,
					size_t len),
			 void *ctx, uint8_t *buf, size_t cap)
{
	struct store_loader loader = {.record = record, .ctx = ctx, .buf = buf, .cap = cap};
	int ret = store_ready();

	return ret == 0 ? settings_load_subtree_direct(STORE_SUBTREE, store_load_one, &loader)
			: ret;
}
#else
int ocpp_port_store_save(const char *key, const uint8_t *data, size_t len)
{
	ARG_UNUSED(key);
	ARG_UNUSED(data);
	ARG_UNUSED(len);
	return -ENOTSUP;
}

int ocpp_port_store_delete(const char *key)
{
	ARG_UNUSED(key);
	return -ENOTSUP;
}

int ocpp_port_store_load(void (*record)(void *ctx, const char *key, const uint8_t *data,
					size_t len),
			 void *ctx, uint8_t *buf, size_t cap)
{
	ARG_UNUSED(record);
	ARG_UNUSED(ctx);
	ARG_UNUSED(buf);
	ARG_UNUSED(cap);
	return -ENOTSUP;
}
#endif /* CONFIG_OCPP_PERSISTENCE */

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
#include <zephyr/sys/base64.h>
#if defined(CONFIG_OCPP_TLS)
#include <zephyr/init.h>
#include <zephyr/net/tls_credentials.h>
#endif

#if defined(CONFIG_OCPP_PROFILE_CERTIFICATE_SIGNING)
#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_csr.h>
#include <zephyr/random/random.h>
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

/* Security Profiles: set by ocpp_port_ws_security() before each connect. */
static struct {
	int profile;
	/* "Authorization: Basic " + base64("<id>:<password>") + CRLF; id <= 64, password <= 40. */
	char auth_header[24 + 4 * ((64 + 1 + 40 + 2) / 3) + 3];
} security;

int ocpp_port_ws_security(int profile, const char *cp_id, const char *password)
{
	char plain[64 + 1 + 40 + 1];
	size_t used = 0;
	int n;

	if (profile < 0 || profile > 3) {
		return -EINVAL;
	}
	if (profile >= 2 && !IS_ENABLED(CONFIG_OCPP_TLS)) {
		return -ENOTSUP;
	}
	security.profile = profile;
	security.auth_header[0] = '\0';
	if (password == NULL) {
		return 0;
	}
	n = snprintk(plain, sizeof(plain), "%s:%s", cp_id, password);
	if (n < 0 || (size_t)n >= sizeof(plain)) {
		return -EINVAL;
	}
	strcpy(security.auth_header, "Authorization: Basic ");
	used = strlen(security.auth_header);
	if (base64_encode((uint8_t *)security.auth_header + used,
			  sizeof(security.auth_header) - used - 3, &used, (const uint8_t *)plain,
			  (size_t)n) != 0) {
		security.auth_header[0] = '\0';
		return -EINVAL;
	}
	strcat(security.auth_header, "\r\n");
	return 0;
}

const char *ocpp_port_authorization_key(void)
{
#if defined(CONFIG_OCPP_AUTHORIZATION_KEY)
	return CONFIG_OCPP_AUTHORIZATION_KEY;
#else
	return "";
#endif
}

#if defined(CONFIG_OCPP_TLS)
/* The credential files of Kconfig, embedded at build time (CMakeLists.txt); NUL-terminated so
 * a PEM file parses (its length includes the NUL, as mbedTLS wants).
 */
#if defined(OCPP_CA_CERT_INC)
static const unsigned char ca_cert[] = {
#include OCPP_CA_CERT_INC
	0};
#endif
#if defined(OCPP_CLIENT_CERT_INC) && defined(OCPP_CLIENT_KEY_INC)
static const unsigned char client_cert[] = {
#include OCPP_CLIENT_CERT_INC
	0};
static const unsigned char client_key[] = {
#include OCPP_CLIENT_KEY_INC
	0};
#endif
static bool have_ca, have_client;

#if defined(CONFIG_OCPP_PROFILE_CERTIFICATES)
#define INSTALLED_ROOTS CONFIG_OCPP_CERTIFICATE_STORE_MAX
#else
#define INSTALLED_ROOTS 0
#endif
/* The tag of the library's credentials, then one per installed CentralSystemRootCertificate. */
static sec_tag_t tls_tags[1 + INSTALLED_ROOTS] = {CONFIG_OCPP_TLS_SEC_TAG};
static size_t tls_tag_count = 1;

int ocpp_port_tls_installed_roots(const uint8_t *const *ders, const size_t *lens, size_t count)
{
	size_t registered = 0;

	if (count > INSTALLED_ROOTS || (count > 0 && (ders == NULL || lens == NULL))) {
		return -EINVAL;
	}
	for (size_t i = 0; i < INSTALLED_ROOTS; i++) {
		sec_tag_t tag = CONFIG_OCPP_TLS_SEC_TAG + 1 + i;

		(void)tls_credential_delete(tag, TLS_CREDENTIAL_CA_CERTIFICATE);
		if (i < count && tls_credential_add(tag, TLS_CREDENTIAL_CA_CERTIFICATE, ders[i],
						    lens[i]) == 0) {
			tls_tags[1 + registered++] = tag;
		}
	}
	tls_tag_count = 1 + registered;
	return registered == count ? 0 : -ENOMEM;
}

static int register_credentials(void)
{
	int ret = 0;

#if defined(OCPP_CA_CERT_INC)
	ret = tls_credential_add(CONFIG_OCPP_TLS_SEC_TAG, TLS_CREDENTIAL_CA_CERTIFICATE, ca_cert,
				 sizeof(ca_cert));
	have_ca = ret == 0;
	if (ret < 0) {
		LOG_ERR("CA certificate not registered (%d)", ret);
	}
#endif
#if defined(OCPP_CLIENT_CERT_INC) && defined(OCPP_CLIENT_KEY_INC)
	ret = tls_credential_add(CONFIG_OCPP_TLS_SEC_TAG, TLS_CREDENTIAL_PUBLIC_CERTIFICATE,
				 client_cert, sizeof(client_cert));
	if (ret == 0) {
		ret = tls_credential_add(CONFIG_OCPP_TLS_SEC_TAG, TLS_CREDENTIAL_PRIVATE_KEY,
					 client_key, sizeof(client_key));
	}
	have_client = ret == 0;
	if (ret < 0) {
		LOG_ERR("client certificate not registered (%d)", ret);
	}
#endif
	return 0;
}
SYS_INIT(register_credentials, APPLICATION, CONFIG_APPLICATION_INIT_PRIORITY);

int ocpp_port_tls_builtin_client(void)
{
	(void)tls_credential_delete(CONFIG_OCPP_TLS_SEC_TAG, TLS_CREDENTIAL_PUBLIC_CERTIFICATE);
	(void)tls_credential_delete(CONFIG_OCPP_TLS_SEC_TAG, TLS_CREDENTIAL_PRIVATE_KEY);
	have_client = false;
#if defined(OCPP_CLIENT_CERT_INC) && defined(OCPP_CLIENT_KEY_INC)
	int ret = tls_credential_add(CONFIG_OCPP_TLS_SEC_TAG, TLS_CREDENTIAL_PUBLIC_CERTIFICATE,
				     client_cert, sizeof(client_cert));

	if (ret == 0) {
		ret = tls_credential_add(CONFIG_OCPP_TLS_SEC_TAG, TLS_CREDENTIAL_PRIVATE_KEY,
					 client_key, sizeof(client_key));
	}
	have_client = ret == 0;
	return ret;
#else
	return 0;
#endif
}

int ocpp_port_tls_credential_set(int kind, const void *data, size_t len)
{
	static const enum tls_credential_type types[] = {
		TLS_CREDENTIAL_CA_CERTIFICATE,
		TLS_CREDENTIAL_PUBLIC_CERTIFICATE,
		TLS_CREDENTIAL_PRIVATE_KEY,
	};
	int ret;

	if (kind < 0 || kind >= (int)ARRAY_SIZE(types) || data == NULL || len == 0) {
		return -EINVAL;
	}
	/* Replaces what the tag held (a Kconfig file or an earlier call); the next connection
	 * parses it (a running one keeps its own parsed copy).
	 */
	(void)tls_credential_delete(CONFIG_OCPP_TLS_SEC_TAG, types[kind]);
	ret = tls_credential_add(CONFIG_OCPP_TLS_SEC_TAG, types[kind], data, len);
	if (kind == 0) {
		have_ca = ret == 0;
	} else {
		have_client = false;
	}
	return ret;
}

/* Credentials registered by the application itself under the same tag count too. */
static bool tag_has(enum tls_credential_type type)
{
	size_t len = 0;

	return tls_credential_get(CONFIG_OCPP_TLS_SEC_TAG, type, NULL, &len) == -EFBIG;
}
#endif

#if !defined(CONFIG_OCPP_TLS)
int ocpp_port_tls_installed_roots(const uint8_t *const *ders, const size_t *lens, size_t count)
{
	ARG_UNUSED(ders);
	ARG_UNUSED(lens);
	return count == 0 ? 0 : -ENOTSUP;
}

int ocpp_port_tls_credential_set(int kind, const void *data, size_t len)
{
	ARG_UNUSED(kind);
	ARG_UNUSED(data);
	ARG_UNUSED(len);
	return -ENOTSUP;
}
#endif

void ocpp_port_tls_provisioned(bool *ca, bool *client)
{
#if defined(CONFIG_OCPP_TLS)
	*ca = have_ca || tag_has(TLS_CREDENTIAL_CA_CERTIFICATE) || tls_tag_count > 1;
	*client = have_client || (tag_has(TLS_CREDENTIAL_PUBLIC_CERTIFICATE) &&
				  tag_has(TLS_CREDENTIAL_PRIVATE_KEY));
#else
	*ca = false;
	*client = false;
#endif
}

#if defined(CONFIG_OCPP_TLS)
/* A TLS 1.2+ socket verifying the Central System (CA of the tag, and the hostname).
 *
 * Verification is "optional" for mbedTLS so that its result survives the handshake: with
 * "required" a failed check resets the session and connect() says -ECONNABORTED whatever the
 * reason. ocpp_port_ws_connect() reads the result right after the handshake and closes the
 * socket, before anything is sent, unless it is 0: the Central System is still verified.
 */
static int tls_socket(int family, const char *host)
{
	int verify = TLS_PEER_VERIFY_OPTIONAL;
	int fd = zsock_socket(family, SOCK_STREAM, IPPROTO_TLS_1_2);

	if (fd < 0) {
		return -errno;
	}
	if (zsock_setsockopt(fd, SOL_TLS, TLS_SEC_TAG_LIST, tls_tags,
			     tls_tag_count * sizeof(tls_tags[0])) < 0 ||
	    zsock_setsockopt(fd, SOL_TLS, TLS_HOSTNAME, host, strlen(host)) < 0 ||
	    zsock_setsockopt(fd, SOL_TLS, TLS_PEER_VERIFY, &verify, sizeof(verify)) < 0) {
		int ret = -errno;

		zsock_close(fd);
		return ret;
	}
	return fd;
}
#endif

/* The upgrade answer's status (401: Basic Auth refused), seen from its first header. */
static unsigned int upgrade_status;

static int on_upgrade_header(struct http_parser *parser, const char *at, size_t length)
{
	ARG_UNUSED(at);
	ARG_UNUSED(length);
	upgrade_status = parser->status_code;
	return 0;
}

static const struct http_parser_settings upgrade_callbacks = {
	.on_header_field = on_upgrade_header,
};

int ocpp_port_ws_connect(const char *host, uint16_t port, int family, const char *path,
			 int32_t timeout_ms)
{
	/* The subprotocol, then Basic Auth when set (ocpp_port_ws_security). */
	const char *headers[] = {"Sec-WebSocket-Protocol: ocpp1.6\r\n", NULL, NULL};
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

#if defined(CONFIG_OCPP_TLS)
	if (security.profile >= 2) {
		conn.tcp = tls_socket(addr.sa.sa_family, host);
		if (conn.tcp < 0) {
			ret = conn.tcp;
			conn.tcp = -1;
			return ret;
		}
	} else
#endif
	{
		conn.tcp = zsock_socket(addr.sa.sa_family, SOCK_STREAM, IPPROTO_TCP);
		if (conn.tcp < 0) {
			return -errno;
		}
	}
	if (security.auth_header[0] != '\0') {
		headers[1] = security.auth_header;
	}
	if (zsock_connect(conn.tcp, &addr.sa, addr_len) < 0) {
		ret = -errno;
		/* A TLS handshake that failed for another reason than the Central System's
		 * certificate (version, cipher suite, our certificate refused): -ECONNABORTED.
		 */
		ocpp_port_ws_close();
		return ret;
	}
#if defined(CONFIG_OCPP_TLS)
	if (security.profile >= 2) {
		uint32_t flags = UINT32_MAX;
		socklen_t flags_len = sizeof(flags);

		/* Nothing has been sent yet: a certificate that did not verify ends it here. */
		if (zsock_getsockopt(conn.tcp, SOL_TLS, TLS_CERT_VERIFY_RESULT, &flags, &flags_len) <
			    0 ||
		    flags != 0) {
			LOG_WRN("Central System certificate not verified (flags 0x%x)", flags);
			ocpp_port_ws_close();
			return -EACCES;
		}
	}
#endif

	struct websocket_request req = {
		.host = host,
		.url = path,
		.optional_headers = (const char **)headers,
		.http_cb = &upgrade_callbacks,
		.tmp_buf = conn.http_buf,
		.tmp_buf_len = sizeof(conn.http_buf),
	};

	upgrade_status = 0;
	conn.ws = websocket_connect(conn.tcp, &req, timeout_ms, NULL);
	/* Zephyr 4.3's client does not check the status, and a reused context keeps the previous
	 * handshake's "Sec-WebSocket-Accept verified": anything but 101 is a refusal.
	 */
	if (conn.ws >= 0 && upgrade_status != 101) {
		ocpp_port_ws_close();
		conn.ws = -ECONNABORTED;
	}
	if (conn.ws < 0) {
		ret = upgrade_status == 401 ? -EPERM : conn.ws;
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

/* How long ocpp_port_ws_close() lets the last frames leave before closing. */
#define CLOSE_LINGER_MS 100

void ocpp_port_ws_close(void)
{
	if (conn.ws >= 0) {
		/* The last frame sent may be the answer to the request that causes this close (a
		 * CertificateSigned or credentials change reconnects at once): closing right after
		 * it lost it on native_sim's TLS over offloaded sockets, so it gets time to leave.
		 */
		k_msleep(CLOSE_LINGER_MS);
		(void)websocket_disconnect(conn.ws);
		conn.ws = -1;
		/* websocket_disconnect() leaves the underlying socket open (as Zephyr's websocket
		 * client sample shows, the application closes it): a TLS socket's context would
		 * otherwise stay taken and the next connect fail with -ENOMEM.
		 */
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

#if defined(CONFIG_OCPP_PROFILE_CERTIFICATE_SIGNING)
/* The key of the last CSR: it never leaves the device. */
static mbedtls_pk_context csr_key;
static bool csr_key_set;

/* The keys as PEM (a P-256 "EC PRIVATE KEY" is 227 bytes): the last CSR's, and the one of the
 * signed certificate in use (TLS credentials keep a pointer). With CONFIG_OCPP_PERSISTENCE they
 * are also in the settings subtree "ocpp_key", outside the engine's records: the engine never
 * sees a private key.
 */
static struct {
	bool loaded;
	char pending[256];
	char active[256];
} client_keys;

#if defined(CONFIG_OCPP_PERSISTENCE)
static int client_key_load_one(const char *name, size_t len, settings_read_cb read_cb,
			       void *cb_arg, void *param)
{
	char *dst = strcmp(name, "pending") == 0  ? client_keys.pending
		    : strcmp(name, "active") == 0 ? client_keys.active
						  : NULL;

	ARG_UNUSED(param);
	if (dst != NULL && len < sizeof(client_keys.pending)) {
		ssize_t got = read_cb(cb_arg, dst, len);

		dst[got == (ssize_t)len ? len : 0] = '\0';
	}
	return 0;
}
#endif

static void client_keys_load(void)
{
	if (client_keys.loaded) {
		return;
	}
	client_keys.loaded = true;
#if defined(CONFIG_OCPP_PERSISTENCE)
	if (settings_subsys_init() == 0) {
		(void)settings_load_subtree_direct("ocpp_key", client_key_load_one, NULL);
	}
#endif
}

static void client_key_save(const char *which, const char *pem)
{
#if defined(CONFIG_OCPP_PERSISTENCE)
	char name[sizeof("ocpp_key/pending")];
	int ret;

	snprintk(name, sizeof(name), "ocpp_key/%s", which);
	ret = settings_save_one(name, pem, strlen(pem));
	if (ret < 0) {
		LOG_ERR("client key %s not stored (%d)", which, ret);
	}
#else
	ARG_UNUSED(which);
	ARG_UNUSED(pem);
#endif
}

static int csr_random(void *ctx, unsigned char *buf, size_t len)
{
	ARG_UNUSED(ctx);
#if defined(CONFIG_CSPRNG_ENABLED)
	return sys_csrand_get(buf, len) == 0 ? 0 : MBEDTLS_ERR_ECP_RANDOM_FAILED;
#else
	ARG_UNUSED(buf);
	ARG_UNUSED(len);
	return MBEDTLS_ERR_ECP_RANDOM_FAILED;
#endif
}

/* Appends "key=value" to an mbedTLS subject string, escaping as RFC 4514 requires. */
static bool dn_append(char *dn, size_t cap, size_t *at, const char *key, const char *value)
{
	if (*at > 0) {
		if (*at + 1 >= cap) {
			return false;
		}
		dn[(*at)++] = ',';
	}
	for (; *key != '\0'; key++) {
		if (*at + 1 >= cap) {
			return false;
		}
		dn[(*at)++] = *key;
	}
	for (; *value != '\0'; value++) {
		if (*at + 2 >= cap) {
			return false;
		}
		if (strchr(",+\"\\<>;=", *value) != NULL) {
			dn[(*at)++] = '\\';
		}
		dn[(*at)++] = *value;
	}
	dn[*at] = '\0';
	return true;
}

int ocpp_port_csr_generate(const char *common_name, const char *organization, uint8_t *out,
			   size_t cap)
{
	/* CN and O of at most 64 characters each, every one possibly escaped. */
	char subject[2 * 2 * 64 + 16];
	size_t at = 0;
	mbedtls_x509write_csr req;
	int ret;

	if (!IS_ENABLED(CONFIG_CSPRNG_ENABLED)) {
		return -ENOTSUP;
	}
	if (!dn_append(subject, sizeof(subject), &at, "CN=", common_name) ||
	    (organization[0] != '\0' &&
	     !dn_append(subject, sizeof(subject), &at, "O=", organization))) {
		return -ENOMEM;
	}
	if (csr_key_set) {
		mbedtls_pk_free(&csr_key);
		csr_key_set = false;
	}
	mbedtls_pk_init(&csr_key);
	ret = mbedtls_pk_setup(&csr_key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
	if (ret == 0) {
		ret = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(csr_key),
					  csr_random, NULL);
	}
	if (ret != 0) {
		LOG_ERR("CSR key generation failed (-0x%04x)", (unsigned int)-ret);
		mbedtls_pk_free(&csr_key);
		return -EIO;
	}
	mbedtls_x509write_csr_init(&req);
	mbedtls_x509write_csr_set_md_alg(&req, MBEDTLS_MD_SHA256);
	mbedtls_x509write_csr_set_key(&req, &csr_key);
	ret = mbedtls_x509write_csr_set_subject_name(&req, subject);
	if (ret == 0) {
		ret = mbedtls_x509write_csr_pem(&req, out, cap, csr_random, NULL);
	}
	mbedtls_x509write_csr_free(&req);
	if (ret != 0) {
		LOG_ERR("CSR writing failed (-0x%04x)", (unsigned int)-ret);
		mbedtls_pk_free(&csr_key);
		return ret == MBEDTLS_ERR_ASN1_BUF_TOO_SMALL ? -ENOMEM : -EIO;
	}
	csr_key_set = true;
	if (mbedtls_pk_write_key_pem(&csr_key, (unsigned char *)client_keys.pending,
				     sizeof(client_keys.pending)) != 0) {
		client_keys.pending[0] = '\0';
	}
	client_key_save("pending", client_keys.pending);
	/* mbedtls_x509write_csr_pem wrote a NUL-terminated string into out. */
	return (int)strlen((const char *)out);
}

/* Registers the leaf (DER, kept by pointer) and the active key under the library's tag. */
static int register_signed_client_certificate(const uint8_t *leaf_der, size_t len)
{
	int ret;

	(void)tls_credential_delete(CONFIG_OCPP_TLS_SEC_TAG, TLS_CREDENTIAL_PUBLIC_CERTIFICATE);
	(void)tls_credential_delete(CONFIG_OCPP_TLS_SEC_TAG, TLS_CREDENTIAL_PRIVATE_KEY);
	ret = tls_credential_add(CONFIG_OCPP_TLS_SEC_TAG, TLS_CREDENTIAL_PUBLIC_CERTIFICATE,
				 leaf_der, len);
	if (ret == 0) {
		ret = tls_credential_add(CONFIG_OCPP_TLS_SEC_TAG, TLS_CREDENTIAL_PRIVATE_KEY,
					 client_keys.active, strlen(client_keys.active) + 1);
	}
	if (ret < 0) {
		LOG_ERR("signed client certificate not registered (%d)", ret);
	}
	return ret;
}

int ocpp_port_client_certificate_use(const uint8_t *leaf_der, size_t len, bool from_pending)
{
	if (leaf_der == NULL || len == 0) {
		return -EINVAL;
	}
	client_keys_load();
	if (from_pending) {
		if (client_keys.pending[0] == '\0') {
			return -ENOENT;
		}
		memcpy(client_keys.active, client_keys.pending, sizeof(client_keys.active));
		client_key_save("active", client_keys.active);
	} else if (client_keys.active[0] == '\0') {
		return -ENOENT;
	}
	return register_signed_client_certificate(leaf_der, len);
}
#else
int ocpp_port_client_certificate_use(const uint8_t *leaf_der, size_t len, bool from_pending)
{
	ARG_UNUSED(leaf_der);
	ARG_UNUSED(len);
	ARG_UNUSED(from_pending);
	return -ENOTSUP;
}
#endif /* CONFIG_OCPP_PROFILE_CERTIFICATE_SIGNING */

/*
 * zephyr-ocpp: the Zephyr services used by the Rust platform layer (src/platform/zephyr/mod.rs),
 * as plain functions. Zephyr's own APIs are macros and inline syscalls that Rust cannot call;
 * this header is what bindgen turns into the Rust declarations (build.rs), so it only uses
 * standard C types.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef ZEPHYR_OCPP_PORT_H_
#define ZEPHYR_OCPP_PORT_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Milliseconds since boot (k_uptime_get). */
int64_t ocpp_port_uptime_ms(void);

/** Wall-clock time from SNTP: 0 and *unix_ms, or a negative errno (also when SNTP is off). */
int ocpp_port_sntp_time(int64_t *unix_ms);

/**
 * Opens a TCP connection to host:port (an IPv4 or IPv6 address literal; family is the
 * application's sa_family, AF_INET or AF_INET6) and a WebSocket with subprotocol ocpp1.6 at
 * path. Returns 0, or a negative errno: -EPERM when the Central System answered 401 (Basic Auth
 * refused), -ECONNABORTED when the TLS handshake failed (any reason) or the upgrade was refused.
 */
int ocpp_port_ws_connect(const char *host, uint16_t port, int family, const char *path,
			 int32_t timeout_ms);

/**
 * Security Profiles: how the next ocpp_port_ws_connect() connects. profile 0..3: 2 and 3 use a
 * TLS 1.2+ socket with the credentials of CONFIG_OCPP_TLS_SEC_TAG (peer and hostname verified);
 * password (profiles 1 and 2, NULL: none) is sent as HTTP Basic Auth with user cp_id.
 * 0, -EINVAL (too long) or -ENOTSUP (TLS asked, CONFIG_OCPP_TLS off).
 */
int ocpp_port_ws_security(int profile, const char *cp_id, const char *password);

/**
 * What the TLS credentials registered at start (the CONFIG_OCPP_*_FILE files) provide: a CA
 * certificate (profiles 2, 3) and a client certificate with its key (profile 3).
 */
void ocpp_port_tls_provisioned(bool *ca, bool *client);

/**
 * Registers a TLS credential under CONFIG_OCPP_TLS_SEC_TAG, replacing the tag's one of that
 * kind (0 CA certificate, 1 client certificate, 2 client private key). The buffer is kept by
 * pointer. 0, -EINVAL, -ENOTSUP without CONFIG_OCPP_TLS, or tls_credential_add's error.
 */
int ocpp_port_tls_credential_set(int kind, const void *data, size_t len);

/**
 * The installed CentralSystemRootCertificates (the engine's store, DER, kept by pointer: they
 * must stay valid until the next call), registered as CA certificates under the tags after
 * CONFIG_OCPP_TLS_SEC_TAG and trusted from the next connection besides the tag's own. 0,
 * -EINVAL (more than CONFIG_OCPP_CERTIFICATE_STORE_MAX), -ENOMEM (a credential slot missing:
 * CONFIG_TLS_MAX_CREDENTIALS_NUMBER) or -ENOTSUP without CONFIG_OCPP_TLS.
 */
int ocpp_port_tls_installed_roots(const uint8_t *const *ders, const size_t *lens, size_t count);

/**
 * The client certificate of CONFIG_OCPP_CLIENT_CERT_FILE/KEY_FILE registered again (or none):
 * after the Central System refused the one it signed. 0 or tls_credential_add's error.
 */
int ocpp_port_tls_builtin_client(void);

/**
 * Certificate signing (CONFIG_OCPP_PROFILE_CERTIFICATE_SIGNING, mbedTLS): generates a new ECDSA
 * P-256 key pair (kept in RAM by the port, never exported) and writes into out a PEM PKCS#10
 * request signed with it, subject CN=common_name, O=organization (omitted when empty), NUL
 * terminated. Returns the PEM's length, or -ENOTSUP (no random source), -ENOMEM (cap too
 * small) or -EIO (mbedTLS failed).
 */
int ocpp_port_csr_generate(const char *common_name, const char *organization, uint8_t *out,
			   size_t cap);

/**
 * Uses the signed certificate leaf_der (DER, kept by pointer: it must stay valid) with the
 * pending key of the last request (from_pending: the Central System's CertificateSigned) or the
 * active key (at start, the stored certificate), registered under CONFIG_OCPP_TLS_SEC_TAG for
 * the next connection. 0, -EINVAL, -ENOENT (no such key) or tls_credential_add's error.
 */
int ocpp_port_client_certificate_use(const uint8_t *leaf_der, size_t len, bool from_pending);

/** CONFIG_OCPP_AUTHORIZATION_KEY ("" when none). */
const char *ocpp_port_authorization_key(void);

/** Sends one text frame. 0 or a negative errno. */
int ocpp_port_ws_send(const uint8_t *data, size_t len, int32_t timeout_ms);

/** Sends a WebSocket ping (WebSocketPingInterval). 0 or a negative errno. */
int ocpp_port_ws_ping(int32_t timeout_ms);

/**
 * Receives one whole text message into buf.
 * Returns its length; -EMSGSIZE when it is larger than cap (buf holds its beginning, the rest
 * is read and dropped, *total is its size); -EAGAIN when nothing arrived within timeout_ms;
 * -ENOTCONN when the connection closed; another negative errno on failure.
 * PINGs are answered with PONGs here and do not end the wait; a PONG ends it with -EAGAIN
 * and *pong set (the Central System is alive).
 */
int ocpp_port_ws_recv(uint8_t *buf, size_t cap, int32_t timeout_ms, uint64_t *total, bool *pong);

/** Closes the WebSocket and its TCP connection (harmless when none is open). */
void ocpp_port_ws_close(void);

/** The lock that guards the engine; the blocking C API waits on its condition. */
void ocpp_port_lock(void);
void ocpp_port_unlock(void);
/** With the lock held: waits for ocpp_port_notify_all(). 0, or -EAGAIN on timeout. */
int ocpp_port_wait(int32_t timeout_ms);
void ocpp_port_notify_all(void);

/** Starts the OCPP thread (stack CONFIG_OCPP_INT_THREAD_STACKSIZE) running entry(arg). */
int ocpp_port_start_thread(void (*entry)(void *arg), void *arg);

/** Waits for the OCPP thread to end: 0, or -EAGAIN on timeout. */
int ocpp_port_join_thread(int32_t timeout_ms);

/** Whether the caller runs on the OCPP thread. */
bool ocpp_port_on_ocpp_thread(void);

/**
 * With CONFIG_OCPP_RESET_REBOOT: sys_reboot(SYS_REBOOT_COLD when cold, else SYS_REBOOT_WARM),
 * which does not return. Without it: returns at once.
 */
void ocpp_port_reboot(bool cold);

/** Sleeps the calling thread. */
void ocpp_port_sleep_ms(int32_t ms);

/** Logs one line through Zephyr's log subsystem (level: 1 error .. 4 debug). */
void ocpp_port_log(int level, const char *msg, size_t len);

/** Publishes an event (struct ocpp_event of <zephyr/net/ocpp.h>) on zbus, when enabled. */
void ocpp_port_publish(const void *event, size_t size);

/**
 * Publishes a charging limit change (struct ocpp_charging_limit) on zbus, when zbus and Smart
 * Charging are enabled.
 */
void ocpp_port_publish_limit(const void *limit, size_t size);

/**
 * sizeof of union ocpp_io_value, struct ocpp_cp_info, struct ocpp_cs_info, struct ocpp_event
 * and enum ocpp_auth_status as this C compiler lays them out, into sizes[0..5].
 */
void ocpp_port_abi_sizes(size_t sizes[5]);

/**
 * The persistent store (CONFIG_OCPP_PERSISTENCE): records under the settings subtree "ocpp".
 * Each returns 0 or a negative errno (-ENOTSUP without CONFIG_OCPP_PERSISTENCE).
 */
int ocpp_port_store_save(const char *key, const uint8_t *data, size_t len);
int ocpp_port_store_delete(const char *key);
/**
 * Loads every record: record(ctx, key, data, len) for each, data read into buf (records longer
 * than cap are reported with len = SIZE_MAX and no data).
 */
int ocpp_port_store_load(void (*record)(void *ctx, const char *key, const uint8_t *data,
					size_t len),
			 void *ctx, uint8_t *buf, size_t cap);

/*
 * Firmware Management (firmware.c), on the library's transfer thread, one transfer at a time;
 * each transfer ends within CONFIG_OCPP_TRANSFER_TIMEOUT_MS.
 */

/** Starts the transfer thread (stack CONFIG_OCPP_TRANSFER_STACK_SIZE) running entry(arg). */
int ocpp_port_start_transfer_thread(void (*entry)(void *arg), void *arg);

/** Receives a body chunk: 0 to go on, or a negative errno that ends the transfer with it. */
typedef int (*ocpp_port_chunk_fn)(void *ctx, const uint8_t *data, size_t len);
/** Fills buf with up to cap bytes of an upload: how many (> 0), or a negative errno. */
typedef int (*ocpp_port_read_fn)(void *ctx, uint8_t *buf, size_t cap);

/**
 * HTTP GET of path from host:port (a name or an address literal). A 2xx body goes to chunk.
 * Returns the HTTP status once the answer is complete, or a negative errno (-ECONNRESET when
 * the connection dropped before the end). *content_length is the Content-Length (0: none).
 */
int ocpp_port_http_get(const char *host, uint16_t port, const char *path, ocpp_port_chunk_fn chunk,
		       void *ctx, size_t *content_length);

/** HTTP PUT (POST when post) of len bytes read through read. The HTTP status, or a negative errno. */
int ocpp_port_http_put(const char *host, uint16_t port, const char *path, bool post, size_t len,
		       ocpp_port_read_fn read, void *ctx);

/**
 * The secondary image slot (CONFIG_OCPP_FIRMWARE_UPDATE_MCUBOOT; -ENOTSUP without it).
 * begin erases it (unless CONFIG_IMG_ERASE_PROGRESSIVELY) and starts writing at its start;
 * write appends (flush: the last chunk); request_upgrade marks the image for MCUboot's next boot
 * (test swap, or permanent); confirm, after the reboot of an install, marks the running image
 * good: 1 when the new image runs (MCUboot's test boot, now confirmed), 0 when the previous one
 * still runs (no swap, or reverted), or a negative errno. capacity is the slot's size in bytes.
 * reboot restarts into MCUboot (does not return; returns at once without MCUboot).
 */
int ocpp_port_image_begin(void);
int ocpp_port_image_write(const uint8_t *data, size_t len, bool flush);
size_t ocpp_port_image_capacity(void);
int ocpp_port_image_request_upgrade(bool permanent);
int ocpp_port_image_confirm(void);
void ocpp_port_image_reboot(void);
/** Reads len bytes at offset of the secondary slot (a downloaded image); 0 or a negative errno. */
int ocpp_port_image_read(size_t offset, uint8_t *buf, size_t len);

/*
 * SignedUpdateFirmware (CONFIG_OCPP_PROFILE_SIGNED_FIRMWARE, signature.c): whether sig is a
 * signature of the SHA-256 hash (32 bytes) by the public key of the given kind, with PSA Crypto:
 * EC P-256 (key: the uncompressed point; sig: r || s, 64 bytes, ECDSA) or RSA (key: the
 * RSAPublicKey DER; sig: PSS with any salt, or PKCS#1 v1.5). 0 when it verifies, -EBADMSG when
 * not, another negative errno when the key cannot be used.
 */
#define OCPP_PORT_KEY_EC_P256 1
#define OCPP_PORT_KEY_RSA 2
int ocpp_port_verify_hash(int kind, const uint8_t *key, size_t key_len, const uint8_t *hash,
			  const uint8_t *sig, size_t sig_len);

/** Halts after a Rust panic (never returns). */
void ocpp_port_panic(const char *msg, size_t len);

#endif /* ZEPHYR_OCPP_PORT_H_ */

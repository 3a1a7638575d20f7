/*
 * zephyr-ocpp: the Zephyr side of Firmware Management (see port.h): HTTP transfers with Zephyr's
 * http_client, the downloaded image written to the secondary slot with flash_img, and MCUboot's
 * image trailer (upgrade request, confirmation) through Zephyr's DFU subsystem.
 *
 * Everything here runs on the library's transfer thread, one transfer at a time.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <zephyr/kernel.h>
#include <zephyr/logging/log.h>
#include <zephyr/logging/log_ctrl.h>
#include <zephyr/net/http/client.h>
#include <zephyr/net/socket.h>
#if defined(CONFIG_OCPP_FIRMWARE_UPDATE_MCUBOOT)
#include <zephyr/dfu/flash_img.h>
#include <zephyr/dfu/mcuboot.h>
#include <zephyr/storage/flash_map.h>
#include <zephyr/sys/reboot.h>
#endif

#include "port.h"

LOG_MODULE_DECLARE(ocpp, CONFIG_OCPP_LOG_LEVEL);

static K_THREAD_STACK_DEFINE(transfer_stack, CONFIG_OCPP_TRANSFER_STACK_SIZE);
static struct k_thread transfer_thread;

int ocpp_port_start_transfer_thread(void (*entry)(void *arg), void *arg)
{
	k_thread_create(&transfer_thread, transfer_stack, K_THREAD_STACK_SIZEOF(transfer_stack),
			(k_thread_entry_t)entry, arg, NULL, NULL, K_LOWEST_APPLICATION_THREAD_PRIO, 0,
			K_NO_WAIT);
	k_thread_name_set(&transfer_thread, "ocpp_transfer");
	return 0;
}

/* One transfer at a time: its receive buffer and callbacks. */
static struct {
	uint8_t recv_buf[CONFIG_OCPP_TRANSFER_BUFFER_SIZE];
	/* The body chunk callback of the running GET, and what it said. */
	ocpp_port_chunk_fn chunk;
	void *ctx;
	int chunk_err;
	/* The upload source of the running PUT. */
	ocpp_port_read_fn read;
	size_t upload_len;
	uint16_t status;
	size_t content_length;
} xfer;

static int connect_to(const char *host, uint16_t port)
{
	struct zsock_addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_protocol = IPPROTO_TCP};
	struct zsock_addrinfo *res = NULL;
	char service[6];
	int sock;
	int ret;

	snprintf(service, sizeof(service), "%u", port);
	ret = zsock_getaddrinfo(host, service, &hints, &res);
	if (ret != 0 || res == NULL) {
		LOG_WRN("transfer: cannot resolve %s (%d)", host, ret);
		return -EHOSTUNREACH;
	}
	sock = zsock_socket(res->ai_family, SOCK_STREAM, IPPROTO_TCP);
	if (sock < 0) {
		ret = -errno;
		zsock_freeaddrinfo(res);
		return ret;
	}
	/* Bounds each send, so a stalled server cannot hold the transfer thread forever. */
	struct timeval tv = {.tv_sec = CONFIG_OCPP_TRANSFER_TIMEOUT_MS / 1000};

	(void)zsock_setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (zsock_connect(sock, res->ai_addr, res->ai_addrlen) < 0) {
		ret = -errno;
		zsock_freeaddrinfo(res);
		zsock_close(sock);
		return ret;
	}
	zsock_freeaddrinfo(res);
	return sock;
}

static int on_response(struct http_response *rsp, enum http_final_call final_data, void *user_data)
{
	ARG_UNUSED(final_data);
	ARG_UNUSED(user_data);
	xfer.status = rsp->http_status_code;
	if (rsp->cl_present) {
		xfer.content_length = rsp->content_length;
	}
	if (xfer.chunk_err != 0) {
		return xfer.chunk_err;
	}
	/* Only a 2xx body is the image; the caller sees any other status. */
	if (xfer.status >= 200 && xfer.status <= 299 && xfer.chunk != NULL && rsp->body_frag_start != NULL && rsp->body_frag_len > 0) {
		xfer.chunk_err = xfer.chunk(xfer.ctx, rsp->body_frag_start, rsp->body_frag_len);
	}
	return xfer.chunk_err;
}

static int request(const char *host, uint16_t port, const char *path, enum http_method method,
		   http_payload_cb_t payload_cb, size_t payload_len)
{
	static const char *const headers[] = {"Connection: close\r\n", NULL};
	char port_text[6];
	int sock = connect_to(host, port);
	int ret;

	if (sock < 0) {
		return sock;
	}
	snprintf(port_text, sizeof(port_text), "%u", port);
	struct http_request req = {
		.method = method,
		.url = path,
		.host = host,
		.port = port_text,
		.protocol = "HTTP/1.1",
		.response = on_response,
		.recv_buf = xfer.recv_buf,
		.recv_buf_len = sizeof(xfer.recv_buf),
		.header_fields = (const char **)headers,
		.payload_cb = payload_cb,
		.payload_len = payload_len,
		.content_type_value = payload_cb != NULL ? "application/octet-stream" : NULL,
	};

	xfer.status = 0;
	xfer.content_length = 0;
	xfer.chunk_err = 0;
	ret = http_client_req(sock, &req, CONFIG_OCPP_TRANSFER_TIMEOUT_MS, NULL);
	zsock_close(sock);
	if (xfer.chunk_err != 0) {
		return xfer.chunk_err;
	}
	if (ret < 0) {
		return ret;
	}
	if (xfer.status == 0) {
		/* The server closed the connection without an answer. */
		return -ECONNRESET;
	}
	return xfer.status;
}

int ocpp_port_http_get(const char *host, uint16_t port, const char *path, ocpp_port_chunk_fn chunk,
		       void *ctx, size_t *content_length)
{
	xfer.chunk = chunk;
	xfer.ctx = ctx;
	int ret = request(host, port, path, HTTP_GET, NULL, 0);

	xfer.chunk = NULL;
	*content_length = xfer.content_length;
	return ret;
}

static int send_body(int sock, struct http_request *req, void *user_data)
{
	ARG_UNUSED(req);
	ARG_UNUSED(user_data);
	size_t sent = 0;

	while (sent < xfer.upload_len) {
		size_t want = MIN(sizeof(xfer.recv_buf), xfer.upload_len - sent);
		int n = xfer.read(xfer.ctx, xfer.recv_buf, want);

		if (n <= 0) {
			/* The source ended early or failed: the server sees a short body. */
			xfer.chunk_err = n < 0 ? n : -EIO;
			return xfer.chunk_err;
		}
		for (int off = 0; off < n;) {
			ssize_t w = zsock_send(sock, xfer.recv_buf + off, n - off, 0);

			if (w < 0) {
				return -errno;
			}
			off += w;
		}
		sent += n;
	}
	return (int)sent;
}

int ocpp_port_http_put(const char *host, uint16_t port, const char *path, bool post, size_t len,
		       ocpp_port_read_fn read, void *ctx)
{
	xfer.read = read;
	xfer.ctx = ctx;
	xfer.upload_len = len;
	int ret = request(host, port, path, post ? HTTP_POST : HTTP_PUT, send_body, len);

	xfer.read = NULL;
	return ret;
}

#if defined(CONFIG_OCPP_FIRMWARE_UPDATE_MCUBOOT)

#define SECONDARY_SLOT FIXED_PARTITION_ID(slot1_partition)

static struct flash_img_context image;

int ocpp_port_image_begin(void)
{
	int ret;

#if !defined(CONFIG_IMG_ERASE_PROGRESSIVELY)
	ret = boot_erase_img_bank(SECONDARY_SLOT);
	if (ret < 0) {
		return ret;
	}
#endif
	ret = flash_img_init_id(&image, SECONDARY_SLOT);
	return ret < 0 ? ret : 0;
}

int ocpp_port_image_write(const uint8_t *data, size_t len, bool flush)
{
	int ret = flash_img_buffered_write(&image, data, len, flush);

	return ret < 0 ? ret : 0;
}

size_t ocpp_port_image_capacity(void)
{
	return FIXED_PARTITION_SIZE(slot1_partition);
}

int ocpp_port_image_request_upgrade(bool permanent)
{
	return boot_request_upgrade(permanent ? BOOT_UPGRADE_PERMANENT : BOOT_UPGRADE_TEST);
}

int ocpp_port_image_confirm(void)
{
	int swap = mcuboot_swap_type();

	/* Still requested: no bootloader acted on it, the previous image runs. */
	if (swap == BOOT_SWAP_TYPE_TEST || swap == BOOT_SWAP_TYPE_PERM) {
		LOG_WRN("firmware: the upgrade is still pending (no swap at boot)");
		return 0;
	}
	/* A test swap boots the new image unconfirmed; confirmed means MCUboot reverted. */
	if (boot_is_img_confirmed()) {
		return 0;
	}
	int ret = boot_write_img_confirmed();

	return ret < 0 ? ret : 1;
}

void ocpp_port_image_reboot(void)
{
	LOG_INF("firmware: rebooting into the new image");
	LOG_PANIC(); /* flush the log before the reboot */
	sys_reboot(SYS_REBOOT_WARM);
}

int ocpp_port_image_read(size_t offset, uint8_t *buf, size_t len)
{
	const struct flash_area *fa;
	int ret = flash_area_open(SECONDARY_SLOT, &fa);

	if (ret != 0) {
		return ret;
	}
	ret = flash_area_read(fa, (off_t)offset, buf, len);
	flash_area_close(fa);
	return ret;
}

#else /* !CONFIG_OCPP_FIRMWARE_UPDATE_MCUBOOT */

int ocpp_port_image_begin(void)
{
	return -ENOTSUP;
}

int ocpp_port_image_write(const uint8_t *data, size_t len, bool flush)
{
	ARG_UNUSED(data);
	ARG_UNUSED(len);
	ARG_UNUSED(flush);
	return -ENOTSUP;
}

size_t ocpp_port_image_capacity(void)
{
	return 0;
}

int ocpp_port_image_request_upgrade(bool permanent)
{
	ARG_UNUSED(permanent);
	return -ENOTSUP;
}

int ocpp_port_image_confirm(void)
{
	return 0;
}

void ocpp_port_image_reboot(void)
{
}

int ocpp_port_image_read(size_t offset, uint8_t *buf, size_t len)
{
	ARG_UNUSED(offset);
	ARG_UNUSED(buf);
	ARG_UNUSED(len);
	return -ENOTSUP;
}

#endif /* CONFIG_OCPP_FIRMWARE_UPDATE_MCUBOOT */

/*
 * Certificate signing on Zephyr (CONFIG_OCPP_PROFILE_CERTIFICATE_SIGNING): the charge point's
 * key pair and its PKCS#10 request, made with mbedTLS on the device (the key never leaves it),
 * and the switch to the certificate the Central System signed.
 *
 * The keys are ECDSA P-256, kept as PEM in RAM (Zephyr's TLS credentials keep a pointer, not a
 * copy) and, with CONFIG_OCPP_PERSISTENCE, in the settings subtree "ocpp_key" (outside the
 * engine's "ocpp" records: the engine never sees the private key).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <string.h>

#include <zephyr/kernel.h>
#include <zephyr/logging/log.h>
#include <zephyr/net/tls_credentials.h>
#include <zephyr/random/random.h>
#if defined(CONFIG_OCPP_PERSISTENCE)
#include <zephyr/settings/settings.h>
#endif

#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_csr.h>

#include "port.h"

LOG_MODULE_DECLARE(ocpp, CONFIG_OCPP_LOG_LEVEL);

/* A P-256 private key in PEM ("EC PRIVATE KEY") is 227 bytes; room for its NUL. */
#define KEY_PEM_MAX 256

static struct {
	struct k_mutex lock;
	bool ready;
	/* The key of the request last made, until its certificate arrives. */
	char pending_key[KEY_PEM_MAX];
	/* The key of the certificate in use; registered under CONFIG_OCPP_TLS_SEC_TAG. */
	char active_key[KEY_PEM_MAX];
} csr;

static int random_bytes(void *ctx, unsigned char *buf, size_t len)
{
	ARG_UNUSED(ctx);
	return sys_csrand_get(buf, len) == 0 ? 0 : MBEDTLS_ERR_ECP_RANDOM_FAILED;
}

#if defined(CONFIG_OCPP_PERSISTENCE)
#define KEY_SUBTREE "ocpp_key"

static int key_load_one(const char *name, size_t len, settings_read_cb read_cb, void *cb_arg,
			void *param)
{
	char *dst = NULL;

	ARG_UNUSED(param);
	if (strcmp(name, "pending") == 0) {
		dst = csr.pending_key;
	} else if (strcmp(name, "active") == 0) {
		dst = csr.active_key;
	}
	if (dst == NULL || len >= KEY_PEM_MAX) {
		return 0;
	}
	if (read_cb(cb_arg, dst, len) != (ssize_t)len) {
		dst[0] = '\0';
		return 0;
	}
	dst[len] = '\0';
	return 0;
}

static void key_save(const char *which, const char *pem)
{
	char name[sizeof(KEY_SUBTREE "/pending")];
	int ret;

	snprintk(name, sizeof(name), KEY_SUBTREE "/%s", which);
	ret = settings_save_one(name, pem, strlen(pem));
	if (ret < 0) {
		LOG_ERR("client key %s not stored (%d)", which, ret);
	}
}
#endif

static void csr_init(void)
{
	if (csr.ready) {
		return;
	}
	k_mutex_init(&csr.lock);
#if defined(CONFIG_OCPP_PERSISTENCE)
	if (settings_subsys_init() == 0) {
		(void)settings_load_subtree_direct(KEY_SUBTREE, key_load_one, NULL);
	}
#endif
	csr.ready = true;
}

/* Subject values go into "CN=...,O=..." unescaped: refuse what would change its meaning. */
static bool subject_value_ok(const char *value)
{
	if (value == NULL || value[0] == '\0') {
		return false;
	}
	for (const char *c = value; *c != '\0'; c++) {
		if (*c < 0x20 || *c > 0x7e || strchr(",=+\\\"<>;#", *c) != NULL) {
			return false;
		}
	}
	return true;
}

int ocpp_port_csr_generate(const char *common_name, const char *organization, char *out,
			   size_t out_len)
{
	char subject[32 + 64 + 64];
	mbedtls_pk_context key;
	mbedtls_x509write_csr req;
	int ret;

	if (out == NULL || out_len == 0 || !subject_value_ok(common_name) ||
	    (organization != NULL && organization[0] != '\0' && !subject_value_ok(organization))) {
		return -EINVAL;
	}
	if (organization != NULL && organization[0] != '\0') {
		ret = snprintk(subject, sizeof(subject), "CN=%s,O=%s", common_name, organization);
	} else {
		ret = snprintk(subject, sizeof(subject), "CN=%s", common_name);
	}
	if (ret < 0 || (size_t)ret >= sizeof(subject)) {
		return -EINVAL;
	}
	csr_init();
	k_mutex_lock(&csr.lock, K_FOREVER);
	mbedtls_pk_init(&key);
	mbedtls_x509write_csr_init(&req);
	ret = mbedtls_pk_setup(&key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
	if (ret == 0) {
		ret = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key), random_bytes,
					  NULL);
	}
	if (ret == 0) {
		mbedtls_x509write_csr_set_md_alg(&req, MBEDTLS_MD_SHA256);
		mbedtls_x509write_csr_set_key(&req, &key);
		ret = mbedtls_x509write_csr_set_subject_name(&req, subject);
	}
	if (ret == 0) {
		ret = mbedtls_x509write_csr_pem(&req, (unsigned char *)out, out_len, random_bytes,
						NULL);
	}
	if (ret == 0) {
		ret = mbedtls_pk_write_key_pem(&key, (unsigned char *)csr.pending_key,
					       sizeof(csr.pending_key));
	}
	mbedtls_x509write_csr_free(&req);
	mbedtls_pk_free(&key);
	if (ret != 0) {
		csr.pending_key[0] = '\0';
		k_mutex_unlock(&csr.lock);
		LOG_ERR("certificate request not made (mbedTLS -0x%x)", (unsigned int)-ret);
		return ret == MBEDTLS_ERR_X509_BUFFER_TOO_SMALL ||
				       ret == MBEDTLS_ERR_ASN1_BUF_TOO_SMALL
			       ? -ENOMEM
			       : -EIO;
	}
#if defined(CONFIG_OCPP_PERSISTENCE)
	key_save("pending", csr.pending_key);
#endif
	k_mutex_unlock(&csr.lock);
	return (int)strlen(out);
}

/* Registers the leaf (DER, kept by pointer) + the active key under the tag. Lock held. */
static int register_client_certificate(const uint8_t *leaf_der, size_t len)
{
	int ret;

	(void)tls_credential_delete(CONFIG_OCPP_TLS_SEC_TAG, TLS_CREDENTIAL_PUBLIC_CERTIFICATE);
	(void)tls_credential_delete(CONFIG_OCPP_TLS_SEC_TAG, TLS_CREDENTIAL_PRIVATE_KEY);
	ret = tls_credential_add(CONFIG_OCPP_TLS_SEC_TAG, TLS_CREDENTIAL_PUBLIC_CERTIFICATE,
				 leaf_der, len);
	if (ret == 0) {
		ret = tls_credential_add(CONFIG_OCPP_TLS_SEC_TAG, TLS_CREDENTIAL_PRIVATE_KEY,
					 csr.active_key, strlen(csr.active_key) + 1);
	}
	if (ret < 0) {
		LOG_ERR("client certificate not registered (%d)", ret);
	}
	return ret;
}

int ocpp_port_client_certificate_use(const uint8_t *leaf_der, size_t len, bool from_pending)
{
	int ret;

	if (leaf_der == NULL || len == 0) {
		return -EINVAL;
	}
	csr_init();
	k_mutex_lock(&csr.lock, K_FOREVER);
	if (from_pending) {
		if (csr.pending_key[0] == '\0') {
			k_mutex_unlock(&csr.lock);
			return -ENOENT;
		}
		memcpy(csr.active_key, csr.pending_key, sizeof(csr.active_key));
		csr.pending_key[0] = '\0';
#if defined(CONFIG_OCPP_PERSISTENCE)
		key_save("active", csr.active_key);
		(void)settings_delete(KEY_SUBTREE "/pending");
#endif
	} else if (csr.active_key[0] == '\0') {
		k_mutex_unlock(&csr.lock);
		return -ENOENT;
	}
	ret = register_client_certificate(leaf_der, len);
	k_mutex_unlock(&csr.lock);
	return ret;
}

/*
 * zephyr-ocpp: SignedUpdateFirmware (CONFIG_OCPP_PROFILE_SIGNED_FIRMWARE): a signature check of a SHA-256
 * hash with PSA Crypto (mbedTLS). The Rust side (src/platform/zephyr/firmware.rs) hashes the
 * image and the certificates and takes the keys apart; this only imports a public key and
 * verifies. See port.h.
 *
 * SPDX-License-Identifier: Apache-2.0
 */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <psa/crypto.h>

#include "port.h"

int ocpp_port_verify_hash(int kind, const uint8_t *key, size_t key_len, const uint8_t *hash,
			  const uint8_t *sig, size_t sig_len)
{
	psa_key_attributes_t attributes = PSA_KEY_ATTRIBUTES_INIT;
	psa_algorithm_t algorithms[2];
	size_t count;
	int verified = -EBADMSG;

	if (psa_crypto_init() != PSA_SUCCESS) {
		return -EIO;
	}
	switch (kind) {
	case OCPP_PORT_KEY_EC_P256:
		psa_set_key_type(&attributes, PSA_KEY_TYPE_ECC_PUBLIC_KEY(PSA_ECC_FAMILY_SECP_R1));
		psa_set_key_bits(&attributes, 256);
		algorithms[0] = PSA_ALG_ECDSA(PSA_ALG_SHA_256);
		count = 1;
		break;
	case OCPP_PORT_KEY_RSA:
		psa_set_key_type(&attributes, PSA_KEY_TYPE_RSA_PUBLIC_KEY);
		algorithms[0] = PSA_ALG_RSA_PSS_ANY_SALT(PSA_ALG_SHA_256);
		algorithms[1] = PSA_ALG_RSA_PKCS1V15_SIGN(PSA_ALG_SHA_256);
		count = 2;
		break;
	default:
		return -EINVAL;
	}
	psa_set_key_usage_flags(&attributes, PSA_KEY_USAGE_VERIFY_HASH);
	for (size_t i = 0; i < count && verified != 0; i++) {
		psa_key_id_t id;

		/* A key's policy names one algorithm: imported once per candidate. */
		psa_set_key_algorithm(&attributes, algorithms[i]);
		if (psa_import_key(&attributes, key, key_len, &id) != PSA_SUCCESS) {
			verified = -EINVAL;
			break;
		}
		if (psa_verify_hash(id, algorithms[i], hash, 32, sig, sig_len) == PSA_SUCCESS) {
			verified = 0;
		}
		psa_destroy_key(id);
	}
	psa_reset_key_attributes(&attributes);
	return verified;
}

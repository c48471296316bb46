/*
 * colonynet's binding of the system's libsecp256k1 (0.2 or later: safegcd inversions and
 * precomputed tables make recovery ~35 % cheaper than the 2019 library bundled with the
 * `secp256k1` npm package). Three calls, each on caller-allocated buffers, all checked:
 *
 *   recover(sig64, recid, msg32, out65) -> boolean   uncompressed public key of the signer
 *   sign(msg32, key32, out64)           -> recid | -1 RFC 6979 nonce, low-S (libsecp256k1's)
 *   publicKey(key32, out65)             -> boolean
 *
 * Built by scripts/build-secp256k1.mjs when a C compiler and libsecp256k1-dev are present;
 * src/protocol/crypto.ts falls back to the npm addon otherwise. Node-API only, so one build
 * loads in every Node version and in worker threads (one context per instance).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <node_api.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

typedef struct { secp256k1_context *ctx; } instance_t;

static void instance_free (napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  instance_t *inst = data;
  if (inst != NULL) {
    if (inst->ctx != NULL) secp256k1_context_destroy(inst->ctx);
    free(inst);
  }
}

/* The bytes of argument i if it is a typed array of exactly `len` bytes; NULL otherwise. */
static uint8_t *bytes_arg (napi_env env, napi_value v, size_t len) {
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) return NULL;
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, NULL, NULL) != napi_ok) return NULL;
  if (type != napi_uint8_array || length != len) return NULL;
  return data;
}

static napi_value throw_type (napi_env env, const char *msg) {
  napi_throw_type_error(env, NULL, msg);
  return NULL;
}

static napi_value js_bool (napi_env env, bool b) {
  napi_value r;
  napi_get_boolean(env, b, &r);
  return r;
}

/* The 65-byte uncompressed encoding 04‖X‖Y of `pk` into `out`. */
static bool serialize_uncompressed (const secp256k1_context *ctx, uint8_t *out, const secp256k1_pubkey *pk) {
  size_t outlen = 65;
  return secp256k1_ec_pubkey_serialize(ctx, out, &outlen, pk, SECP256K1_EC_UNCOMPRESSED) == 1 && outlen == 65;
}

static secp256k1_context *context_of (napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  void *data = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, &data) != napi_ok || argc != want) return NULL;
  return ((instance_t *)data)->ctx;
}

static napi_value recover (napi_env env, napi_callback_info info) {
  napi_value argv[4];
  secp256k1_context *ctx = context_of(env, info, 4, argv);
  if (ctx == NULL) return throw_type(env, "recover(sig64, recid, msg32, out65): 4 arguments");
  const uint8_t *sig = bytes_arg(env, argv[0], 64);
  const uint8_t *msg = bytes_arg(env, argv[2], 32);
  uint8_t *out = bytes_arg(env, argv[3], 65);
  int32_t recid = -1;
  if (napi_get_value_int32(env, argv[1], &recid) != napi_ok) recid = -1;
  if (sig == NULL || msg == NULL || out == NULL || recid < 0 || recid > 3) {
    return throw_type(env, "recover(sig64, recid, msg32, out65): Uint8Arrays of 64, 32 and 65 bytes, recid 0-3");
  }
  secp256k1_ecdsa_recoverable_signature rs;
  secp256k1_pubkey pk;
  bool ok = secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rs, sig, recid) == 1 &&
    secp256k1_ecdsa_recover(ctx, &pk, &rs, msg) == 1 && serialize_uncompressed(ctx, out, &pk);
  return js_bool(env, ok);
}

static napi_value sign (napi_env env, napi_callback_info info) {
  napi_value argv[3];
  secp256k1_context *ctx = context_of(env, info, 3, argv);
  if (ctx == NULL) return throw_type(env, "sign(msg32, key32, out64): 3 arguments");
  const uint8_t *msg = bytes_arg(env, argv[0], 32);
  const uint8_t *key = bytes_arg(env, argv[1], 32);
  uint8_t *out = bytes_arg(env, argv[2], 64);
  if (msg == NULL || key == NULL || out == NULL) return throw_type(env, "sign(msg32, key32, out64): Uint8Arrays of 32, 32 and 64 bytes");
  secp256k1_ecdsa_recoverable_signature rs;
  int recid = -1;
  /* NULL nonce function: RFC 6979, as every libsecp256k1 caller (and noble) signs */
  if (secp256k1_ecdsa_sign_recoverable(ctx, &rs, msg, key, NULL, NULL) != 1 ||
      secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, out, &recid, &rs) != 1) recid = -1;
  napi_value r;
  napi_create_int32(env, recid, &r);
  return r;
}

static napi_value public_key (napi_env env, napi_callback_info info) {
  napi_value argv[2];
  secp256k1_context *ctx = context_of(env, info, 2, argv);
  if (ctx == NULL) return throw_type(env, "publicKey(key32, out65): 2 arguments");
  const uint8_t *key = bytes_arg(env, argv[0], 32);
  uint8_t *out = bytes_arg(env, argv[1], 65);
  if (key == NULL || out == NULL) return throw_type(env, "publicKey(key32, out65): Uint8Arrays of 32 and 65 bytes");
  secp256k1_pubkey pk;
  bool ok = secp256k1_ec_pubkey_create(ctx, &pk, key) == 1 && serialize_uncompressed(ctx, out, &pk);
  return js_bool(env, ok);
}

NAPI_MODULE_INIT (/* napi_env env, napi_value exports */) {
  instance_t *inst = calloc(1, sizeof(instance_t));
  if (inst == NULL) return NULL;
  /* SIGN | VERIFY: what releases before 0.2 need; 0.2 and later treat every context alike */
  inst->ctx = secp256k1_context_create(SECP256K1_CONTEXT_SIGN | SECP256K1_CONTEXT_VERIFY);
  if (inst->ctx == NULL || napi_set_instance_data(env, inst, instance_free, NULL) != napi_ok) {
    instance_free(env, inst, NULL);
    napi_throw_error(env, NULL, "libsecp256k1: could not create a context");
    return NULL;
  }
  napi_property_descriptor props[] = {
    { "recover", NULL, recover, NULL, NULL, NULL, napi_enumerable, inst },
    { "sign", NULL, sign, NULL, NULL, NULL, napi_enumerable, inst },
    { "publicKey", NULL, public_key, NULL, NULL, NULL, napi_enumerable, inst }
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return NULL;
  return exports;
}

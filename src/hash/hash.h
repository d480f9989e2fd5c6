/*
 * hash.h - typed, cryptographic hashing (BLAKE2b-256 from libsodium).
 *
 * Every field is hashed as (tag, length, bytes), so "-I -O2" can never hash
 * like "-I-O2" and one field can never be mistaken for another. Keys are
 * cryptographic because a shared cache may hold entries written by builds of
 * untrusted code. When a debug buffer is attached, every field is also
 * appended to it as text, so two keys that differ can be diffed.
 *
 * Calling sequence: hasher_init, hash_* ..., hasher_final.
 */
#ifndef ZC_HASH_H
#define ZC_HASH_H

#include "../util/compat.h"
#include "../util/strbuf.h"
#include <sodium/crypto_generichash.h>

#define DIGEST_SIZE 32
#define DIGEST_HEX_SIZE (2 * DIGEST_SIZE + 1)

struct digest {
	unsigned char b[DIGEST_SIZE];
};

struct hasher {
	crypto_generichash_state state;
	struct strbuf *debug; /* optional text dump of the fields */
};

void hasher_init(struct hasher *h, struct strbuf *debug);
void hash_bytes(struct hasher *h, const char *tag, const void *data, size_t len);
void hash_str(struct hasher *h, const char *tag, const char *s);
void hash_u64(struct hasher *h, const char *tag, uint64_t v);
void hash_digest(struct hasher *h, const char *tag, const struct digest *d);
void hasher_final(struct hasher *h, struct digest *out);

/* One-shot digest of a buffer (untagged: for file contents). */
void digest_buffer(const void *data, size_t len, struct digest *out);

/* Reads the whole file into content (appended) and digests it. */
int digest_file(const char *path, struct digest *out, struct strbuf *content);

/* A fast 64-bit checksum of bytes, to tell whether a file we hold changed
 * between two reads; never a key (it is not collision resistant). */
uint64_t change_check(const void *data, size_t len);

void digest_to_hex(const struct digest *d, char hex[DIGEST_HEX_SIZE]);
int digest_from_hex(const char *hex, struct digest *d);
bool digest_equal(const struct digest *a, const struct digest *b);

#endif

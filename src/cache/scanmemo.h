/*
 * scanmemo.h - the daemon's memory of what input contents say: content
 * digest -> the family's scan (includes, and facts such as __DATE__ use),
 * so that a miss does not re-read and re-scan the headers every compile of
 * a project shares. A scan is a function of the content and of the scanner
 * alone (compiler.h: scan_input), so an entry never goes stale; the memory
 * is bounded by SCAN_MEMO_MAX_BYTES, past which everything is forgotten.
 *
 * Thread-safe (one mutex).
 */
#ifndef ZC_SCANMEMO_H
#define ZC_SCANMEMO_H

#include "../util/compat.h"
#include "../compiler/compiler.h"
#include "../compiler/includes.h"
#include "../hash/hash.h"

#define SCAN_MEMO_MAX_BYTES (32u << 20)

struct scan_memo;

struct scan_memo *scan_memo_new(void);
void scan_memo_free(struct scan_memo *sm);

/* true, and a copy of the scan appended to out, when the content with this
 * digest was scanned by family's scanner before. */
bool scan_memo_get(struct scan_memo *sm, const struct compiler_family *family,
		   const struct digest *content, struct include_scan *out);
void scan_memo_put(struct scan_memo *sm, const struct compiler_family *family,
		   const struct digest *content, const struct include_scan *scan);

#endif

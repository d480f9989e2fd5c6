#include "strset.h"
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

struct strset_slot {
	uint64_t hash;
	size_t offset; /* into the arena; SIZE_MAX marks an empty slot */
	size_t len;
};

static bool slot_holds(const struct strset *set, const struct strset_slot *slot, uint64_t hash,
		       const char *s, size_t len)
{
	return slot->hash == hash && slot->len == len &&
	       !memcmp(set->arena.buf + slot->offset, s, len);
}

/* The slot holding s, or the empty slot where it would go. */
static struct strset_slot *probe(const struct strset *set, uint64_t hash, const char *s,
				 size_t len)
{
	size_t mask = set->nr_slots - 1;

	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		struct strset_slot *slot = &set->slots[i];
		if (slot->offset == SIZE_MAX || slot_holds(set, slot, hash, s, len))
			return slot;
	}
}

static void grow(struct strset *set)
{
	struct strset_slot *old = set->slots;
	size_t old_nr = set->nr_slots;

	set->nr_slots = old_nr ? old_nr * 2 : 64;
	set->slots = xmalloc(set->nr_slots * sizeof(*set->slots));
	for (size_t i = 0; i < set->nr_slots; i++)
		set->slots[i].offset = SIZE_MAX;
	for (size_t i = 0; i < old_nr; i++) {
		if (old[i].offset == SIZE_MAX)
			continue;
		struct strset_slot *slot =
			probe(set, old[i].hash, set->arena.buf + old[i].offset, old[i].len);
		*slot = old[i];
	}
	free(old);
}

bool strset_add(struct strset *set, const char *s, size_t len)
{
	uint64_t hash = XXH3_64bits(s, len);

	/* At most half full: probes stay short. */
	if ((set->nr + 1) * 2 > set->nr_slots)
		grow(set);
	struct strset_slot *slot = probe(set, hash, s, len);
	if (slot->offset != SIZE_MAX)
		return false;
	slot->hash = hash;
	slot->offset = set->arena.len;
	slot->len = len;
	strbuf_add(&set->arena, s, len);
	strbuf_addch(&set->arena, '\0');
	set->nr++;
	return true;
}

bool strset_contains(const struct strset *set, const char *s, size_t len)
{
	if (!set->nr)
		return false;
	return probe(set, XXH3_64bits(s, len), s, len)->offset != SIZE_MAX;
}

const char *strset_next(const struct strset *set, const char *prev)
{
	const char *p = prev ? prev + strlen(prev) + 1 : set->arena.buf;

	return p < set->arena.buf + set->arena.len ? p : NULL;
}

void strset_clear(struct strset *set)
{
	strbuf_release(&set->arena);
	free(set->slots);
	set->slots = NULL;
	set->nr_slots = set->nr = 0;
}

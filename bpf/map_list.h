/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Every map of the policy, once: X(name, type, kind). maps.bpf.h declares
 * them from this list and maps.bpf.c defines them; locked mode's list of
 * the policy's maps (lock.bpf.c, policy_map()) is made from it; and
 * tests/unit/maps_test.c checks that the skeleton holds no map outside it
 * but read-only data (.rodata, frozen by libbpf at load). A map added here
 * is declared, defined and guarded by locked mode at once.
 *
 * Free of BPF helpers: the host's unit tests read it too.
 */
#ifndef BPFSEAL_MAP_LIST_H
#define BPFSEAL_MAP_LIST_H

/* What a map holds, so what locked mode does with it. */
enum map_kind {
	MAP_KIND_STATE,		/* the policy's state: no writable descriptor once locked */
	MAP_KIND_CONSUMERS,	/* audit consumers' own rings: stays read-write once locked */
};

/* In definition order: the skeleton keeps it. */
#define BPFSEAL_MAPS(X) \
	X(seals, seal_map_t, MAP_KIND_STATE) \
	X(sealed_inodes, sealed_inodes_map_t, MAP_KIND_STATE) \
	X(write_facts, write_facts_map_t, MAP_KIND_STATE) \
	X(mmap_slots, mmap_slots_map_t, MAP_KIND_STATE) \
	X(policy_state, policy_state_map_t, MAP_KIND_STATE) \
	X(core_dumps, core_dumps_map_t, MAP_KIND_STATE) \
	X(records, records_map_t, MAP_KIND_STATE) \
	X(sealed_hint, sealed_hint_map_t, MAP_KIND_STATE) \
	X(sealed_devs, sealed_devs_map_t, MAP_KIND_STATE) \
	X(lock_link_ids, lock_link_ids_map_t, MAP_KIND_STATE) \
	X(audit_rings, audit_rings_map_t, MAP_KIND_CONSUMERS) \
	X(audit_dropped, audit_dropped_map_t, MAP_KIND_STATE)

#endif

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The one definition of each map; the other objects declare them extern. */
#include "audit.bpf.h"

seal_map_t seals SEC(".maps");
sealed_inodes_map_t sealed_inodes SEC(".maps");
write_facts_map_t write_facts SEC(".maps");
mmap_slots_map_t mmap_slots SEC(".maps");
policy_state_map_t policy_state SEC(".maps");
core_dumps_map_t core_dumps SEC(".maps");
records_map_t records SEC(".maps");
sealed_hint_map_t sealed_hint SEC(".maps");
sealed_devs_map_t sealed_devs SEC(".maps");
lock_link_ids_map_t lock_link_ids SEC(".maps");
audit_rings_map_t audit_rings SEC(".maps");
audit_dropped_map_t audit_dropped SEC(".maps");

char LICENSE[] SEC("license") = "Dual BSD/GPL";

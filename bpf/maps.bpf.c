// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The one definition of each map (map_list.h); the other objects declare them extern. */
#include "audit.bpf.h"

#define MAP_DEFINE(name, type, kind) type name SEC(".maps");
BPFSEAL_MAPS(MAP_DEFINE)

char LICENSE[] SEC("license") = "Dual BSD/GPL";

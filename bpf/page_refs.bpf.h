/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Pages of a file referenced by something other than the page cache, its
 * private data and user mappings: memfd_wait_for_pins()'s test before
 * F_SEAL_WRITE goes in. Such a reference can outlive the mapping it came
 * from (an io_uring fixed buffer, an RDMA or vfio pin, an O_DIRECT read in
 * flight, pages spliced into a pipe) and write the page after the seal.
 *
 * The walk reads the page cache's XArray as include/linux/xarray.h lays it
 * out, under the RCU read lock every non-sleepable BPF program holds (nodes
 * are freed through RCU). The folio layout differs between kernels, hence
 * the CO-RE flavours below.
 */
#ifndef BPFSEAL_PAGE_REFS_BPF_H
#define BPFSEAL_PAGE_REFS_BPF_H

#include "bpfseal.bpf.h"

#define XA_CHUNK_SIZE	64
#define XA_RETRY_ENTRY	((256UL << 2) | 2)
/* Visits of XArray slots one check may make: bpf_loop's own ceiling. */
#define PAGE_WALK_MAX_STEPS (1U << 23)

/* 6.1: order and entire-mapping count have their own fields. */
struct folio___v6_1 {
	unsigned char _folio_order;
	atomic_t _total_mapcount;
} __attribute__((preserve_access_index));

/* 7.x: the flags word is wrapped in memdesc_flags_t. */
struct folio___memdesc {
	struct {
		unsigned long f;
	} flags;
} __attribute__((preserve_access_index));

enum page_refs_result {
	PAGE_REFS_NONE = 0,	/* no extra references */
	PAGE_REFS_EXTRA = 1,	/* some folio has them */
	PAGE_REFS_UNSURE = 2,	/* the tree changed under the walk, or is too big */
};

struct page_walk {
	__u64 node;	/* struct xa_node * being walked */
	__u32 offset;	/* next slot in it */
	bool hugetlb;	/* hugetlbfs: folios never on the LRU */
	bool done;
	enum page_refs_result result;
};

static __always_inline bool xa_internal(__u64 e)
{
	return (e & 3) == 2;
}

static __always_inline bool xa_node_entry(__u64 e)
{
	return xa_internal(e) && e > 4096;
}

static __always_inline unsigned long folio_flags(struct folio *folio)
{
	if (bpf_core_field_exists(struct folio___memdesc, flags.f))
		return BPF_CORE_READ((struct folio___memdesc *)folio, flags.f);
	return BPF_CORE_READ(folio, flags);
}

static __always_inline bool flag_set(unsigned long flags, int bit)
{
	return bit >= 0 && (flags >> bit) & 1;
}

static __always_inline unsigned int folio_order(struct folio *folio)
{
	if (bpf_core_field_exists(struct folio___v6_1, _folio_order))
		return BPF_CORE_READ((struct folio___v6_1 *)folio, _folio_order);
	return BPF_CORE_READ(folio, _flags_1) & 0xff;
}

/* Largest page-cache folio before 6.12: a PMD of 4 KiB pages. */
#define MAX_FOLIO_PAGES_6_1	512

/* folio_mapcount() of a large folio. */
static __always_inline int large_mapcount(struct folio *folio, unsigned int nr, bool hugetlb)
{
	__u64 page_size = bpf_core_type_size(struct page);
	int entire, sum = 0;

	if (bpf_core_field_exists(folio->_large_mapcount))
		return BPF_CORE_READ(folio, _large_mapcount.counter) + 1;
	/* 6.1 (mm/util.c): file pages count the entire mapping in each page too. */
	entire = BPF_CORE_READ((struct folio___v6_1 *)folio, _total_mapcount.counter) + 1;
	if (hugetlb)
		return entire;
	/*
	 * A plain bounded loop, not a bpf_loop nested in visit_slot's callback:
	 * on 6.1 that one would need the care page_cache_extra_refs() takes.
	 */
	for (int i = 0; i < MAX_FOLIO_PAGES_6_1; i++) {
		struct page *page = (struct page *)((__u64)folio + i * page_size);

		if (i >= nr)
			break;
		sum += BPF_CORE_READ(page, _mapcount.counter) + 1;
	}
	return sum - entire * (int)(nr - 1);
}

/*
 * References the page cache itself explains: one per page from the cache
 * (one per hugetlb folio before 6.12's __filemap_add_folio), one for
 * private data (buffer heads, iomap state, fscache's PG_private_2), one
 * per mapping.
 */
static __always_inline bool folio_has_extra_refs(struct folio *folio, bool hugetlb)
{
	unsigned long flags = folio_flags(folio);
	int refs = BPF_CORE_READ(folio, _refcount.counter);
	int expected, extra, private2 = -1;
	unsigned int nr = 1;
	bool large = flag_set(flags, bpf_core_enum_value(enum pageflags, PG_head));

	if (!BPF_CORE_READ(folio, mapping))
		return false;	/* being removed from the cache */
	if (bpf_core_enum_value_exists(enum pageflags, PG_private_2))
		private2 = bpf_core_enum_value(enum pageflags, PG_private_2);
	if (large) {
		/* A pin of a large folio counts in _pincount (folio_maybe_dma_pinned). */
		if (BPF_CORE_READ(folio, _pincount.counter) > 0)
			return true;
		nr = 1U << (folio_order(folio) & 31);
		expected = hugetlb && bpf_core_field_exists(struct folio___v6_1, _folio_order) ? 1 : nr;
		expected += large_mapcount(folio, nr, hugetlb);
	} else {
		expected = 1 + BPF_CORE_READ(folio, _mapcount.counter) + 1;
	}
	if (flag_set(flags, bpf_core_enum_value(enum pageflags, PG_private)) || flag_set(flags, private2))
		expected++;
	extra = refs - expected;
	if (extra == 0)
		return false;
	/*
	 * A folio waiting in a per-CPU LRU batch, or isolated from the LRU,
	 * has PG_lru clear and exactly one reference from whoever cleared it.
	 * memfd drains the batches (lru_add_drain_all) instead; BPF cannot.
	 * Any other reference on top still shows, and a FOLL_PIN on a small
	 * folio adds 1024.
	 */
	if (extra == 1 && !hugetlb && !flag_set(flags, bpf_core_enum_value(enum pageflags, PG_lru)))
		return false;
	return true;
}

/* One slot per call: descend into nodes, climb back up through parents. */
static long visit_slot(__u32 i, struct page_walk *w)
{
	struct xa_node *node = (struct xa_node *)w->node;
	__u32 slot;
	__u64 e = 0;

	if (w->offset >= XA_CHUNK_SIZE) {
		struct xa_node *parent = BPF_CORE_READ(node, parent);

		if (!parent) {
			w->done = true;
			return 1;
		}
		w->offset = BPF_CORE_READ(node, offset) + 1;
		w->node = (__u64)parent;
		return 0;
	}
	/* A local: inside bpf_core_read, w->offset would be CO-RE-relocated too. */
	slot = w->offset & (XA_CHUNK_SIZE - 1);
	bpf_core_read(&e, sizeof(e), &node->slots[slot]);
	w->offset++;
	if (xa_node_entry(e)) {
		w->node = e - 2;
		w->offset = 0;
		return 0;
	}
	if (e == XA_RETRY_ENTRY) {
		/* The tree is being reshaped: this walk cannot vouch for it. */
		w->result = PAGE_REFS_UNSURE;
		return 1;
	}
	/* Empty, a value (shadow or swap entry), a sibling of a large folio. */
	if (!e || (e & 1) || xa_internal(e))
		return 0;
	if (folio_has_extra_refs((struct folio *)e, w->hugetlb)) {
		w->result = PAGE_REFS_EXTRA;
		return 1;
	}
	return 0;
}

static __always_inline enum page_refs_result page_cache_extra_refs(struct inode *inode)
{
	struct address_space *mapping = BPF_CORE_READ(inode, i_mapping);
	struct page_walk w = { .hugetlb = inode->i_sb->s_magic == HUGETLBFS_MAGIC };
	__u64 head = (__u64)BPF_CORE_READ(mapping, i_pages.xa_head);
	struct bpfseal_policy_state *st = get_policy_state();

	if (!st)
		return PAGE_REFS_UNSURE;
	if (!head || (head & 1))
		return PAGE_REFS_NONE;
	if (!xa_internal(head))	/* a single folio at index 0 */
		return folio_has_extra_refs((struct folio *)head, w.hugetlb) ? PAGE_REFS_EXTRA
									      : PAGE_REFS_NONE;
	if (!xa_node_entry(head))
		return PAGE_REFS_UNSURE;
	w.node = head - 2;
	/*
	 * Always 0, but read from a map, so the verifier cannot know it. 6.1
	 * verifies a bpf_loop callback once, against the caller's stack as it
	 * is at the call, and drops the branches that state never takes: with a
	 * constant 0 there, the climb back to a parent vanished (fixed in 6.7).
	 * (A map, not a global: every map of the policy is frozen for userspace.)
	 */
	w.offset = st->page_walk_first_slot;
	bpf_loop(PAGE_WALK_MAX_STEPS, visit_slot, &w, 0);
	if (w.result == PAGE_REFS_NONE && !w.done)
		return PAGE_REFS_UNSURE;	/* more cached pages than one walk may visit */
	/* A root that grew or shrank meanwhile moved entries past the walk. */
	if (w.result == PAGE_REFS_NONE && (__u64)BPF_CORE_READ(mapping, i_pages.xa_head) != head)
		return PAGE_REFS_UNSURE;
	return w.result;
}

#endif

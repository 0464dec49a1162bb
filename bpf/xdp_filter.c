//go:build ignore

// xdp_filter judges TCP packets toward the gateway's ports by source address
// before the kernel builds a socket (issue 7). Only what it can fully parse is
// judged; everything else passes (XDP_PASS) and meets the accept-time twin in
// userspace (bpf/twin.go), which takes exactly the same decision.
//
// Decision for a TCP packet to a judged port P from source S:
//   1. S in the deny list (LPM)                 -> drop, counted on the deny rule
//   2. P allow-only and S in P's allow list     -> pass, counted on the allow rule
//   3. P allow-only and S not in it             -> drop, counted on rule 0
//   4. otherwise                                -> pass, counted on rule 0
//
// Only <bpf/bpf_helpers.h> and <bpf/bpf_endian.h> (libbpf-dev) are included;
// the few kernel ABI definitions are spelled out below so the build does not
// depend on the host's multiarch kernel headers.

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef short __s16;
typedef int __s32;
typedef long long __s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

// Kernel ABI (include/uapi/linux/bpf.h).
enum {
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_LPM_TRIE = 11,
};
#define BPF_F_NO_PREALLOC (1U << 0)
enum xdp_action { XDP_ABORTED = 0, XDP_DROP, XDP_PASS };
struct xdp_md {
	__u32 data;
	__u32 data_end;
	__u32 data_meta;
	__u32 ingress_ifindex;
	__u32 rx_queue_index;
	__u32 egress_ifindex;
};

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8
#define IPPROTO_TCP 6

struct ethhdr {
	__u8 h_dest[6];
	__u8 h_source[6];
	__be16 h_proto;
} __attribute__((packed));

struct vlanhdr {
	__be16 tci;
	__be16 proto;
};

struct iphdr {
	__u8 ver_ihl; // version (high nibble), IHL in 32-bit words (low nibble)
	__u8 tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag_off; // RFC 791: flags (3 bits) + fragment offset (13 bits)
	__u8 ttl;
	__u8 protocol;
	__u16 check;
	__be32 saddr;
	__be32 daddr;
};

struct ipv6hdr {
	__be32 ver_tc_flow;
	__be16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	__u8 saddr[16];
	__u8 daddr[16];
};

struct tcphdr {
	__be16 source;
	__be16 dest;
	__be32 seq;
	__be32 ack_seq;
	__u16 flags;
	__be16 window;
	__u16 check;
	__be16 urg_ptr;
};

// Sizes shared with the Go loader (bpf/maps.go).
#define MAX_PREFIXES (1 << 20)
#define MAX_RULES 16384
#define PORT_JUDGED 1
#define PORT_ALLOW_ONLY 2

// LPM keys: prefixlen counts bits of data. Allow-list keys start with the
// destination port (network order), so one trie holds every port's list and
// prefixlen is 16 + the address prefix length.
struct key4 {
	__u32 prefixlen;
	__u8 addr[4];
};
struct key6 {
	__u32 prefixlen;
	__u8 addr[16];
};
struct pkey4 {
	__u32 prefixlen;
	__be16 port;
	__u8 addr[4];
} __attribute__((packed));
struct pkey6 {
	__u32 prefixlen;
	__be16 port;
	__u8 addr[16];
} __attribute__((packed));

struct counter {
	__u64 passed;
	__u64 dropped;
};

// Maps are pinned by name (LIBBPF_PIN_BY_NAME) under the loader's pin
// directory, so a restarted gateway reuses the loaded lists.
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, MAX_PREFIXES);
	__type(key, struct key4);
	__type(value, __u32); // rule id
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} deny_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, MAX_PREFIXES);
	__type(key, struct key6);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} deny_v6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, MAX_PREFIXES);
	__type(key, struct pkey4);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} allow_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, MAX_PREFIXES);
	__type(key, struct pkey6);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} allow_v6 SEC(".maps");

// ports is the config map: flags per destination port (host order index).
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ports SEC(".maps");

// counters: per-CPU passed/dropped per rule id; rule 0 is "no list matched".
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_RULES);
	__type(key, __u32);
	__type(value, struct counter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} counters SEC(".maps");

static __always_inline int count(__u32 rule, int action)
{
	struct counter *c = bpf_map_lookup_elem(&counters, &rule);
	if (c) {
		if (action == XDP_DROP)
			c->dropped++; // per-CPU slot: no atomics needed
		else
			c->passed++;
	}
	return action;
}

static __always_inline int judge4(const __u8 *saddr, __be16 dport, __u32 flags)
{
	struct key4 k = {.prefixlen = 32};
	__builtin_memcpy(k.addr, saddr, 4);
	__u32 *rule = bpf_map_lookup_elem(&deny_v4, &k);
	if (rule)
		return count(*rule, XDP_DROP);
	if (flags & PORT_ALLOW_ONLY) {
		struct pkey4 pk = {.prefixlen = 16 + 32, .port = dport};
		__builtin_memcpy(pk.addr, saddr, 4);
		rule = bpf_map_lookup_elem(&allow_v4, &pk);
		if (rule)
			return count(*rule, XDP_PASS);
		return count(0, XDP_DROP);
	}
	return count(0, XDP_PASS);
}

static __always_inline int judge6(const __u8 *saddr, __be16 dport, __u32 flags)
{
	struct key6 k = {.prefixlen = 128};
	__builtin_memcpy(k.addr, saddr, 16);
	__u32 *rule = bpf_map_lookup_elem(&deny_v6, &k);
	if (rule)
		return count(*rule, XDP_DROP);
	if (flags & PORT_ALLOW_ONLY) {
		struct pkey6 pk = {.prefixlen = 16 + 128, .port = dport};
		__builtin_memcpy(pk.addr, saddr, 16);
		rule = bpf_map_lookup_elem(&allow_v6, &pk);
		if (rule)
			return count(*rule, XDP_PASS);
		return count(0, XDP_DROP);
	}
	return count(0, XDP_PASS);
}

// port_flags returns the config flags of a destination port (0: not judged).
static __always_inline __u32 port_flags(__be16 dport)
{
	__u32 key = bpf_ntohs(dport);
	__u32 *f = bpf_map_lookup_elem(&ports, &key);
	return f ? *f : 0;
}

SEC("xdp")
int xdp_filter(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	__be16 proto = eth->h_proto;
	void *l3 = eth + 1;

	// One VLAN tag, 802.1Q or 802.1ad (IEEE 802.1Q-2018 9.6).
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
		struct vlanhdr *vh = l3;
		if ((void *)(vh + 1) > data_end)
			return XDP_PASS;
		proto = vh->proto;
		l3 = vh + 1;
	}

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = l3;
		if ((void *)(ip + 1) > data_end)
			return XDP_PASS;
		if ((ip->ver_ihl >> 4) != 4 || ip->protocol != IPPROTO_TCP)
			return XDP_PASS;
		__u32 ihl = (ip->ver_ihl & 0x0f) * 4;
		if (ihl < sizeof(*ip))
			return XDP_PASS; // malformed (RFC 791: IHL >= 5)
		// Fragments (MF set or a non-zero offset) pass: only the accept-time
		// twin sees the reassembled connection.
		if (ip->frag_off & bpf_htons(0x3fff))
			return XDP_PASS;
		struct tcphdr *tcp = l3 + ihl;
		if ((void *)(tcp + 1) > data_end)
			return XDP_PASS;
		__u32 flags = port_flags(tcp->dest);
		if (!(flags & PORT_JUDGED))
			return XDP_PASS;
		return judge4((const __u8 *)&ip->saddr, tcp->dest, flags);
	}

	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = l3;
		if ((void *)(ip6 + 1) > data_end)
			return XDP_PASS;
		// Extension headers (RFC 8200 4) are not walked: such packets pass.
		if ((bpf_ntohl(ip6->ver_tc_flow) >> 28) != 6 || ip6->nexthdr != IPPROTO_TCP)
			return XDP_PASS;
		struct tcphdr *tcp = (void *)(ip6 + 1);
		if ((void *)(tcp + 1) > data_end)
			return XDP_PASS;
		__u32 flags = port_flags(tcp->dest);
		if (!(flags & PORT_JUDGED))
			return XDP_PASS;
		return judge6(ip6->saddr, tcp->dest, flags);
	}
	return XDP_PASS;
}

char __license[] SEC("license") = "Dual BSD/GPL";

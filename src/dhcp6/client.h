/* The DHCPv6 client (RFC 9915 §18.2): one instance per interface, all of a
 * stack's instances sharing one UDP socket on port 546.
 *
 * Files: client.c the state machine (Solicit/Advertise/Request/Reply,
 * Renew, Rebind, Release, Decline, Confirm, Information-request; §15
 * retransmission), client_io.c the socket, client_pd.c the downstream
 * numbering from a delegated prefix (router mode, RFC 9096 on change),
 * client_auth.c the Reconfigure checks (§18.2.11, §20.4), duid.c the DUID
 * (made once, kept in the state directory).
 *
 * Simplifications, on purpose: one IA_NA and one IA_PD per interface; the
 * client renews all of its IAs together at the smallest T1 of those it holds
 * (and rebinds at the smallest T2), as RFC 9915 §18.2.4 allows ("the client
 * MAY include all IAs in one Renew").
 *
 * Caps: D6C_MAX_IFS client interfaces per stack, D6C_MAX_PD_TO downstream
 * links per client, DHCP6_MAX_IA_ITEMS addresses / prefixes per IA. */
#ifndef SIX_DHCP6_CLIENT_H
#define SIX_DHCP6_CLIENT_H
#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>
#include "core/timer.h"
#include "apps/apps.h"
#include "wire/dhcp6.h"
#include "dstm/dstm.h"

struct six_stack;
struct ifnet;

#define D6C_MAX_IFS        8
#define D6C_MAX_PD_TO      8
#define D6C_MAX_DOMAINS    4
#define D6C_DOMAIN_LEN     254
#define D6C_PKT_MAX        1500       /* what the client sends; received messages may be larger */
#define D6C_RFC9096_VALID  7200       /* s: the old /64's valid lifetime after a change, at most */
#define D6C_T1_FLOOR        60        /* s: T1 of our choosing is no shorter (unless valid/2 is) */
/* A delegated prefix is numbered downstream only if its length is within
 * these bounds (a /64 per downstream link needs plen <= 64; shorter than
 * /8 is no delegation any ISP makes, only a forgery such as ::/0). */
#define D6C_PD_PLEN_MIN    8
#define D6C_PD_PLEN_MAX    64
#define D6C_STR_(x)        #x
#define D6C_STR(x)         D6C_STR_(x)

/* RFC 9915 §7.6 transmission and retransmission parameters (s) */
#define D6C_SOL_MAX_DELAY   1
#define D6C_SOL_TIMEOUT     1
#define D6C_SOL_MAX_RT      3600
#define D6C_REQ_TIMEOUT     1
#define D6C_REQ_MAX_RT      30
#define D6C_REQ_MAX_RC      10
#define D6C_CNF_MAX_DELAY   1
#define D6C_CNF_TIMEOUT     1
#define D6C_CNF_MAX_RT      4
#define D6C_CNF_MAX_RD      10
#define D6C_REN_TIMEOUT     10
#define D6C_REN_MAX_RT      600
#define D6C_REB_TIMEOUT     10
#define D6C_REB_MAX_RT      600
#define D6C_INF_MAX_DELAY   1
#define D6C_INF_TIMEOUT     1
#define D6C_INF_MAX_RT      3600
#define D6C_REL_TIMEOUT     1
#define D6C_REL_MAX_RC      4
#define D6C_DEC_TIMEOUT     1
#define D6C_DEC_MAX_RC      4
#define D6C_IRT_DEFAULT     86400
#define D6C_IRT_MINIMUM     600
#define D6C_MAX_RT_MIN      60        /* SOL_MAX_RT / INF_MAX_RT from a server: within 60..86400 */
#define D6C_MAX_RT_MAX      86400

enum d6c_state {
    D6C_IDLE,        /* off, or an info-only client between refreshes */
    D6C_SOLICIT, D6C_REQUEST, D6C_BOUND, D6C_RENEW, D6C_REBIND,
    D6C_CONFIRM, D6C_DECLINE, D6C_RELEASE, D6C_INFOREQ,
};

/* What `dhcp6 client dev IF ...` asks for. */
struct d6c_params {
    bool ia_na, ia_pd, rapid_commit, reconf_accept, info_only;
    uint8_t pd_hint;                  /* 0: no hint */
    struct { char ifname[IFNAMSIZ]; uint32_t sla; } pd_to[D6C_MAX_PD_TO];
    int n_pd_to;
    char duid_file[256];              /* "": the state directory's */
};

/* An address or prefix held, with the instant its lifetimes started. */
struct d6c_item {
    struct in6_addr addr;
    uint8_t plen;
    uint32_t preferred, valid;        /* s, as the server gave them */
    uint64_t got_ns;
};

/* One downstream link numbered from the delegated prefix. */
struct d6c_pd_to {
    char ifname[IFNAMSIZ];
    uint32_t sla;
    bool active;                      /* cur is configured on the link */
    struct in6_addr cur;              /* the /64 announced now */
    uint64_t valid_until;             /* its lifetimes (absolute ns), for RFC 9096 when it goes */
};

/* The IPv4 IA the DTI asks for (client_v4.c; draft-ietf-ngtrans-dstm §7
 * or RFC 7598 lw4o6). Off unless a DTI attached to the interface. */
enum d6c_v4_mode { D6C_V4_OFF = 0, D6C_V4_DRAFT, D6C_V4_LW4O6 };
enum d6c_v4_event {
    D6C_V4_BOUND = 1,     /* a binding got (b: it) */
    D6C_V4_EXTENDED,      /* the held binding renewed (b: new lifetimes) */
    D6C_V4_LOST,          /* gone: expired, taken back by the server, released, lease restarted */
};
typedef void (*d6c_v4_fn)(void *arg, enum d6c_v4_event ev, const struct dstm_binding *b);
struct d6c_v4 {
    enum d6c_v4_mode mode;
    uint16_t opt_code;                /* DRAFT: the extension's code */
    uint32_t iaid;                    /* DRAFT: its IA_NA's IAID (never the IPv6 IA_NA's) */
    bool want;                        /* the DTI has traffic: ask (DRAFT: IAADDR ::ffff:0.0.0.0; LW4O6: the ORO) */
    bool held;
    struct dstm_binding b;            /* held: v6 is the B4 / DTI address the 4in6 leaves from */
    uint8_t b4_plen;                  /* LW4O6: the bind prefix's length (128: the address itself) */
    uint32_t t1, preferred, valid;    /* s, of the last Reply that carried it */
    uint64_t got_ns;
    bool release_only;                /* the Release under way is of this IA alone */
    struct timer expire;
    d6c_v4_fn fn;
    void *arg;
};

struct d6c_if {
    struct d6_client *cli;
    bool in_use;
    char ifname[IFNAMSIZ];
    unsigned ifindex;
    struct d6c_params p;
    uint32_t iaid;
    enum d6c_state state;
    /* the exchange under way (§15) */
    uint32_t xid;
    uint64_t ex_start_ns;             /* for ELAPSED_TIME and MRD */
    uint32_t rt_ms, irt_ms, mrt_ms, mrc;
    uint64_t mrd_ms;                  /* 0: none; 64 bits: a Rebind's MRD runs to the end of a lease of years */
    uint32_t rc;                      /* transmissions so far */
    bool first_rt_over;               /* Solicit: Advertises are collected until it is */
    struct timer rtx;
    /* Solicit: the best Advertise so far */
    bool have_adv;
    uint8_t adv_pref;
    uint8_t adv_duid[DHCP6_DUID_MAX]; uint16_t adv_duid_len;
    struct d6c_item adv_na[DHCP6_MAX_IA_ITEMS]; int n_adv_na;
    struct d6c_item adv_pd[DHCP6_MAX_IA_ITEMS]; int n_adv_pd;
    /* the lease */
    uint8_t srv_duid[DHCP6_DUID_MAX]; uint16_t srv_duid_len;   /* 0: not bound */
    struct d6c_item na[DHCP6_MAX_IA_ITEMS]; int n_na;
    struct d6c_item pd[DHCP6_MAX_IA_ITEMS]; int n_pd;
    uint32_t t1, t2;                  /* s, of the last Reply */
    uint64_t bound_ns;                /* when the last Reply came */
    struct timer t1_timer, t2_timer, expire_timer;
    struct in6_addr dns[DHCP6_MAX_DNS]; int n_dns;
    char domains[D6C_MAX_DOMAINS][D6C_DOMAIN_LEN]; int n_domains;
    uint32_t sol_max_rt, inf_max_rt;  /* s, as the server set them (or the defaults) */
    uint32_t info_refresh;            /* s, info-only: INFORMATION_REFRESH_TIME */
    struct in6_addr decline_addr;     /* D6C_DECLINE: the address DAD refused */
    /* Reconfigure (§20.4) */
    bool have_rkey;
    uint8_t rkey[16];
    bool have_replay;
    uint64_t last_replay;             /* the highest replay counter seen from the bound server */
    enum d6c_state after_release;     /* D6C_IDLE: off; else what follows */
    struct timer link_timer;          /* Decline, Confirm / Rebind after a network event (deferred) */
    uint8_t pending;                  /* what link_timer is to do */
    struct d6c_pd_to pd_to[D6C_MAX_PD_TO];
    struct d6c_item deleg;            /* the delegated prefix the links are numbered from (plen 0: none) */
    uint32_t order;                   /* when it was configured: its DNS comes in this order (resolver) */
    struct d6c_v4 v4;                 /* the DTI's IPv4 IA (mode OFF: none) */
};

struct d6_client {
    struct six_stack *st;
    struct app_sock sock;             /* UDP [::]:546, sd -1 when closed */
    uint8_t duid[DHCP6_DUID_MAX];
    uint16_t duid_len;                /* 0: not made yet */
    char duid_path[512];              /* where it was read or written ("": memory only) */
    struct d6c_if ifs[D6C_MAX_IFS];
    uint8_t rbuf[65536];              /* the message being read */
    uint32_t next_order;              /* d6c_if.order of the next client started */
};

/* ---- client.c: the public calls (src/ctl/cmd_dhcp6_client.c) ---- */
/* Start (or restart with new parameters) the client on ifname. 0, or -errno
 * with a reason in why. */
int  d6c_start(struct six_stack *st, const char *ifname, const struct d6c_params *p, char *why, size_t whyn);
/* Stop it; release: send a Release first (and drop the lease either way). */
int  d6c_stop(struct six_stack *st, const char *ifname, bool release);
struct d6_client *d6c_get(struct six_stack *st);    /* NULL when no client ever ran */
const char *d6c_state_name(enum d6c_state s);
/* Seconds left of an item's lifetime (preferred or valid) at now. */
uint32_t d6c_left(const struct d6c_item *it, uint32_t life, uint64_t now);

/* ---- client.c internals shared by the other files ---- */
/* A message from `from` to `dst` (IPV6_PKTINFO) that came in on c's interface. */
void d6c_input(struct d6_client *cli, struct d6c_if *c, uint8_t *buf, size_t len, const struct in6_addr *from,
               const struct in6_addr *dst);
struct d6c_if *d6c_by_ifindex(struct d6_client *cli, unsigned ifindex);
void d6c_restart(struct d6c_if *c);    /* drop the lease and Solicit again */
void d6c_ex_now(struct d6c_if *c, enum d6c_state s);   /* begin exchange s at once (Renew, Release) */

/* ---- client_v4.c: the DTI's IPv4 IA ---- */
/* Attach a DTI to ifname's running client (which must hold or ask an IA_NA
 * and accept Reconfigure): from now on its IPv4 IA goes in every Solicit /
 * Request / Renew / Rebind — DRAFT: the extension (code opt_code) and an
 * IA_NA of its own IAID, empty while nothing is held or wanted (so that a
 * Reconfigure's Renew takes what the AIIH offered, draft §5.1.3), IAADDR
 * ::ffff:0.0.0.0 while wanted, the held address while held; LW4O6:
 * S46_CONT_LW in the ORO while wanted or held. fn hears of bindings. 0 or
 * -errno with why. */
int  d6c_v4_attach(struct six_stack *st, const char *ifname, enum d6c_v4_mode mode, uint16_t opt_code,
                   d6c_v4_fn fn, void *arg, char *why, size_t whyn);
/* Detach (the DTI stops); release: a Release of just the IPv4 IA first. fn is not called again. */
void d6c_v4_detach(struct six_stack *st, const char *ifname, bool release);
/* Ask for an address now (a Renew at once when bound). 0, -ENOENT (no client), -EALREADY (held). */
int  d6c_v4_want(struct six_stack *st, const char *ifname);
/* Give the held IPv4 binding back (draft §5.1.1 "MUST Release"): a Release
 * of that IA alone, the IPv6 lease stays; fn hears LOST at once. */
int  d6c_v4_release(struct six_stack *st, const char *ifname);
/* client.c's hooks into client_v4.c */
bool d6c_v4_oro(const struct d6c_if *c);                              /* S46_CONT_LW in the ORO? */
void d6c_v4_put_ia(struct d6c_if *c, struct dhcp6_builder *b);        /* the IA of the message under way */
void d6c_v4_reply(struct d6c_if *c, const struct dhcp6_msg *m);       /* a lease Reply (after T1/T2 chosen) */
void d6c_v4_released(struct d6c_if *c);                               /* a Release of the v4 IA alone ended */
void d6c_v4_lost(struct d6c_if *c);                                   /* the whole lease went */
void d6c_v4_free(struct d6c_if *c);                                   /* the client interface goes */

/* ---- client_io.c ---- */
int  d6c_io_open(struct d6_client *cli);
void d6c_io_close(struct d6_client *cli);
/* To All_DHCP_Relay_Agents_and_Servers on c's link. 0 or -errno. */
int  d6c_io_send(struct d6c_if *c, const void *msg, size_t len);

/* ---- client_pd.c ---- */
/* The delegated prefixes of the lease changed (or went: n_pd 0): number
 * the downstream links, deprecate what is gone (RFC 9096). */
void d6c_pd_apply(struct d6c_if *c);
/* Withdraw everything (client stopped): deprecate at once like a loss. */
void d6c_pd_withdraw(struct d6c_if *c);
/* Why a delegated prefix must be ignored (NULL: it may be used): length
 * outside D6C_PD_PLEN_MIN..MAX, touching ::, ::1, ::ffff:0:0/96,
 * fe80::/10 or ff00::/8, or overlapping the upstream link (an address or
 * on-link prefix of c's interface, or one of the IA_NA addresses na). */
const char *d6c_pd_refusal(struct d6c_if *c, const struct in6_addr *p, uint8_t plen, const struct d6c_item *na,
                           int n_na);
/* PREFIX (plen <= 64) + SLA ID → the /64; false if sla does not fit. */
bool d6c_pd_subnet(const struct in6_addr *prefix, uint8_t plen, uint32_t sla, struct in6_addr *out);

/* ---- client_auth.c ---- */
/* Store the reconfigure key of a Reply's AUTH (protocol 3, HMAC-MD5, RDM 0,
 * type 1); false (and counted) if the AUTH is not a reconfigure key. */
bool d6c_auth_take_key(struct d6c_if *c, const struct dhcp6_msg *m);
/* A Reconfigure: true if it may be acted on (from the bound server, a valid
 * HMAC under our key, a replay counter above the last one); else counted
 * under its reason and false. buf is the message (not modified). */
bool d6c_auth_check_reconf(struct d6c_if *c, const struct dhcp6_msg *m, const uint8_t *buf, size_t len);
/* HMAC-MD5 of msg with the 16 octets at hmac_off zeroed (test hook too). */
bool d6c_hmac_md5(const uint8_t key[16], const uint8_t *msg, size_t len, size_t hmac_off, uint8_t out[16]);

/* ---- duid.c ---- */
/* Our DUID: read from path (p->duid_file, else STATE_DIR/NAME.dhcp6c-duid),
 * else made from ifp (DUID-LLT: its MAC and the time; DUID-UUID for a link
 * without a MAC) and written there. 0, or -errno with why. */
int  d6c_duid_load(struct d6_client *cli, struct ifnet *ifp, const char *duid_file, char *why, size_t whyn);
/* "00:01:00:01:..." */
void d6c_duid_text(const uint8_t *d, size_t len, char *out, size_t outn);

#endif

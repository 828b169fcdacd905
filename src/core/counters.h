/* Named counters, netstat -s style. Every drop has one.
 *
 * Two kinds:
 *  - the fixed list below (SIX_COUNTERS), counter "proto.name";
 *  - wire parse rejections: one per (protocol, wire reason), named
 *    "proto.drop.<reason>" (e.g. "ip6.drop.truncated"), counted with wire_drop().
 * To add a counter: add one X() line here. Names are stable: tools parse them. */
#ifndef SIX_CORE_COUNTERS_H
#define SIX_CORE_COUNTERS_H
#include <stdint.h>
#include "wire/wire.h"

#define SIX_COUNTERS(X) \
    /* link */ \
    X(if, in_frames) X(if, out_frames) X(if, drop_down) X(if, drop_no_buffer) X(if, drop_unknown_ethertype) \
    X(if, drop_not_for_us) X(if, drop_tx_error) X(if, drop_too_big) X(if, drop_bad_version) \
    /* IPv6 */ \
    X(ip6, in_receives) X(ip6, in_delivers) X(ip6, out_requests) X(ip6, out_fwd) X(ip6, forwarded) \
    X(ip6, drop_not_for_us) X(ip6, drop_hlim_exceeded) X(ip6, drop_no_route) X(ip6, drop_too_big) \
    X(ip6, drop_src_invalid) X(ip6, drop_dst_invalid) X(ip6, drop_unknown_nxt) X(ip6, drop_ext_chain_too_long) \
    X(ip6, drop_hbh_not_first) X(ip6, drop_opt_discard) X(ip6, drop_opt_param_prob) X(ip6, drop_rthdr0) \
    X(ip6, drop_rthdr_unknown) X(ip6, drop_no_buffer) X(ip6, drop_mcast_not_joined) X(ip6, drop_fwd_disabled) \
    X(ip6, drop_scope) X(ip6, drop_nxt_none) X(ip6, drop_loop_src) X(ip6, out_no_route) X(ip6, out_no_src) \
    X(ip6, out_fragmented) X(ip6, out_frag_created) X(ip6, drop_df_too_big) X(ip6, drop_resolve_failed) \
    /* IPv6 reassembly */ \
    X(frag6, in_fragments) X(frag6, reassembled) X(frag6, atomic) X(frag6, drop_overlap) X(frag6, drop_timeout) \
    X(frag6, drop_mem_global) X(frag6, drop_mem_per_src) X(frag6, drop_too_big) X(frag6, drop_bad_len) \
    X(frag6, drop_first_incomplete_chain) X(frag6, drop_dup) X(frag6, drop_inconsistent) X(frag6, drop_no_buffer) \
    X(frag6, drop_table_full) X(frag6, drop_too_many_frags) X(frag6, mixed_provenance) \
    /* ICMPv6 */ \
    X(icmp6, in_msgs) X(icmp6, out_msgs) X(icmp6, in_echo) X(icmp6, out_echo_reply) X(icmp6, in_echo_reply) \
    X(icmp6, out_errors) X(icmp6, err_ratelimited) X(icmp6, err_suppressed) X(icmp6, in_errors) \
    X(icmp6, in_unknown_type) X(icmp6, in_ptb) X(icmp6, drop_ptb_invalid) X(icmp6, in_dst_unreach) X(icmp6, in_time_exceeded) X(icmp6, in_param_prob) \
    /* Neighbor Discovery */ \
    X(nd6, in_ns) X(nd6, in_na) X(nd6, in_rs) X(nd6, in_ra) X(nd6, in_redirect) \
    X(nd6, out_ns) X(nd6, out_na) X(nd6, out_rs) X(nd6, out_ra) X(nd6, out_redirect) \
    X(nd6, drop_hlim) X(nd6, drop_fragmented) X(nd6, drop_bad_src) X(nd6, drop_bad_dst) X(nd6, drop_target_not_ours) \
    X(nd6, drop_dad_slla) X(nd6, drop_solicited_mcast) X(nd6, drop_ra_not_linklocal) X(nd6, drop_redirect_invalid) \
    X(nd6, drop_rs_router_only) X(nd6, drop_queue_full) X(nd6, drop_unreachable) X(nd6, drop_cache_full) \
    X(nd6, cache_evicted) X(nd6, override_applied) X(nd6, dad_conflict) X(nd6, dad_ok) X(nd6, drop_na_dad_tentative) \
    X(nd6, drop_ignored_ra_router) X(nd6, prefix_list_full) X(nd6, router_list_full) X(nd6, drop_no_lla) \
    X(nd6, drop_flushed) X(nd6, ra_deferred) \
    /* MLD */ \
    X(mld6, in_query) X(mld6, in_report) X(mld6, out_report) X(mld6, drop_bad_src) X(mld6, drop_hlim) \
    /* address autoconfiguration */ \
    X(addrconf, slaac_created) X(addrconf, slaac_updated) X(addrconf, expired) X(addrconf, deprecated) \
    X(addrconf, drop_prefix_bad_len) X(addrconf, drop_prefix_linklocal) X(addrconf, table_full) \
    /* IPv4 */ \
    X(ip4, in_receives) X(ip4, in_delivers) X(ip4, out_requests) X(ip4, forwarded) X(ip4, drop_not_for_us) \
    X(ip4, drop_ttl_exceeded) X(ip4, drop_no_route) X(ip4, drop_src_invalid) X(ip4, drop_unknown_proto) \
    X(ip4, drop_no_buffer) X(ip4, drop_df_too_big) X(ip4, drop_fwd_disabled) X(ip4, out_no_route) \
    X(ip4, out_no_src) X(ip4, out_fragmented) X(ip4, out_frag_created) X(ip4, drop_resolve_failed) X(ip4, drop_martian_dst) X(ip4, drop_directed_bcast) \
    X(frag4, in_fragments) X(frag4, reassembled) X(frag4, drop_overlap) X(frag4, drop_timeout) \
    X(frag4, drop_mem_global) X(frag4, drop_mem_per_src) X(frag4, drop_too_big) X(frag4, drop_bad_len) \
    X(frag4, drop_table_full) X(frag4, drop_no_buffer) X(frag4, drop_dup) X(frag4, drop_too_many_frags) \
    X(frag4, mixed_provenance) \
    X(icmp4, in_msgs) X(icmp4, out_msgs) X(icmp4, in_echo) X(icmp4, out_echo_reply) X(icmp4, in_echo_reply) \
    X(icmp4, out_errors) X(icmp4, err_ratelimited) X(icmp4, err_suppressed) X(icmp4, in_unknown_type) \
    X(icmp4, in_needfrag) X(icmp4, in_unreach) X(icmp4, in_time_exceeded) X(icmp4, drop_bcast_echo) \
    X(arp, in_request) X(arp, in_reply) X(arp, out_request) X(arp, out_reply) X(arp, out_gratuitous) \
    X(arp, drop_not_for_us) X(arp, drop_bad_src) X(arp, drop_queue_full) X(arp, drop_unreachable) \
    X(arp, drop_cache_full) X(arp, cache_evicted) X(arp, conflict) \
    X(arp, drop_flushed) \
    /* UDP (minimal until the transport issue) */ \
    X(udp, in_datagrams) X(udp, drop_no_port) X(udp, out_datagrams) X(udp, delivered) X(udp, drop_rcvbuf_full) \
    X(udp, out_errors) X(raw6, delivered) X(raw6, drop_rcvbuf_full) X(raw6, out_msgs) \
    X(tcp, drop_no_listener) X(tcp, out_rst) X(tcp, in_segs) X(tcp, out_segs) X(tcp, established) \
    X(tcp, drop_conn_limit) X(tcp, tw_recycled) X(tcp, drop_listen_overflow) X(tcp, close_unread_rst) X(tcp, close_linger_rst) \
    X(tcp, rexmt) X(tcp, rexmt_timeout) X(tcp, fast_rexmt) X(tcp, tlp_probe) X(tcp, tlp_recovery) X(tcp, rexmt_lost) X(tcp, challenge_ack) X(tcp, drop_bad_ack) \
    X(tcp, drop_out_of_window) X(tcp, drop_syn_in_window) X(tcp, rst_in_window) X(tcp, drop_rst_out_of_window) \
    X(tcp, ooo_queued) X(tcp, drop_ooo_full) X(tcp, drop_after_close) X(tcp, dup_data) X(tcp, persist_probe) \
    X(tcp, conn_timeout) X(tcp, drop_listen_ack) X(tcp, rst_received) X(tcp, drop_no_memory) X(tcp, keepalive_probe) X(tcp, keepalive_drop) \
    X(tcp, syncookie_sent) X(tcp, syncookie_ok) X(tcp, drop_accept_queue_full) X(tcp, urg_ignored) \
    X(tcp, drop_no_ts) X(tcp, challenge_ack_limited) X(tcp, syncookie_bad) X(tcp, drop_syncookie_error) \
    X(tcp, persist_drop) X(tcp, rtt_sample_ignored) X(tcp, dupack_limited) X(tcp, tw_syn_old_ts) \
    /* ICMP errors about our segments (tcp_icmp.c) */ \
    X(tcp, icmp_in) X(tcp, drop_icmp_quote_short) X(tcp, drop_icmp_no_conn) X(tcp, drop_icmp_seq_out_of_window) \
    X(tcp, pmtu_reduced) X(tcp, pmtu_clamped) X(tcp, drop_pmtu_invalid) X(tcp, drop_pmtu_not_lower) \
    X(tcp, icmp_hard_error) X(tcp, icmp_soft_error) \
    /* DNS stub resolver (src/transport/resolver.c); drop_<reason> as in wire/dns.h */ \
    X(dns, queries) X(dns, answers) X(dns, timeouts) X(dns, tcp_fallback) X(dns, tcp_errors) X(dns, send_errors) \
    X(dns, icmp_errors) X(dns, server_error) X(dns, cache_hit) X(dns, cache_miss) X(dns, neg_cache_hit) \
    X(dns, cache_evicted) X(dns, drop_bad_src) X(dns, drop_id_mismatch) X(dns, drop_question_mismatch) \
    X(dns, drop_not_response) X(dns, drop_bad_opcode) X(dns, drop_truncated) X(dns, drop_msg_too_long) \
    X(dns, drop_label_too_long) X(dns, drop_name_too_long) X(dns, drop_compression_loop) \
    X(dns, drop_pointer_forward) X(dns, drop_pointer_beyond) X(dns, drop_pointer_into_header) \
    X(dns, drop_too_many_pointers) X(dns, drop_bad_count) X(dns, drop_rdata_overrun) X(dns, drop_bad_rdlen) \
    X(dns, drop_bad_opt) X(dns, drop_trailing_data) X(dns, drop_malformed) X(dns, drop_cname_chain) \
    /* host links: the outer IPv4 path through the host's sockets (link/hostip.c) */ \
    X(host, in_raw) X(host, in_udp) X(host, out_raw) X(host, out_udp) X(host, drop_unsupported) \
    X(host, drop_fragment) X(host, drop_bad_packet) X(host, drop_tx_error) X(host, drop_rx_error) \
    X(host, drop_no_buffer) X(host, drop_rx_truncated) X(host, addr_added) X(host, addr_removed) \
    X(host, addr_refused) X(host, drop_rtnl) X(host, rtnl_resync) X(host, out_udp_gso_msgs) \
    X(host, gso_disabled) X(host, in_udp_gro_msgs) \
    /* IPsec (src/ipsec) */ \
    X(ipsec, out_packets) X(ipsec, in_packets) X(ipsec, drop_policy) X(ipsec, drop_no_sa) X(ipsec, acquire) \
    X(ipsec, drop_unknown_spi) X(ipsec, drop_replay) X(ipsec, drop_icv) X(ipsec, drop_bad_padding) \
    X(ipsec, drop_truncated) X(ipsec, drop_expired) X(ipsec, drop_seq_exhausted) X(ipsec, drop_no_buffer) \
    X(ipsec, drop_selector) X(ipsec, drop_nest) X(ipsec, drop_bad_nxt) X(ipsec, drop_crypto) X(ipsec, dummy) \
    X(ipsec, soft_expire) X(ipsec, hard_expire) X(ipsec, drop_discard) X(ipsec, natt_in) X(ipsec, natt_out) \
    X(ipsec, natt_keepalive_in) X(ipsec, natt_keepalive_out) X(ipsec, natt_peer_moved) X(ipsec, drop_natt_mismatch) \
    X(ipsec, ah_in_packets) X(ipsec, ah_out_packets) X(ipsec, ah_drop_icv_len) X(ipsec, drop_sockpol_in) \
    X(ipsec, drop_sa_addr) X(ipsec, natt_move_refused_old) \
    /* IPsec state directory (src/ipsec/sa_persist.c) */ \
    X(ipsec, state_writes) X(ipsec, state_write_failed) X(ipsec, drop_seq_unsaved) X(ipsec, state_restored) \
    X(ipsec, state_keys_changed) X(ipsec, state_file_bad) X(ipsec, state_peer_restored) X(ipsec, replay_reset) \
    /* configured tunnels (net/gif.c) */ \
    X(gif, in_packets) X(gif, out_packets) X(gif, drop_unknown_src) X(gif, drop_nested) \
    X(gif, drop_inner_truncated) X(gif, drop_inner_bad) X(gif, drop_inner_mismatch) X(gif, drop_spoof_own) \
    X(gif, drop_spoof_prefix) X(gif, drop_spoof_linklocal) X(gif, drop_bad_src) X(gif, drop_out_bad_inner) \
    X(gif, drop_no_sa) X(gif, drop_not_protected) X(gif, drop_sa_mismatch) X(gif, drop_spoof_urpf) \
    /* gif: ICMP errors from the outer path, path MTU, ECN (net/gif_icmp.c) */ \
    X(gif, icmp_in) X(gif, icmp_relayed) X(gif, icmp_quote_short) X(gif, icmp_quote_frag) X(gif, icmp_quote_bad) \
    X(gif, icmp_inner_error) X(gif, icmp_suppressed) X(gif, icmp_ignored) X(gif, icmp_ratelimited) \
    X(gif, icmp_pmtu_fits) X(gif, pmtu_lowered) X(gif, drop_pmtu_invalid) X(gif, ecn_ce_set) X(gif, drop_ecn_not_ect) \
    /* hometun: ND over the tunnel, end points moved (net/gif_hometun.c) */ \
    X(gif, na_in) X(gif, na_announced) X(gif, na_moved) X(gif, na_natt_ignored) X(gif, local_moved) \
    X(gif, remote_moved) X(gif, drop_na_unauth) X(gif, drop_na_no_override) X(gif, drop_na_bad_lla) \
    X(gif, drop_na_target) X(gif, drop_peer_moved) X(gif, remote_restored) \
    /* sixd's control socket (sixd/control.c): connections closed or refused, input dropped */ \
    X(ctl, request_timeout) X(ctl, idle_timeout) X(ctl, evicted) X(ctl, refused_full) \
    X(ctl, drop_truncated_eof) X(ctl, drop_batch_eof) \
    X(ctl, stream_aborted) X(ctl, stream_data_late) \
    /* sixd's Prometheus endpoint (sixd/metrics.c): scrapes answered, requests refused, connections closed */ \
    X(metrics, scrapes) X(metrics, http_not_found) X(metrics, http_bad_method) X(metrics, http_bad_request) \
    X(metrics, http_too_long) X(metrics, http_timeout) X(metrics, http_evicted) X(metrics, http_refused) \
    /* DHCPv6 server (src/dhcp6/server*.c): messages, leases, drops, Reconfigure */ \
    X(dhcp6s, in_msgs) X(dhcp6s, relayed_in) X(dhcp6s, out_advertise) X(dhcp6s, out_reply) \
    X(dhcp6s, out_reconfigure) X(dhcp6s, bound) X(dhcp6s, renewed) X(dhcp6s, released) X(dhcp6s, declined) \
    X(dhcp6s, expired) X(dhcp6s, no_addrs) X(dhcp6s, commit_conflict) X(dhcp6s, table_full) \
    X(dhcp6s, drop_no_link) X(dhcp6s, drop_serverid) X(dhcp6s, drop_duid_rate) X(dhcp6s, drop_solicit_rate) \
    X(dhcp6s, drop_pending_full) X(dhcp6s, drop_busy) X(dhcp6s, drop_too_big) X(dhcp6s, drop_commit_failed) \
    X(dhcp6s, drop_confirm_empty) X(dhcp6s, drop_unexpected) X(dhcp6s, drop_build) X(dhcp6s, drop_send) \
    X(dhcp6s, reconf_retrans) X(dhcp6s, reconf_done) X(dhcp6s, reconf_gave_up) \
    X(dhcp6s, drop_relay_wrong_if) X(dhcp6s, drop_source_rate) \
    X(dhcp6s, bind_rate_limited) X(dhcp6s, decline_over_cap) \
    /* DHCPv6 relay agent (src/dhcp6/relay.c); wire rejections are dhcp6r.drop.<reason> */ \
    X(dhcp6r, in_client) X(dhcp6r, in_relay_forw) X(dhcp6r, in_relay_repl) X(dhcp6r, in_unknown_type) \
    X(dhcp6r, out_relay_forw) X(dhcp6r, out_to_client) X(dhcp6r, out_to_relay) \
    X(dhcp6r, drop_not_relay_if) X(dhcp6r, drop_hop_limit) X(dhcp6r, drop_server_msg) \
    X(dhcp6r, drop_unknown_server) X(dhcp6r, drop_no_iface) X(dhcp6r, drop_inner_type) \
    X(dhcp6r, drop_bad_peer) X(dhcp6r, drop_too_big) X(dhcp6r, drop_send_failed) \
    X(dhcp6r, drop_repl_from_client_side) X(dhcp6r, drop_repl_rpf) \
    /* DHCPv6 client (src/dhcp6/client*.c): messages, exchanges, drops by reason */ \
    X(dhcp6c, out_solicit) X(dhcp6c, out_request) X(dhcp6c, out_renew) X(dhcp6c, out_rebind) \
    X(dhcp6c, out_release) X(dhcp6c, out_decline) X(dhcp6c, out_confirm) X(dhcp6c, out_inforeq) \
    X(dhcp6c, out_failed) X(dhcp6c, in_advertise) X(dhcp6c, in_reply) X(dhcp6c, in_reconfigure) \
    X(dhcp6c, bound) X(dhcp6c, renewed) X(dhcp6c, rebound) X(dhcp6c, expired) X(dhcp6c, declined) \
    X(dhcp6c, released) X(dhcp6c, confirmed) X(dhcp6c, info_refreshed) X(dhcp6c, prefix_changed) \
    X(dhcp6c, prefix_lost) X(dhcp6c, exchange_failed) X(dhcp6c, reconf_accepted) \
    X(dhcp6c, drop_no_client) X(dhcp6c, drop_not_for_client) X(dhcp6c, drop_xid) X(dhcp6c, drop_clientid) \
    X(dhcp6c, drop_serverid) X(dhcp6c, drop_state) X(dhcp6c, drop_adv_empty) X(dhcp6c, drop_reply_status) \
    X(dhcp6c, drop_reconf_unknown_server) X(dhcp6c, drop_reconf_bad_auth) X(dhcp6c, drop_reconf_no_key) \
    X(dhcp6c, drop_reconf_bad_hmac) X(dhcp6c, drop_reconf_replay) X(dhcp6c, drop_reconf_bad_msg) \
    X(dhcp6c, drop_reconf_busy) X(dhcp6c, drop_bad_auth) \
    X(dhcp6c, drop_bad_prefix) X(dhcp6c, drop_bad_ia) X(dhcp6c, drop_bad_lifetime) \
    X(dhcp6c, drop_offlink) \
    /* the DHCPv6 client's IPv4 IA for the DTI (dhcp6/client_v4.c): bindings got, extended, lost (expiry, \
     * server, restart), released; a Reply's IPv4 binding refused: an IPv4 address that is no unicast one, \
     * a TEP / BR that is no global unicast IPv6 address, an lw4o6 bind prefix or port set it cannot use, \
     * a DSTM extension that does not parse */ \
    X(dhcp6c, v4_bound) X(dhcp6c, v4_extended) X(dhcp6c, v4_lost) X(dhcp6c, v4_released) \
    X(dhcp6c, drop_v4_addr) X(dhcp6c, drop_v4_tep) X(dhcp6c, drop_v4_bind) X(dhcp6c, drop_v4_ext) \
    /* the DTI client (dstm/dti*.c): IPv4 into dti0 and out as 4in6, 4in6 in and up dti0; address asked \
     * (on demand or `up`), idle releases; drops: parked past DTI_PENDING_MAX or when the ask failed, parked \
     * packets whose source is not the address got, 4in6 from a source that may not send it (spoof), to an \
     * address or port that is not ours, whose inner packet does not parse, IPv4 out with no binding */ \
    X(dti, out_packets) X(dti, in_packets) X(dti, asks) X(dti, idle_releases) X(dti, tep_dynamic) \
    X(dti, tep_static) X(dti, tep_lq_failed) X(dti, drop_pending_full) X(dti, drop_pending_src) \
    X(dti, drop_pending_timeout) X(dti, drop_spoof) X(dti, drop_not_ours) X(dti, drop_inner_bad) \
    X(dti, drop_no_tep) X(dti, drop_no_binding) X(dti, tep_cache_full) \
    X(dti, lq_ratelimited) \
    /* DHCPv6 lease store, journal backend (dhcp6/lease_journal*.c): commits, group-commit batches, fsyncs, \
     * records cut by a crash dropped at open; commits refused (nothing written, LEASE_FAILED) */ \
    X(lease, commits) X(lease, batches) X(lease, fsyncs) X(lease, torn_records) X(lease, compactions) \
    X(lease, compact_failed) X(lease, write_errors) X(lease, drop_pending_full) X(lease, drop_read_only) \
    X(lease, drop_table_full) X(lease, drop_bad_lease) \
    /* DHCPv6 lease store, PostgreSQL backend (dhcp6/lease_pg.c): statements sent, CAS refused, commits failed, reconnections */ \
    X(lease, pg_queries) X(lease, pg_conflicts) X(lease, pg_errors) X(lease, pg_reconnects) \
    /* authoritative DNS server (src/dns/dnsd*.c): queries, answers by kind, the provider, TCP; \
     * refusals: drop_<reason> of wire/dns.h, then the server's own */ \
    X(dnsd, queries) X(dnsd, answers) X(dnsd, udp_queries) X(dnsd, tcp_queries) X(dnsd, nodata) \
    X(dnsd, nxdomain) X(dnsd, servfail) X(dnsd, refused) X(dnsd, formerr) X(dnsd, notimp) X(dnsd, badvers) \
    X(dnsd, truncated) X(dnsd, pending) X(dnsd, provider_answers) X(dnsd, provider_refused) \
    X(dnsd, pending_timeout) X(dnsd, tcp_accepted) X(dnsd, tcp_idle_closed) X(dnsd, tcp_evicted) \
    X(dnsd, drop_truncated) X(dnsd, drop_msg_too_long) X(dnsd, drop_label_too_long) X(dnsd, drop_name_too_long) \
    X(dnsd, drop_compression_loop) X(dnsd, drop_pointer_forward) X(dnsd, drop_pointer_beyond) \
    X(dnsd, drop_pointer_into_header) X(dnsd, drop_too_many_pointers) X(dnsd, drop_bad_count) \
    X(dnsd, drop_rdata_overrun) X(dnsd, drop_bad_rdlen) X(dnsd, drop_bad_opt) X(dnsd, drop_trailing_data) \
    X(dnsd, drop_wrong_type) X(dnsd, drop_empty_label) X(dnsd, drop_bad_escape) X(dnsd, drop_not_response) \
    X(dnsd, drop_bad_opcode) X(dnsd, drop_id_mismatch) X(dnsd, drop_question_mismatch) X(dnsd, drop_bad_tsig) \
    X(dnsd, drop_malformed) X(dnsd, drop_response) X(dnsd, drop_not_query) X(dnsd, drop_qdcount) \
    X(dnsd, drop_pending_full) X(dnsd, drop_pending_share) X(dnsd, drop_send) X(dnsd, drop_tcp_too_long) \
    X(dnsd, drop_tcp_full) \
    /* DSTM border router (src/dstm/br*.c): 4in6 in (decap) and out (encap), drops by reason */ \
    X(br, in_packets) X(br, out_packets) X(br, drop_truncated) X(br, drop_bad_inner) X(br, drop_frag_no_first) \
    X(br, drop_unknown_binding) X(br, drop_spoof) X(br, drop_spoof_port) X(br, drop_no_port) X(br, drop_nested) \
    X(br, drop_out_bad_inner) X(br, out_miss) X(br, drop_pending_full) X(br, drop_unresolved) X(br, out_unreach) \
    X(br, lq_started) X(br, lq_ratelimited) X(br, learned) X(br, expired) X(br, drop_table_full) \
    X(br, frag_table_full) \
    /* Leasequery requestor (src/dstm/lq.c) */ \
    X(lq, out_query) X(lq, out_retrans) X(lq, in_reply) X(lq, found) X(lq, not_found) X(lq, timeout) \
    X(lq, refused) X(lq, joined) X(lq, drop_busy) X(lq, drop_malformed) X(lq, drop_unmatched) X(lq, drop_bad_reply) \
    X(lq, drop_bad_clientid) \
    /* NAPT44 into an lw4o6 port set (dstm/napt44.c, used by the DTI): packets translated each way, \
     * drops by reason (napt44.h NAPT44_DROPS) */ \
    X(napt, out_translated) X(napt, in_translated) \
    X(napt, drop_malformed) X(napt, drop_fragment) X(napt, drop_proto) X(napt, drop_icmp_quote) \
    X(napt, drop_not_ours) X(napt, drop_no_mapping) X(napt, drop_tcp_not_syn) X(napt, drop_table_full) \
    X(napt, drop_no_port) \
    /* RFC 2136 update client (src/dns/dnsu*.c): messages, outcomes, the server's TSIG errors, \
     * responses dropped (drop_<check> as in dns/dnsu_check.h) */ \
    X(dnsu, sent) X(dnsu, sent_tcp) X(dnsu, retransmits) X(dnsu, tcp_fallback) X(dnsu, acked) X(dnsu, refused) X(dnsu, timeouts) \
    X(dnsu, canceled) X(dnsu, send_errors) X(dnsu, tcp_errors) X(dnsu, tsig_badsig) X(dnsu, tsig_badkey) \
    X(dnsu, tsig_badtime) X(dnsu, tsig_error_other) X(dnsu, drop_queue_full) X(dnsu, drop_bad_src) \
    X(dnsu, drop_malformed) X(dnsu, drop_not_response) X(dnsu, drop_id_mismatch) X(dnsu, drop_bad_opcode) \
    X(dnsu, drop_zone_mismatch) X(dnsu, drop_unsigned) X(dnsu, drop_bad_tsig) X(dnsu, drop_wrong_key) \
    X(dnsu, drop_bad_mac) X(dnsu, drop_bad_time) \
    /* DSTM AIIH server (src/dstm/aiih*.c, src/dhcp6/server_dstm.c): IPv4 leases, offers, Leasequery, refusals */ \
    X(aiih, bound) X(aiih, renewed) X(aiih, released) X(aiih, declined) X(aiih, expired) X(aiih, no_addrs) \
    X(aiih, no_v6_binding) X(aiih, lw_bound) X(aiih, offers) X(aiih, offers_taken) X(aiih, offers_withdrawn) \
    X(aiih, reconf_sent) X(aiih, lq_answered) X(aiih, lq_not_found) \
    X(aiih, drop_dstm_opt) X(aiih, drop_not_mapped) X(aiih, drop_lw_no_ia_na) \
    X(aiih, drop_dhcpv4_query) X(aiih, drop_lq_refused) X(aiih, drop_lq_multicast) X(aiih, drop_lq_rate) \
    X(aiih, drop_lq_relayed) X(aiih, drop_lq_bad) X(aiih, drop_hold_full) \
    X(aiih, drop_second_v4) X(aiih, drop_v4_move) X(aiih, offers_joined)

enum six_ctr {
#define SIX_CTR_ENUM(p, n) CTR_##p##_##n,
    SIX_COUNTERS(SIX_CTR_ENUM)
#undef SIX_CTR_ENUM
    CTR__MAX
};

/* Protocols that parse wire formats; wire rejections are counted per (proto, reason). */
#define SIX_WPROTOS(X) X(eth) X(arp) X(ip4) X(ip6) X(ip6ext) X(icmp4) X(icmp6) X(nd6) X(mld6) X(udp) X(tcp) X(frag6) X(frag4) X(esp) X(ah) X(pfkey) X(dhcp6r) X(dhcp6c) X(dhcp6s)
enum six_wproto {
#define SIX_WP_ENUM(p) WP_##p,
    SIX_WPROTOS(SIX_WP_ENUM)
#undef SIX_WP_ENUM
    WP__MAX
};

struct six_counters {
    uint64_t v[CTR__MAX];
    uint64_t wire[WP__MAX][WR__MAX];
};

#define CTR_INC(st, p, n) ((st)->ctr.v[CTR_##p##_##n]++)
#define CTR_ADD(st, p, n, k) ((st)->ctr.v[CTR_##p##_##n] += (k))
#define CTR_GET(st, p, n) ((st)->ctr.v[CTR_##p##_##n])
#define WIRE_DROP(st, p, reason) ((st)->ctr.wire[WP_##p][(reason)]++)

const char *six_ctr_name(enum six_ctr c);          /* "ip6.in_receives" */
const char *six_wproto_name(enum six_wproto p);    /* "ip6" */
/* Look a counter up by its full name ("ip6.drop.truncated" or "nd6.in_ns"); -1 if unknown. */
int six_counter_by_name(const struct six_counters *c, const char *name, uint64_t *val);
/* Call cb for every counter (fixed list, then every wire pair); nonzero_only skips zeros. */
void six_counters_foreach(const struct six_counters *c, int nonzero_only,
                          void (*cb)(void *ctx, const char *name, uint64_t val), void *ctx);

#endif

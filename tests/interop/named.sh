# named_start NS ZONEFILE V6ADDR V4ADDR: BIND 9 in namespace NS, authoritative
# for example.test from ZONEFILE, listening on the two addresses; every file
# under $W (no rndc, nothing of the host's /etc/bind). Waits until it answers
# for the zone's SOA; returns non-zero (with named's output) if it does not.
NAMED=$(command -v named || echo /usr/sbin/named)
named_start() {
  local ns=$1 zone=$2 v6=$3 v4=$4
  mkdir -p "$W/named"
  cp "$zone" "$W/named/example.test.zone"
  cat > "$W/named.conf" <<CONF
options {
    directory "$W/named";
    pid-file "$W/named.pid";
    session-keyfile "$W/named/session.key";
    managed-keys-directory "$W/named";
    bindkeys-file "$W/named/bind.keys";
    listen-on port 53 { $v4; };
    listen-on-v6 port 53 { $v6; };
    recursion no;
    dnssec-validation no;
    allow-query { any; };
    max-udp-size 4096;
};
controls { };
zone "example.test" { type primary; file "$W/named/example.test.zone"; };
CONF
  : > "$W/named/bind.keys"
  ip netns exec "$ns" "$NAMED" -c "$W/named.conf" -f -g > "$W/named.out" 2>&1 &
  track_pid $!
  # ready when both listeners answer the SOA three times in a row: right
  # after start-up named has been seen to answer SERVFAIL to a few queries
  local i good=0
  for i in $(seq 1 80); do
    if [[ -n $(ip netns exec "$ns" dig +time=1 +tries=1 +short @"$v6" example.test SOA 2>/dev/null) &&
          -n $(ip netns exec "$ns" dig +time=1 +tries=1 +short @"$v4" example.test SOA 2>/dev/null) ]]; then
      good=$((good + 1))
      ((good >= 3)) && return 0
    else
      good=0
    fi
    sleep 0.2
  done
  tail -20 "$W/named.out" >&2
  return 1
}

#!/usr/bin/env bash
# The agent's Kafka wire client (agent/sidecar/kafka_wire.h, driven through
# kafka-wire-tool) against a real 3-node KRaft cluster of Apache Kafka 4.4.0,
# checked against Kafka's own tools (kafka-metadata-quorum,
# kafka-reassign-partitions, from org.apache.kafka:kafka-tools):
#
#   1. ApiVersions on a broker and on a controller listener;
#   2. DescribeQuorum through a broker and through each controller listener
#      (KIP-919; non-leaders hand over to the leader) == kafka-metadata-quorum
#      on leader id, epoch, voter set (and directory ids);
#   3. DescribeCluster: 3 brokers, unfenced; through the controllers: the 3
#      controllers and the real active controller;
#   4. ListPartitionReassignments during a throttled reassignment ==
#      kafka-reassign-partitions --list; empty after --cancel;
#   5. SASL_PLAINTEXT (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512), SSL with mutual
#      TLS and an encrypted client key, SASL_SSL (SCRAM-SHA-512), an SSL
#      controller listener; wrong password / wrong CA / wrong host name fail
#      with a clear error and no secret in any output;
#   6. a SIGSTOPped broker shows fenced (IncludeFencedBrokers, KIP-1073) after
#      the broker session timeout, unfenced after SIGCONT; a SIGKILLed one too,
#      and unfenced after its restart. The times are printed.
#
# Usage: wire_client_test.sh [KAFKA_WIRE_TOOL] [KAFKA_TEST_TOOL]
# Exit 0 pass, 1 fail (work dir with every log kept), 77 skipped (no java,
# openssl or jq).
set -euo pipefail

root=$(cd "$(dirname "$0")/../../.." && pwd)
wire=${1:-$root/build/tests/kafka-wire-tool}
tool=${2:-$root/build/tests/kafka-test-tool}
cluster=$root/tests/integration/kafka/cluster.sh
# shellcheck source=scripts/env.sh
. "$root/scripts/env.sh"

export KAFKA_TEST_BASE_PORT=${KAFKA_TEST_BASE_PORT:-21092}
B=$KAFKA_TEST_BASE_PORT

for t in java jq openssl kcat mvn; do
  command -v "$t" >/dev/null || { echo "skipped: $t not installed (make deps)"; exit 77; }
done
[[ -x $wire && -x $tool ]] || { echo "build first: $wire, $tool" >&2; exit 1; }

work=$(mktemp -d /tmp/wire-client-test.XXXXXX)
ok=0
stopped_pid=
cleanup() {
  if [[ -n $stopped_pid ]]; then kill -CONT "$stopped_pid" 2>/dev/null || true; fi
  "$cluster" stop "$work/kafka" >/dev/null 2>&1 || true
  if [[ $ok == 1 ]]; then rm -rf "$work"; else echo "kept logs in $work" >&2; fi
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
T0=$(now_ms)
say() { printf '[%6.1fs] %s\n' "$(($(now_ms) - T0))e-3" "$*"; }
fail() { say "FAIL: $*" >&2; exit 1; }

# Secrets used below; none may appear in any output of the tools.
AGENT_PW=agent-plain-secret-1
SCRAM_PW=scram-secret-2
KEY_PW=client-key-secret-3
WRONG_PW=wrong-secret-4

# kafka-wire-tool, every output kept under $work/out/ for the secret check.
mkdir -p "$work/out"
wt() { # args... ; stdout = JSON; on failure the error goes to stderr
  local rc=0 f
  f=$(mktemp "$work/out/wt.XXXXXX")
  "$wire" "$@" >"$f.out" 2>"$f.err" || rc=$?
  if ((rc != 0)); then
    echo "kafka-wire-tool $1 failed (exit $rc): $(cat "$f.err")" >&2
    return "$rc"
  fi
  cat "$f.out"
}
# Like wt, expecting failure: prints "<exit code> <stderr>".
wt_fail() {
  local rc=0 f
  f=$(mktemp "$work/out/wt.XXXXXX")
  "$wire" "$@" >"$f.out" 2>"$f.err" || rc=$?
  echo "$rc $(cat "$f.err")"
}

# --- Kafka's own tools (kafka-tools 4.4.0, separate libs dir) ---------------------
tools_libs=$("$root/tests/integration/kafka/fetch-tools.sh" | tail -n1)
ktool() { # main class, args...
  local cls=$1
  shift
  java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData \
    -cp "$tools_libs/*" "$cls" "$@" 2> >(grep -v '^SLF4J' >&2)
}

# --- Certificates (openssl): a CA, one server cert for "localhost", a client
# cert with an encrypted key, and an unrelated CA.
certs=$work/certs
mkdir -p "$certs"
(
  cd "$certs"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
    -subj /CN=wire-test-ca 2>/dev/null
  openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.pem \
    -days 2 -subj /CN=some-other-ca 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
    -subj /CN=localhost 2>/dev/null
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -out server.crt -days 2 \
    -extfile <(printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n') 2>/dev/null
  cat server.key server.crt >server.pem # PKCS#8 key + chain: Kafka's PEM keystore
  openssl req -newkey rsa:2048 -nodes -keyout client-plain.key -out client.csr \
    -subj /CN=kafka-agent 2>/dev/null
  openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -out client.crt -days 2 -extfile <(printf 'extendedKeyUsage=clientAuth\n') 2>/dev/null
  openssl pkcs8 -topk8 -v2 aes-256-cbc -in client-plain.key -out client.key \
    -passout "pass:$KEY_PW"
  rm -f client-plain.key
)
grep -q ENCRYPTED "$certs/client.key" || fail "client key is not encrypted"
say "certificates made with openssl in $certs (server SAN DNS:localhost only)"

# --- The cluster: every node has PLAINTEXT (B+N), CONTROLLER (B+100+N),
# SASL_PLAINTEXT (B+200+N), SSL with required client certs (B+300+N),
# SASL_SSL (B+400+N) and an SSL controller listener (B+500+N).
export KAFKA_TEST_EXTRA_PROPS="sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_agent=\"$AGENT_PW\";
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PEM
ssl.keystore.location=$certs/server.pem
ssl.truststore.type=PEM
ssl.truststore.location=$certs/ca.pem
listener.name.ssl.ssl.client.auth=required
listener.name.controller_ssl.ssl.client.auth=required
controller.listener.names=CONTROLLER,CONTROLLER_SSL
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL,CONTROLLER_SSL:SSL"
for n in 0 1 2; do
  export "KAFKA_TEST_EXTRA_PROPS_$n=listeners=PLAINTEXT://127.0.0.1:$((B + n)),CONTROLLER://127.0.0.1:$((B + 100 + n)),SASL_PLAINTEXT://127.0.0.1:$((B + 200 + n)),SSL://localhost:$((B + 300 + n)),SASL_SSL://localhost:$((B + 400 + n)),CONTROLLER_SSL://localhost:$((B + 500 + n))
advertised.listeners=PLAINTEXT://127.0.0.1:$((B + n)),SASL_PLAINTEXT://127.0.0.1:$((B + 200 + n)),SSL://localhost:$((B + 300 + n)),SASL_SSL://localhost:$((B + 400 + n))"
done

say "starting a 3-node KRaft cluster, Kafka $("$root/tests/integration/kafka/fetch.sh" --print-version) (logs in $work/kafka)"
bootstrap=$("$cluster" start "$work/kafka" | tail -n1)
say "cluster up: $bootstrap"
broker0=127.0.0.1:$B
controllers=127.0.0.1:$((B + 100)),127.0.0.1:$((B + 101)),127.0.0.1:$((B + 102))

# --- 1. ApiVersions -------------------------------------------------------------------
av=$(wt api-versions --bootstrap "$broker0")
maxv() { jq -r --argjson k "$2" '.apis[] | select(.key == $k) | .max' <<<"$1"; }
[[ $(jq -r .version <<<"$av") == 4 ]] || fail "ApiVersions v4 expected, got $(jq -c .version <<<"$av")"
for k in 55 60 46 17 36; do
  [[ -n $(maxv "$av" $k) ]] || fail "broker does not list API $k"
done
say "ApiVersions v4 on broker $broker0: DescribeQuorum v0-$(maxv "$av" 55), DescribeCluster v0-$(maxv "$av" 60), ListPartitionReassignments v0-$(maxv "$av" 46), SaslAuthenticate v0-$(maxv "$av" 36); finalized features: $(jq -c '[.finalized_features[] | "\(.name)=\(.max)"]' <<<"$av")"
cav=$(wt api-versions --controller --bootstrap "127.0.0.1:$((B + 100))")
for k in 55 60; do
  [[ -n $(maxv "$cav" $k) ]] || fail "controller listener does not list API $k"
done
say "ApiVersions v$(jq -r .version <<<"$cav") on controller 127.0.0.1:$((B + 100)): DescribeQuorum v0-$(maxv "$cav" 55), DescribeCluster v0-$(maxv "$cav" 60), ListPartitionReassignments $(if [[ -n $(maxv "$cav" 46) ]]; then echo "v0-$(maxv "$cav" 46)"; else echo absent; fi)"

# --- 2. DescribeQuorum vs kafka-metadata-quorum -----------------------------------------
# kafka-metadata-quorum --status prints "LeaderId: 1" ... and CurrentVoters as JSON.
status_field() { sed -n "/^$2:/{s/^$2: *//p;q}" <<<"$1"; }
compare_quorum() { # label, our JSON, tool --status output
  local label=$1 ours=$2 theirs=$3 t_leader t_epoch t_voters o_voters t_dirs o_dirs t_hw o_hw \
    t_observers o_observers
  t_leader=$(status_field "$theirs" LeaderId)
  t_epoch=$(status_field "$theirs" LeaderEpoch)
  t_hw=$(status_field "$theirs" HighWatermark)
  t_voters=$(status_field "$theirs" CurrentVoters | jq -c '[.[].id] | sort')
  t_dirs=$(status_field "$theirs" CurrentVoters | jq -c '[.[] | .directoryId // empty] | sort')
  t_observers=$(status_field "$theirs" CurrentObservers | jq -c '[.[].id] | sort')
  o_observers=$(jq -c '[.observers[].id] | sort' <<<"$ours")
  o_voters=$(jq -c '[.voters[].id] | sort' <<<"$ours")
  o_dirs=$(jq -c '[.voters[] | .directory_id // empty] | sort' <<<"$ours")
  o_hw=$(jq -r .high_watermark <<<"$ours")
  [[ $(jq -r .leader_id <<<"$ours") == "$t_leader" ]] ||
    fail "$label: leader $(jq -r .leader_id <<<"$ours") != kafka-metadata-quorum's $t_leader"
  [[ $(jq -r .leader_epoch <<<"$ours") == "$t_epoch" ]] ||
    fail "$label: epoch $(jq -r .leader_epoch <<<"$ours") != kafka-metadata-quorum's $t_epoch"
  [[ $o_voters == "$t_voters" ]] || fail "$label: voters $o_voters != kafka-metadata-quorum's $t_voters"
  [[ $o_dirs == "$t_dirs" ]] || fail "$label: voter directory ids $o_dirs != kafka-metadata-quorum's $t_dirs"
  [[ $o_observers == "$t_observers" ]] || fail "$label: observers $o_observers != kafka-metadata-quorum's $t_observers"
  ((o_hw <= t_hw)) || fail "$label: our high watermark $o_hw is ahead of the later kafka-metadata-quorum's $t_hw"
  say "$label: leader $t_leader, epoch $t_epoch, voters $o_voters, observers $o_observers, known directory ids $o_dirs, HW $o_hw (tool, later: $t_hw) == kafka-metadata-quorum"
}
q=$(wt describe-quorum --bootstrap "$broker0")
[[ $(jq -r .version <<<"$q") == 2 ]] || fail "DescribeQuorum v2 expected: $q"
tq=$(ktool org.apache.kafka.tools.MetadataQuorumCommand --bootstrap-server "$broker0" describe --status)
echo "$tq" >"$work/out/metadata-quorum-status.txt"
compare_quorum "DescribeQuorum v2 via broker $broker0" "$q" "$tq"
leader=$(jq -r .leader_id <<<"$q")
((leader >= 0 && leader <= 2)) || fail "no quorum leader: $q"
jq -e '.voters | length == 3 and all(.log_end_offset >= 0 and .last_caught_up_timestamp > 0)' <<<"$q" >/dev/null ||
  fail "voters lack offsets or caught-up times: $q"
jq -e '.nodes | length == 3' <<<"$q" >/dev/null || fail "DescribeQuorum v2 should list 3 nodes: $q"
say "  voters (lag = leader's last caught-up time minus the voter's): $(jq -c '([.voters[].last_caught_up_timestamp] | max) as $m | [.voters[] | {id, log_end_offset, last_fetch_timestamp, lag_ms: ($m - .last_caught_up_timestamp)}]' <<<"$q")"

qcs=()
for n in 0 1 2; do
  qcs+=("$(wt describe-quorum --controller --bootstrap "127.0.0.1:$((B + 100 + n))")")
done
tqc=$(ktool org.apache.kafka.tools.MetadataQuorumCommand --bootstrap-controller "$controllers" describe --status)
for n in 0 1 2; do
  qc=${qcs[$n]}
  [[ $(jq -r .answered_by <<<"$qc") == "127.0.0.1:$((B + 100 + leader))" ]] ||
    fail "via controller $n: answered by $(jq -r .answered_by <<<"$qc"), not the leader $leader"
  compare_quorum "DescribeQuorum via controller $n (answered by leader $leader)" "$qc" "$tqc"
done

# --- 3. DescribeCluster -----------------------------------------------------------------
c=$(wt describe-cluster --bootstrap "$broker0")
jq -e '.version == 2 and .fencing_known and .endpoint_type == "brokers" and ([.brokers[].id] == [0,1,2]) and all(.brokers[]; .fenced == false)' <<<"$c" >/dev/null ||
  fail "DescribeCluster via broker: $c"
say "DescribeCluster v2 via broker: cluster $(jq -r .cluster_id <<<"$c"), brokers $(jq -c '[.brokers[] | "\(.id)@\(.host):\(.port)"]' <<<"$c"), none fenced; controller_id $(jq -r .controller_id <<<"$c") (a broker's answer: a random live broker)"
cc=$(wt describe-cluster --controller --bootstrap "127.0.0.1:$((B + 101))")
jq -e --argjson l "$leader" '.endpoint_type == "controllers" and .controller_id == $l and ([.brokers[].id] == [0,1,2])' <<<"$cc" >/dev/null ||
  fail "DescribeCluster via controller: $cc"
say "DescribeCluster v$(jq -r .version <<<"$cc") via controller 1: controllers $(jq -c '[.brokers[] | "\(.id)@\(.host):\(.port)"]' <<<"$cc"), active controller $(jq -r .controller_id <<<"$cc") == quorum leader"

# --- 4. ListPartitionReassignments during a throttled reassignment -----------------------
"$tool" create-topic -b "$bootstrap" -t moving -p 1 -r 2 >/dev/null
"$tool" produce -b "$bootstrap" -t moving --rate 100000 --count 3000 --size 1000 >/dev/null
replicas=$(kcat -L -b "$broker0" -t moving -J 2>/dev/null | jq -c '[.topics[0].partitions[0].replicas[].id]')
target=$(jq -c '. + ([0,1,2] - .)' <<<"$replicas")
adding=$(jq -c '[0,1,2] - .' <<<"$replicas")
printf '{"version":1,"partitions":[{"topic":"moving","partition":0,"replicas":%s}]}\n' "$target" >"$work/reassign.json"
lr=$(wt list-reassignments --bootstrap "$broker0")
jq -e '.reassignments == []' <<<"$lr" >/dev/null || fail "reassignments before any: $lr"
ktool org.apache.kafka.tools.reassign.ReassignPartitionsCommand --bootstrap-server "$broker0" \
  --reassignment-json-file "$work/reassign.json" --execute --throttle 1000 >"$work/out/reassign-execute.txt"
lr=$(wt list-reassignments --bootstrap "$broker0")
jq -e --argjson t "$target" --argjson a "$adding" \
  '.reassignments == [{"topic":"moving","partition":0,"replicas":$t,"adding":$a,"removing":[]}]' <<<"$lr" >/dev/null ||
  fail "ListPartitionReassignments during the move: $lr (want replicas $target adding $adding)"
tl=$(ktool org.apache.kafka.tools.reassign.ReassignPartitionsCommand --bootstrap-server "$broker0" --list)
echo "$tl" >"$work/out/reassign-list.txt"
# Kafka prints "moving-0: replicas: 1,0,2. adding: 2." (removing: only if any).
want_line="moving-0: replicas: $(jq -r 'join(",")' <<<"$target"). adding: $(jq -r 'join(",")' <<<"$adding")."
grep -qF "$want_line" <<<"$tl" || fail "kafka-reassign-partitions --list says: $tl; want '$want_line'"
lrc=$(wt list-reassignments --controller --bootstrap "127.0.0.1:$((B + 100))")
[[ $(jq -c .reassignments <<<"$lrc") == "$(jq -c .reassignments <<<"$lr")" ]] ||
  fail "via the controller listener: $lrc"
say "ListPartitionReassignments (broker and controller listener): moving-0 replicas $target adding $adding == kafka-reassign-partitions --list ('$want_line')"
ktool org.apache.kafka.tools.reassign.ReassignPartitionsCommand --bootstrap-server "$broker0" \
  --reassignment-json-file "$work/reassign.json" --cancel >"$work/out/reassign-cancel.txt"
lr=$(wt list-reassignments --bootstrap "$broker0")
jq -e '.reassignments == []' <<<"$lr" >/dev/null || fail "after --cancel: $lr"
say "after kafka-reassign-partitions --cancel: no reassignment listed"

# --- 5. Security ------------------------------------------------------------------------
# One mechanism per request (Kafka refuses two credentials of a user at once).
for mech in SCRAM-SHA-256 SCRAM-SHA-512; do
  ktool org.apache.kafka.tools.ConfigCommand --bootstrap-server "$broker0" --alter --entity-type users \
    --entity-name scram-user --add-config "$mech=[iterations=4096,password=$SCRAM_PW]" >>"$work/configs.txt"
done
sasl=127.0.0.1:$((B + 200))
scram() { # mechanism, password, extra args
  wt describe-cluster --bootstrap "$sasl" --prop security.protocol=SASL_PLAINTEXT \
    --prop "sasl.mechanism=$1" --prop sasl.username=scram-user --prop "sasl.password=$2" "${@:3}"
}
deadline=$(($(date +%s) + 30))
until scram SCRAM-SHA-256 "$SCRAM_PW" >/dev/null 2>&1 && scram SCRAM-SHA-512 "$SCRAM_PW" >/dev/null 2>&1; do
  (($(date +%s) < deadline)) || fail "SCRAM user never became usable"
  sleep 0.3
done
for mech in SCRAM-SHA-256 SCRAM-SHA-512; do
  scram "$mech" "$SCRAM_PW" | jq -e '[.brokers[].id] == [0,1,2]' >/dev/null || fail "$mech over SASL_PLAINTEXT"
done
wt describe-quorum --bootstrap "$sasl" --prop security.protocol=SASL_PLAINTEXT --prop sasl.mechanisms=PLAIN \
  --prop sasl.username=agent --prop "sasl.password=$AGENT_PW" | jq -e --argjson l "$leader" '.leader_id == $l' >/dev/null ||
  fail "PLAIN over SASL_PLAINTEXT"
say "SASL_PLAINTEXT $sasl: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 authenticate; DescribeQuorum/DescribeCluster answer"
bad=$(wt_fail describe-cluster --bootstrap "$sasl" --prop security.protocol=SASL_PLAINTEXT \
  --prop sasl.mechanism=SCRAM-SHA-512 --prop sasl.username=scram-user --prop "sasl.password=$WRONG_PW")
[[ $bad == 1\ *UNAUTHENTICATED*SASL_AUTHENTICATION_FAILED* ]] || fail "wrong SCRAM password: $bad"
say "  wrong password -> exit ${bad%% *}: ${bad#* }"
bad=$(wt_fail describe-cluster --bootstrap "$sasl" --prop security.protocol=SASL_PLAINTEXT --prop sasl.mechanism=GSSAPI \
  --prop sasl.username=x --prop "sasl.password=$WRONG_PW")
[[ $bad == 2\ *GSSAPI* ]] || fail "GSSAPI should be a usage error: $bad"
bad=$(wt_fail describe-cluster --bootstrap "$sasl" --prop ssl.keystore.location=/x.p12)
[[ $bad == 2\ *"supported security settings"* ]] || fail "unknown ssl.* property: $bad"
say "  sasl.mechanism=GSSAPI / ssl.keystore.location -> exit 2 naming what is supported"

tls=(--prop security.protocol=SSL --prop "ssl.ca.location=$certs/ca.pem"
  --prop "ssl.certificate.location=$certs/client.crt" --prop "ssl.key.location=$certs/client.key"
  --prop "ssl.key.password=$KEY_PW")
wt describe-cluster --bootstrap "localhost:$((B + 300))" "${tls[@]}" | jq -e '[.brokers[].id] == [0,1,2]' >/dev/null ||
  fail "SSL (mTLS) DescribeCluster"
say "SSL localhost:$((B + 300)) with client certificate (encrypted key): DescribeCluster ok"
bad=$(wt_fail describe-cluster --bootstrap "localhost:$((B + 300))" --prop security.protocol=SSL \
  --prop "ssl.ca.location=$certs/other-ca.pem" --prop "ssl.certificate.location=$certs/client.crt" \
  --prop "ssl.key.location=$certs/client.key" --prop "ssl.key.password=$KEY_PW")
[[ $bad == 1\ *UNAUTHENTICATED*"certificate verify failed"* ]] || fail "wrong CA: $bad"
say "  wrong CA -> exit ${bad%% *}: ${bad#* }"
bad=$(wt_fail describe-cluster --bootstrap "127.0.0.1:$((B + 300))" "${tls[@]}")
[[ $bad == 1\ *"certificate verify failed"*mismatch* ]] || fail "IP not in the certificate: $bad"
say "  127.0.0.1 (not in the certificate) -> exit ${bad%% *}: ${bad#* }"
wt describe-cluster --bootstrap "127.0.0.1:$((B + 300))" "${tls[@]}" \
  --prop ssl.endpoint.identification.algorithm=none | jq -e '.brokers | length == 3' >/dev/null ||
  fail "ssl.endpoint.identification.algorithm=none"
say "  127.0.0.1 with ssl.endpoint.identification.algorithm=none -> ok"
bad=$(wt_fail describe-cluster --bootstrap "localhost:$((B + 300))" --prop security.protocol=SSL \
  --prop "ssl.ca.location=$certs/ca.pem")
[[ $bad == 1\ *UNAUTHENTICATED*"refused this client's certificate"* ]] ||
  fail "no client certificate on an mTLS listener should fail: $bad"
say "  no client certificate (listener requires one) -> exit ${bad%% *}: ${bad#* }"
bad=$(wt_fail describe-cluster --bootstrap "localhost:$((B + 300))" --prop security.protocol=SSL \
  --prop "ssl.ca.location=$certs/ca.pem" --prop "ssl.certificate.location=$certs/client.crt" \
  --prop "ssl.key.location=$certs/client.key" --prop "ssl.key.password=$WRONG_PW")
[[ $bad == 2\ *"cannot read the private key"* ]] || fail "wrong key password: $bad"
say "  wrong ssl.key.password -> exit ${bad%% *}: ${bad#* }"

wt describe-quorum --bootstrap "localhost:$((B + 400))" --prop security.protocol=SASL_SSL \
  --prop "ssl.ca.location=$certs/ca.pem" --prop sasl.mechanism=SCRAM-SHA-512 \
  --prop sasl.username=scram-user --prop "sasl.password=$SCRAM_PW" |
  jq -e --argjson l "$leader" '.leader_id == $l' >/dev/null || fail "SASL_SSL SCRAM-SHA-512"
say "SASL_SSL localhost:$((B + 400)) SCRAM-SHA-512: DescribeQuorum ok"
for n in 0 1 2; do
  qs=$(wt describe-quorum --controller --bootstrap "localhost:$((B + 500 + n))" "${tls[@]}")
  [[ $(jq -r .leader_id <<<"$qs") == "$leader" ]] || fail "SSL controller listener $n: $qs"
done
say "SSL controller listeners localhost:$((B + 500))-$((B + 502)) (mTLS, --controller): DescribeQuorum leader $leader, answered by $(jq -r .answered_by <<<"$qs")"

# --- 6. Fencing -----------------------------------------------------------------------
# Broker session timeout is 6 s (cluster.sh). Watched through another broker.
victim=$(((leader + 1) % 3))
watcher=$(((leader + 2) % 3))
watch=127.0.0.1:$((B + watcher))
fenced_is() { # node, true|false|absent
  local out
  out=$("$wire" describe-cluster --bootstrap "$watch" --timeout 3 2>/dev/null) || return 1
  case $2 in
    absent) jq -e --argjson n "$1" 'all(.brokers[]; .id != $n)' <<<"$out" >/dev/null ;;
    *) jq -e --argjson n "$1" --argjson f "$2" 'any(.brokers[]; .id == $n and .fenced == $f)' <<<"$out" >/dev/null ;;
  esac
}
wait_until() { # limit seconds, what, command...
  local limit=$1 what=$2 start
  shift 2
  start=$(now_ms)
  until "$@"; do
    (($(now_ms) - start < limit * 1000)) || fail "timed out after ${limit}s: $what"
    sleep 0.2
  done
  echo $(($(now_ms) - start))
}
stopped_pid=$(<"$work/kafka/node-$victim/pid")
kill -STOP "$stopped_pid"
ms=$(wait_until 30 "node $victim fenced after SIGSTOP" fenced_is "$victim" true)
lag=$("$wire" describe-quorum --bootstrap "$watch" | jq --argjson n "$victim" \
  '[.voters[] | select(.id == $n)][0] as $v | ([.voters[].last_caught_up_timestamp] | max) - $v.last_caught_up_timestamp')
say "SIGSTOP node $victim: DescribeCluster (IncludeFencedBrokers) shows it fenced after ${ms} ms; its voter lags the leader by ${lag} ms (last caught up)"
kill -CONT "$stopped_pid"
stopped_pid=
ms=$(wait_until 60 "node $victim unfenced after SIGCONT" fenced_is "$victim" false)
say "SIGCONT node $victim: unfenced after ${ms} ms"

"$cluster" kill-node "$work/kafka" "$victim" >/dev/null 2>&1
t_kill=$(now_ms)
ms=$(wait_until 30 "node $victim fenced after SIGKILL" fenced_is "$victim" true)
say "SIGKILL node $victim: shown fenced (still registered) after ${ms} ms"
"$cluster" start-node "$work/kafka" "$victim" --no-wait >/dev/null 2>&1
ms=$(wait_until 120 "node $victim unfenced after restart" fenced_is "$victim" false)
say "restart of node $victim: unfenced ${ms} ms after start-node (killed $(($(now_ms) - t_kill)) ms ago)"
c=$(wt describe-cluster --bootstrap "$watch")
jq -e '[.brokers[] | select(.fenced | not) | .id] == [0,1,2]' <<<"$c" >/dev/null || fail "after restart: $c"

# --- Secrets -----------------------------------------------------------------------------
for s in "$AGENT_PW" "$SCRAM_PW" "$KEY_PW" "$WRONG_PW"; do
  if grep -rlF -- "$s" "$work/out" >/dev/null; then fail "a secret appears in tool output: $(grep -rlF -- "$s" "$work/out")"; fi
done
say "no password appears in any of the $(find "$work/out" -name 'wt.*.err' | wc -l) kafka-wire-tool runs' outputs"
ok=1
say "PASS"

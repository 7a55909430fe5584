#!/usr/bin/env python3
"""Asserts the safety properties of a built kafka-agent kustomization.

Reads the output of `kustomize build` (a file, or - for stdin) and checks what
a schema cannot: the native sidecar, the probes, the security context, where
CLUSTER_ID comes from, that nothing hard-codes the quorum, and that the values
the init container, the sidecar, the Services and the Kafka container each
hold agree with one another. A build may hold one StatefulSet (roles from the
ordinals, or brokers) or two (dedicated controllers and the brokers that
point at them); each is checked for its roles, and the pair for consistency
(the voters, non-overlapping node ids, selectors that never mix them).

Prints one line per check ("ok - ..." / "FAIL - ...: why") and a closing
"N passed, M failed" line; exits 1 when any check failed, 2 on bad input.
"""

import argparse
import base64
import binascii
import re
import sys

try:
    import yaml
except ImportError:  # pragma: no cover - reported to the caller
    sys.stderr.write("check_manifests: PyYAML is missing "
                     "(apt-get install python3-yaml, or pip install pyyaml)\n")
    sys.exit(2)

INIT = "kafka-agent-init"
SIDECAR = "kafka-agent"
KAFKA = "kafka"
GRPC_PORT = 50051
HTTP_PORT = 9401
# What Kafka's controlled shutdown gets after the preStop wait, at least.
SHUTDOWN_BUDGET = 60
# Identity settings both agent containers must agree on (init renders the
# config for a node, serve answers for the same node).
IDENTITY_ENV = ("KAFKA_HEADLESS_SERVICE", "KAFKA_CLUSTER_DOMAIN",
                "KAFKA_CONTROLLERS", "KAFKA_NODE_ID_OFFSET",
                "KAFKA_BROKER_PORT", "KAFKA_CONTROLLER_PORT",
                "KAFKA_PROCESS_ROLES", "KAFKA_CONTROLLER_STATEFULSET",
                "KAFKA_CONTROLLER_SERVICE", "KAFKA_CONTROLLER_NODE_ID_OFFSET",
                "KAFKA_BROKER_SECURITY_PROTOCOL",
                "KAFKA_CONTROLLER_SECURITY_PROTOCOL",
                "KAFKA_BROKER_LISTENER_NAME", "KAFKA_CONTROLLER_LISTENER_NAME",
                "KAFKA_RACK")
PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
# Keys whose values are secrets (agent/base/secrets.cc): never in a ConfigMap.
SECRET_MARKERS = ("password", "passphrase", "secret", "jaas", "token",
                  "key.pem", "certificate.pem", "keystore.key",
                  "oauthbearer.config", "credential")
# The apache/kafka entrypoint appends every other KAFKA_* variable to
# server.properties, after (and so over) the file the agent rendered.
KAFKA_JVM_ENV = {"KAFKA_HEAP_OPTS", "KAFKA_OPTS", "KAFKA_JVM_PERFORMANCE_OPTS",
                 "KAFKA_LOG4J_OPTS", "KAFKA_JMX_OPTS", "KAFKA_GC_LOG_OPTS"}
# Paths the apache/kafka image writes at run time (see statefulset.yaml).
KAFKA_WRITABLE = ("/opt/kafka/config", "/opt/kafka/logs", "/tmp",
                  "/var/lib/kafka/data")


class Checker:
    def __init__(self, quiet=False):
        self.passed = 0
        self.failed = []
        self.quiet = quiet

    def check(self, name, ok, why=""):
        if ok:
            self.passed += 1
            if not self.quiet:
                print(f"ok - {name}")
        else:
            self.failed.append(name)
            if not self.quiet:
                print(f"FAIL - {name}: {why}" if why else f"FAIL - {name}")
        return ok


def load(path):
    text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
    return [d for d in yaml.safe_load_all(text) if d]


def find(docs, kind, name=None):
    return [d for d in docs if d.get("kind") == kind
            and (name is None or d.get("metadata", {}).get("name") == name)]


def env_map(container):
    return {e["name"]: e for e in container.get("env", []) or []}


def literal(container, name):
    e = env_map(container).get(name)
    return None if e is None or "value" not in e else str(e["value"])


def parse_timeout(text):
    """Seconds of a /prestop ?timeout= value (the agent's grammar: Go-style
    durations such as 300s, 5m, 1m30s, or whole seconds); None if malformed."""
    if re.fullmatch(r"\d+", text or ""):
        return int(text)
    parts = re.findall(r"(\d+(?:\.\d+)?)(h|ms|m|s)", text or "")
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    scale = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    return sum(float(n) * scale[u] for n, u in parts)


def mounts(container):
    return {m["mountPath"]: m for m in container.get("volumeMounts", []) or []}


def late_references(container):
    """$(VAR) references in env values that the kubelet leaves as they are:
    it expands a reference only from the variables listed before it (service
    links are off), and $$(VAR) is an escape. Returns "NAME -> VAR" strings."""
    seen, late = set(), []
    for e in container.get("env", []) or []:
        value = str(e.get("value", ""))
        for m in re.finditer(r"(\$+)\(([A-Za-z_][A-Za-z0-9_]*)\)", value):
            if len(m.group(1)) % 2 == 1 and m.group(2) not in seen:
                late.append(f"{e['name']} -> {m.group(2)}")
        seen.add(e["name"])
    return late


def is_tls(protocol):
    return protocol in ("SSL", "SASL_SSL")


def sidecar_listener(sts):
    """The listener a StatefulSet's sidecar asks: (kind, protocol, port
    variable, port). A broker asks its broker listener, a controller-only
    pod its controller listener."""
    side = containers(sts).get(SIDECAR, {})
    if roles_of(sts) == "controller":
        return ("controller",
                literal(side, "KAFKA_CONTROLLER_SECURITY_PROTOCOL") or "PLAINTEXT",
                "KAFKA_CONTROLLER_PORT",
                literal(side, "KAFKA_CONTROLLER_PORT") or "29093")
    return ("broker", literal(side, "KAFKA_BROKER_SECURITY_PROTOCOL") or "PLAINTEXT",
            "KAFKA_BROKER_PORT", literal(side, "KAFKA_BROKER_PORT") or "9092")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("manifest", help="output of `kustomize build` (- for stdin)")
    ap.add_argument("--expect-namespace")
    ap.add_argument("--expect-replicas", type=int,
                    help="replicas of the StatefulSet with the broker role")
    ap.add_argument("--expect-controller-replicas", type=int,
                    help="replicas of a controller-only StatefulSet")
    ap.add_argument("--expect-controllers", type=int)
    ap.add_argument("--expect-cluster-domain")
    ap.add_argument("--self-test", action="store_true",
                    help="instead: break the manifest in known ways and check "
                         "that each breakage is caught")
    args = ap.parse_args()

    try:
        docs = load(args.manifest)
    except (OSError, yaml.YAMLError) as e:
        sys.stderr.write(f"check_manifests: cannot read {args.manifest}: {e}\n")
        return 2
    if args.self_test:
        return self_test(docs, args)
    c = Checker()
    check_all(docs, args, c)
    return finish(c)


def roles_of(sts):
    """The KAFKA_PROCESS_ROLES of a StatefulSet's init container (auto if unset)."""
    init = containers(sts).get(INIT, {})
    return literal(init, "KAFKA_PROCESS_ROLES") or "auto"


def containers(sts):
    pod = sts.get("spec", {}).get("template", {}).get("spec", {})
    return {x.get("name"): x for x in (pod.get("initContainers", []) or [])
            + (pod.get("containers", []) or [])}


def pod_labels_of(sts):
    return sts.get("spec", {}).get("template", {}).get("metadata", {}).get("labels", {})


def selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def int_or_none(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def properties_of(text):
    """key -> value of a .properties text (simple lines; enough for checks)."""
    out = {}
    for line in str(text).splitlines():
        line = line.strip()
        if not line or line[0] in "#!":
            continue
        m = re.match(r"([^=:\s]+)\s*[=:\s]\s*(.*)$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def check_all(docs, args, c):
    stss = find(docs, "StatefulSet")
    if not c.check("one StatefulSet, or two (dedicated controllers + brokers)",
                   1 <= len(stss) <= 2, f"found {len(stss)}"):
        return
    ns = stss[0].get("metadata", {}).get("namespace")

    # --- Namespace and objects -------------------------------------------------
    if args.expect_namespace:
        c.check(f"namespace is {args.expect_namespace}",
                ns == args.expect_namespace, f"StatefulSet is in {ns!r}")
    c.check("a Namespace object for the StatefulSet's namespace",
            bool(find(docs, "Namespace", ns)), f"no Namespace {ns!r}")
    stray = sorted({f"{d['kind']}/{d['metadata']['name']}" for d in docs
                    if d.get("kind") != "Namespace"
                    and d["metadata"].get("namespace") != ns})
    c.check("every namespaced object is in the same namespace", not stray,
            ", ".join(stray))
    unlabelled = sorted(f"{d['kind']}/{d['metadata']['name']}" for d in docs
                        if d["metadata"].get("labels", {})
                        .get("app.kubernetes.io/name") != "kafka")
    c.check("every object is labelled app.kubernetes.io/name=kafka",
            not unlabelled, ", ".join(unlabelled))
    brokers = [s for s in stss if roles_of(s) != "controller"]
    c.check("exactly one StatefulSet with the broker role, named kafka",
            len(brokers) == 1 and brokers[0]["metadata"].get("name") == "kafka",
            [s["metadata"].get("name") for s in brokers])
    leaky = []
    for cm in find(docs, "ConfigMap"):
        for fname, text in (cm.get("data") or {}).items():
            for key in properties_of(text):
                if any(m in key.lower() for m in SECRET_MARKERS):
                    leaky.append(f"{cm['metadata']['name']}/{fname}: {key}")
    c.check("no ConfigMap holds a password, JAAS config or private key "
            "(those belong in a Secret)", not leaky, ", ".join(leaky))

    for sts in stss:
        others = [o for o in stss if o is not sts]
        prefix = f"{sts['metadata'].get('name')}: " if len(stss) > 1 else ""
        check_statefulset(docs, sts, others, args, c, prefix)
    check_topology(docs, stss, c)


def check_statefulset(docs, sts, others, args, c, prefix=""):
    def check(name, ok, why=""):
        return c.check(prefix + name, ok, why)

    spec = sts.get("spec", {})
    pod = spec.get("template", {}).get("spec", {})
    pod_labels = pod_labels_of(sts)
    other_labels = [pod_labels_of(o) for o in others]
    inits = pod.get("initContainers", []) or []
    mains = pod.get("containers", []) or []
    by_name = {x.get("name"): x for x in inits + mains}
    init = by_name.get(INIT, {})
    side = by_name.get(SIDECAR, {})
    kafka = by_name.get(KAFKA, {})
    roles = roles_of(sts)
    check(f"KAFKA_PROCESS_ROLES is auto, broker, controller or broker,controller",
          roles in ("auto", "broker", "controller", "broker,controller",
                    "controller,broker"), roles)
    has_broker = roles != "controller"
    # Whether some pod of this StatefulSet binds a controller listener.
    has_ctrl_listener = roles != "broker"

    # --- StatefulSet shape -----------------------------------------------------
    replicas = spec.get("replicas")
    if has_broker and args.expect_replicas is not None:
        check(f"replicas is {args.expect_replicas}",
              replicas == args.expect_replicas, f"replicas: {replicas}")
    if not has_broker and args.expect_controller_replicas is not None:
        check(f"replicas is {args.expect_controller_replicas}",
              replicas == args.expect_controller_replicas, f"replicas: {replicas}")
    check("podManagementPolicy is Parallel",
          spec.get("podManagementPolicy") == "Parallel",
          spec.get("podManagementPolicy"))
    check("updateStrategy is RollingUpdate",
          spec.get("updateStrategy", {}).get("type") == "RollingUpdate",
          spec.get("updateStrategy"))
    sel = spec.get("selector", {}).get("matchLabels", {})
    check("selector matches the pod template labels", selects(sel, pod_labels),
          f"selector {sel}, labels {pod_labels}")
    if others:
        check("selector matches no pod of the other StatefulSet",
              not any(selects(sel, lab) for lab in other_labels), sel)
    check("terminationGracePeriodSeconds allows a controlled shutdown (>= 60)",
          (pod.get("terminationGracePeriodSeconds") or 30) >= 60,
          pod.get("terminationGracePeriodSeconds"))

    # --- Containers, in order ---------------------------------------------------
    names = [x.get("name") for x in inits]
    check(f"initContainers are [{INIT}, {SIDECAR}] in that order",
          names == [INIT, SIDECAR], names)
    check(f"containers[0] is {KAFKA}",
          bool(mains) and mains[0].get("name") == KAFKA,
          [x.get("name") for x in mains])
    check(f"{INIT} runs `kafka-agent init`", init.get("args") == ["init"]
          and not init.get("command"), init.get("args"))
    check(f"{INIT} is a plain init container (runs to completion)",
          init.get("restartPolicy") is None, init.get("restartPolicy"))
    check(f"{SIDECAR} runs `kafka-agent serve`", side.get("args") == ["serve"]
          and not side.get("command"), side.get("args"))
    check(f"{SIDECAR} is a native sidecar (restartPolicy: Always)",
          side.get("restartPolicy") == "Always", side.get("restartPolicy"))
    check(f"{INIT} and {SIDECAR} use the same image",
          bool(init.get("image")) and init.get("image") == side.get("image"),
          f"{init.get('image')} vs {side.get('image')}")
    check("the Kafka container uses the apache/kafka image (4.x)",
          re.match(r"^(.*/)?apache/kafka:4\.", kafka.get("image", "")) is not None,
          kafka.get("image"))

    # --- Probes -----------------------------------------------------------------
    rp = (kafka.get("readinessProbe") or {}).get("grpc") or {}
    check("kafka readinessProbe is grpc 50051 service kafka.ready",
          rp.get("port") == GRPC_PORT and rp.get("service") == "kafka.ready",
          kafka.get("readinessProbe"))
    sp = (kafka.get("startupProbe") or {}).get("grpc") or {}
    startup = "kafka.broker" if has_broker else "kafka.controller"
    check(f"kafka startupProbe is grpc 50051 service {startup}",
          sp.get("port") == GRPC_PORT and sp.get("service") == startup,
          kafka.get("startupProbe"))
    sprobe = kafka.get("startupProbe") or {}
    budget = (sprobe.get("periodSeconds") or 10) * (sprobe.get("failureThreshold") or 3)
    check("kafka startupProbe allows >= 5 minutes for log recovery",
          budget >= 300, f"{budget}s")
    check("kafka has no livenessProbe (a fenced broker is not fixed by a restart)",
          "livenessProbe" not in kafka, kafka.get("livenessProbe"))
    lp = (side.get("livenessProbe") or {}).get("grpc") or {}
    check(f"{SIDECAR} livenessProbe is grpc 50051 service \"\" (the agent)",
          lp.get("port") == GRPC_PORT and lp.get("service", "") == "",
          side.get("livenessProbe"))
    ssp = (side.get("startupProbe") or {}).get("grpc") or {}
    check(f"{SIDECAR} has a grpc startupProbe on 50051 (Kafka starts after it)",
          ssp.get("port") == GRPC_PORT, side.get("startupProbe"))
    check(f"{SIDECAR} has no readinessProbe (a sidecar's would gate the pod)",
          "readinessProbe" not in side, side.get("readinessProbe"))
    ports = {p.get("containerPort"): p.get("name") for p in side.get("ports", [])}
    check(f"{SIDECAR} declares containerPort 50051 named grpc",
          ports.get(GRPC_PORT) == "grpc", ports)
    listen = literal(side, "KAFKA_AGENT_GRPC_LISTEN")
    check("KAFKA_AGENT_GRPC_LISTEN (if set) listens on the probed port",
          listen is None or listen.rsplit(":", 1)[-1] == str(GRPC_PORT), listen)

    # --- preStop: the sidecar's /prestop gate, and the grace period around it ----
    # Every pod: brokers wait for the ISR rule, voters for the quorum rule
    # (a controller-only pod is in no ISR; its wait is the quorum's).
    sports = {p.get("containerPort"): p.get("name") for p in side.get("ports", [])}
    check(f"{SIDECAR} declares containerPort {HTTP_PORT} (the HTTP side port)",
          HTTP_PORT in sports, sports)
    hlisten = literal(side, "KAFKA_AGENT_HTTP_LISTEN")
    check(f"KAFKA_AGENT_HTTP_LISTEN (if set) listens on {HTTP_PORT}, not off",
          hlisten is None or (hlisten != "" and
                              hlisten.rsplit(":", 1)[-1] == str(HTTP_PORT)),
          repr(hlisten))
    pre = ((kafka.get("lifecycle") or {}).get("preStop") or {}).get("httpGet") or {}
    path = pre.get("path") or ""
    check(f"kafka preStop is httpGet {HTTP_PORT} /prestop (the sidecar)",
          pre.get("port") == HTTP_PORT and path.split("?")[0] == "/prestop"
          and pre.get("scheme", "HTTP") == "HTTP", kafka.get("lifecycle"))
    m = re.search(r"[?&]timeout=([^&]*)", path)
    timeout = parse_timeout(m.group(1)) if m else None
    check("the preStop path sets ?timeout= explicitly (0 < t <= 1h)",
          timeout is not None and 0 < timeout <= 3600, path)
    grace = pod.get("terminationGracePeriodSeconds") or 30
    if timeout is not None:
        check(f"terminationGracePeriodSeconds covers the preStop wait plus "
              f"a controlled shutdown (>= {timeout:g} + {SHUTDOWN_BUDGET})",
              grace >= timeout + SHUTDOWN_BUDGET,
              f"{grace}s < {timeout:g}s + {SHUTDOWN_BUDGET}s")
    ann = spec.get("template", {}).get("metadata", {}).get("annotations") or {}
    if "prometheus.io/scrape" in ann:
        check(f"scrape annotations point at the sidecar's /metrics on "
              f"{HTTP_PORT}",
              ann.get("prometheus.io/scrape") == "true"
              and ann.get("prometheus.io/port") == str(HTTP_PORT)
              and ann.get("prometheus.io/path", "/metrics") == "/metrics", ann)

    # --- Environment: the shapes the e2e tests parse ------------------------------
    bad_env = []
    for ctr in inits + mains:
        if ctr.get("envFrom"):
            bad_env.append(f"{ctr['name']}: envFrom")
        for e in ctr.get("env", []) or []:
            vf = e.get("valueFrom")
            if "value" in e and vf is None:
                continue
            if vf and len(vf) == 1 and next(iter(vf)) in (
                    "fieldRef", "secretKeyRef", "configMapKeyRef"):
                continue
            bad_env.append(f"{ctr['name']}: {e.get('name')}")
    check("every env entry is a literal value or a fieldRef/secretKeyRef/"
          "configMapKeyRef (no envFrom)", not bad_env, ", ".join(bad_env))
    for ctr_name, ctr in ((INIT, init), (SIDECAR, side)):
        env = env_map(ctr)
        for var, path in (("POD_NAME", "metadata.name"),
                          ("POD_NAMESPACE", "metadata.namespace")):
            got = ((env.get(var) or {}).get("valueFrom") or {}).get("fieldRef", {})
            check(f"{ctr_name} {var} comes from the Downward API ({path})",
                  got.get("fieldPath") == path, env.get(var))
    ienv, senv = env_map(init), env_map(side)
    differ = [v for v in IDENTITY_ENV if ienv.get(v) != senv.get(v)]
    check(f"{INIT} and {SIDECAR} agree on the identity variables "
          f"({', '.join(IDENTITY_ENV)})",
          not differ, ", ".join(f"{v}: {ienv.get(v)!r} vs {senv.get(v)!r}"
                                for v in differ))
    headless_name = literal(init, "KAFKA_HEADLESS_SERVICE")
    check("KAFKA_HEADLESS_SERVICE is the StatefulSet's serviceName",
          headless_name is not None and headless_name == spec.get("serviceName"),
          f"{headless_name!r} vs serviceName {spec.get('serviceName')!r}")
    controllers = literal(init, "KAFKA_CONTROLLERS")
    n_ctrl = int_or_none(controllers)
    if roles == "auto":
        check("KAFKA_CONTROLLERS is an odd number between 1 and replicas",
              n_ctrl is not None and isinstance(replicas, int)
              and 1 <= n_ctrl <= replicas and n_ctrl % 2 == 1,
              f"controllers {controllers!r}, replicas {replicas!r}")
    elif roles == "controller":
        check("KAFKA_CONTROLLERS equals the controllers' replicas, odd",
              n_ctrl is not None and n_ctrl == replicas and n_ctrl % 2 == 1,
              f"controllers {controllers!r}, replicas {replicas!r}")
    else:
        check("KAFKA_CONTROLLERS is an odd number >= 1",
              n_ctrl is not None and n_ctrl >= 1 and n_ctrl % 2 == 1, controllers)
    if args.expect_controllers is not None:
        check(f"KAFKA_CONTROLLERS is {args.expect_controllers}",
              n_ctrl == args.expect_controllers, controllers)
    if args.expect_cluster_domain:
        check(f"KAFKA_CLUSTER_DOMAIN is {args.expect_cluster_domain}",
              literal(init, "KAFKA_CLUSTER_DOMAIN") == args.expect_cluster_domain,
              literal(init, "KAFKA_CLUSTER_DOMAIN"))
    for var in ("KAFKA_BROKER_SECURITY_PROTOCOL", "KAFKA_CONTROLLER_SECURITY_PROTOCOL"):
        v = literal(init, var)
        check(f"{var} (if set) is one of {', '.join(PROTOCOLS)}",
              v is None or v in PROTOCOLS, v)
    for ctr in inits + mains:
        late = late_references(ctr)
        check(f"{ctr.get('name')}: every $(VAR) in env refers to a variable "
              "listed before it (else the kubelet leaves it as is)",
              not late, ", ".join(late))
    kenv = env_map(kafka)
    leaking = sorted(n for n in kenv if n.startswith("KAFKA_") and n not in KAFKA_JVM_ENV)
    check("the Kafka container sets no KAFKA_* server property by env "
          "(the image would append it over the agent's file)",
          not leaking, ", ".join(leaking))
    check("enableServiceLinks is false (no KAFKA_SERVICE_* / KAFKA_PORT_* env)",
          pod.get("enableServiceLinks") is False, pod.get("enableServiceLinks"))

    # --- CLUSTER_ID ---------------------------------------------------------------
    cid = kenv.get("CLUSTER_ID") or {}
    ref = (cid.get("valueFrom") or {})
    kref = ref.get("secretKeyRef") or ref.get("configMapKeyRef")
    check("CLUSTER_ID comes from a secretKeyRef or configMapKeyRef",
          "value" not in cid and kref is not None, cid)
    if kref:
        kind = "Secret" if "secretKeyRef" in ref else "ConfigMap"
        objs = find(docs, kind, kref.get("name"))
        raw = None
        if objs:
            o = objs[0]
            if kind == "Secret" and kref.get("key") in (o.get("data") or {}):
                try:
                    raw = base64.b64decode(o["data"][kref["key"]]).decode()
                except (binascii.Error, UnicodeDecodeError):
                    raw = ""
            else:
                raw = ((o.get("stringData") or {}).get(kref.get("key"))
                       or (o.get("data") or {}).get(kref.get("key")))
        check(f"the {kind} {kref.get('name')!r} holds key {kref.get('key')!r}",
              raw is not None, "missing from the build")
        if raw is not None:
            check("CLUSTER_ID is a KRaft cluster id (22 chars base64url, 16 bytes)",
                  valid_cluster_id(raw), repr(raw))
        if kind == "Secret" and kref.get("optional"):
            check("CLUSTER_ID's secretKeyRef is not optional", False,
                  "optional: true would start Kafka with the image's default id")
    icid = env_map(init).get("CLUSTER_ID")
    check(f"{INIT} gets CLUSTER_ID (identity guard) from the same reference "
          "as the Kafka container",
          icid is not None and icid.get("valueFrom") == cid.get("valueFrom"),
          icid)
    sts_text = yaml.safe_dump(sts)
    check("no controller.quorum.voters anywhere in the StatefulSet",
          "controller.quorum.voters" not in sts_text
          and "CONTROLLER_QUORUM_VOTERS" not in sts_text)
    voters_in_cm = [cm["metadata"]["name"] for cm in find(docs, "ConfigMap")
                    for v in (cm.get("data") or {}).values()
                    if re.search(r"^\s*controller\.quorum\.voters\s*[=:]", str(v), re.M)]
    check("no ConfigMap sets controller.quorum.voters", not voters_in_cm,
          ", ".join(voters_in_cm))
    check("no CLUSTER_ID literal anywhere in the StatefulSet",
          not re.search(r"CLUSTER_ID\W+value:", sts_text))

    # --- Security -------------------------------------------------------------------
    psc = pod.get("securityContext") or {}
    check("pod runAsNonRoot: true", psc.get("runAsNonRoot") is True, psc)
    for f in ("runAsUser", "runAsGroup", "fsGroup"):
        v = psc.get(f)
        check(f"pod {f} is a numeric non-root id",
              isinstance(v, int) and not isinstance(v, bool) and v > 0, v)
    check("pod seccompProfile is RuntimeDefault",
          (psc.get("seccompProfile") or {}).get("type") == "RuntimeDefault",
          psc.get("seccompProfile"))
    check("pod does not mount a service account token",
          pod.get("automountServiceAccountToken") is False,
          pod.get("automountServiceAccountToken"))
    for flag in ("hostNetwork", "hostPID", "hostIPC"):
        check(f"pod does not use {flag}", not pod.get(flag))
    for ctr in inits + mains:
        sc = ctr.get("securityContext") or {}
        n = ctr.get("name")
        check(f"{n}: readOnlyRootFilesystem: true",
              sc.get("readOnlyRootFilesystem") is True, sc)
        check(f"{n}: allowPrivilegeEscalation: false",
              sc.get("allowPrivilegeEscalation") is False, sc)
        caps = sc.get("capabilities") or {}
        check(f"{n}: capabilities drop ALL, add none",
              "ALL" in (caps.get("drop") or []) and not caps.get("add"), caps)
        check(f"{n}: not privileged", not sc.get("privileged"))
        uid = sc.get("runAsUser", psc.get("runAsUser"))
        check(f"{n}: runs as a non-root uid", isinstance(uid, int) and uid > 0,
              uid)
        if sc.get("runAsNonRoot") is False:
            check(f"{n}: does not override runAsNonRoot", False)
        res = ctr.get("resources") or {}
        check(f"{n}: has cpu/memory requests and a memory limit",
              all(k in (res.get("requests") or {}) for k in ("cpu", "memory"))
              and "memory" in (res.get("limits") or {}), res)
    sas = find(docs, "ServiceAccount", pod.get("serviceAccountName"))
    check("the pod's ServiceAccount exists and does not automount a token",
          bool(sas) and sas[0].get("automountServiceAccountToken") is False,
          pod.get("serviceAccountName"))

    # --- Volumes ----------------------------------------------------------------------
    vols = {v["name"]: v for v in pod.get("volumes", []) or []}
    kmounts = mounts(kafka)
    imounts = mounts(init)
    out = literal(init, "KAFKA_AGENT_OUTPUT") or ""
    out_dir = out.rsplit("/", 1)[0]
    shared = imounts.get(out_dir)
    check(f"{INIT} writes KAFKA_AGENT_OUTPUT into a writable emptyDir",
          shared is not None and not shared.get("readOnly")
          and "emptyDir" in vols.get(shared["name"], {}),
          f"output {out!r}, mounts {sorted(imounts)}")
    kshared = kmounts.get("/mnt/shared/config")
    check("kafka reads that same volume at /mnt/shared/config",
          shared is not None and kshared is not None
          and kshared["name"] == shared["name"],
          f"kafka mounts {sorted(kmounts)}")
    check("the rendered file is server.properties (what the image reads)",
          out.endswith("/server.properties"), out)
    base_cfg = literal(init, "KAFKA_BASE_CONFIG")
    base_props = {}
    if base_cfg is not None:
        for path in [p.strip() for p in base_cfg.split(",") if p.strip()]:
            bdir, key = path.rsplit("/", 1)
            bm = imounts.get(bdir)
            vol = vols.get(bm["name"], {}) if bm else {}
            if "configMap" in vol:
                cms = find(docs, "ConfigMap", vol["configMap"].get("name"))
                data = (cms[0].get("data") or {}) if cms else {}
                check(f"KAFKA_BASE_CONFIG file {path} comes from a ConfigMap "
                      f"in the build holding {key}", key in data,
                      f"mounted from {vol['configMap'].get('name')!r}")
                base_props.update(properties_of(data.get(key, "")))
            else:
                check(f"KAFKA_BASE_CONFIG file {path} comes from a mounted "
                      "ConfigMap or Secret", "secret" in vol,
                      f"mounts {sorted(imounts)}")
    dm_init = next((m for m in (init.get("volumeMounts") or [])
                    if m.get("name") == "data"), None)
    check(f"{INIT} mounts the data volume read-only (identity guard)",
          dm_init is not None and dm_init.get("readOnly") is True, dm_init)
    log_dirs = [d.strip() for d in base_props.get("log.dirs", "").split(",") if d.strip()]
    if dm_init is not None and log_dirs:
        check(f"{INIT} sees every log.dirs entry of the base config on the data "
              "volume (the guard reads meta.properties there)",
              all(d == dm_init["mountPath"] or d.startswith(dm_init["mountPath"] + "/")
                  for d in log_dirs), f"log.dirs {log_dirs}, mount {dm_init['mountPath']}")
    for path in KAFKA_WRITABLE:
        m = kmounts.get(path)
        check(f"kafka has a writable volume at {path}",
              m is not None and not m.get("readOnly"), sorted(kmounts))
    vcts = {v["metadata"]["name"]: v for v in spec.get("volumeClaimTemplates", [])}
    dm = kmounts.get("/var/lib/kafka/data")
    check("/var/lib/kafka/data is the volumeClaimTemplate `data`",
          "data" in vcts and dm is not None and dm["name"] == "data",
          sorted(vcts))
    secure = any(literal(init, v) not in (None, "PLAINTEXT") for v in
                 ("KAFKA_BROKER_SECURITY_PROTOCOL", "KAFKA_CONTROLLER_SECURITY_PROTOCOL"))
    if secure:
        check("with TLS/SASL listeners, kafka mounts a Secret volume (keystores)",
              any("secret" in vols.get(m["name"], {}) for m in kmounts.values()),
              sorted(kmounts))
        pf = literal(side, "KAFKA_AGENT_KAFKA_PROP_FILE")
        pm = mounts(side).get(pf.rsplit("/", 1)[0]) if pf else None
        check(f"with TLS/SASL listeners, {SIDECAR} reads its client properties "
              "from a Secret (KAFKA_AGENT_KAFKA_PROP_FILE)",
              pm is not None and "secret" in vols.get(pm["name"], {}), pf)
    kind, proto, port_var, port = sidecar_listener(sts)
    if is_tls(proto):
        # The certificate names the pod's FQDN (*.<headless service>...), not
        # localhost; and the port is the listener's.
        bs = literal(side, "KAFKA_AGENT_BOOTSTRAP") or f"localhost:{port}"
        host, _, bport_ = bs.rpartition(":")
        check(f"with a TLS {kind} listener, {SIDECAR} bootstraps by the pod's "
              f"FQDN on the {kind} port (the name its certificate carries)",
              host == "$(POD_NAME).$(KAFKA_HEADLESS_SERVICE).$(POD_NAMESPACE)"
                      ".svc.$(KAFKA_CLUSTER_DOMAIN)"
              and bport_ in (f"$({port_var})", port), bs)

    # --- Services and ports -------------------------------------------------------------
    bport = literal(init, "KAFKA_BROKER_PORT") or "9092"
    cport = literal(init, "KAFKA_CONTROLLER_PORT") or "29093"
    hs = find(docs, "Service", spec.get("serviceName"))
    h = hs[0]["spec"] if hs else {}
    check("the serviceName Service exists", bool(hs), spec.get("serviceName"))
    check("headless Service: clusterIP None", h.get("clusterIP") == "None",
          h.get("clusterIP"))
    check("headless Service: publishNotReadyAddresses true",
          h.get("publishNotReadyAddresses") is True,
          h.get("publishNotReadyAddresses"))
    hports = {p.get("name"): str(p.get("port")) for p in h.get("ports", [])}
    want = {}
    if has_broker:
        want["tcp-kafka-int"] = bport
    if has_ctrl_listener:
        want["tcp-kafka-ctrl"] = cport
    check(f"headless Service ports are {want}", hports == want, hports)
    hsel = h.get("selector") or {}
    check("headless Service selects the pods", selects(hsel, pod_labels), hsel)
    if others:
        check("headless Service selects no pod of the other StatefulSet",
              not any(selects(hsel, lab) for lab in other_labels), hsel)
    clients = [s for s in find(docs, "Service")
               if s["spec"].get("clusterIP") != "None"]
    if has_broker:
        check(f"a client Service on {bport} selects the pods",
              any(any(str(p.get("port")) == bport for p in s["spec"].get("ports", []))
                  and selects(s["spec"].get("selector") or {}, pod_labels)
                  for s in clients),
              [s["metadata"]["name"] for s in clients])
    else:
        check("no client Service selects a controller (clients never talk to them)",
              not any(selects(s["spec"].get("selector") or {}, pod_labels)
                      for s in clients),
              [s["metadata"]["name"] for s in clients])
    kports = {p.get("name"): str(p.get("containerPort")) for p in kafka.get("ports", [])}
    check(f"kafka containerPorts are {want} (KAFKA_BROKER_PORT / "
          "KAFKA_CONTROLLER_PORT, per role)", kports == want, kports)

    # --- PodDisruptionBudget --------------------------------------------------------------
    pdbs = [p for p in find(docs, "PodDisruptionBudget")
            if selects((p["spec"].get("selector") or {}).get("matchLabels") or {},
                       pod_labels)]
    p = pdbs[0]["spec"] if pdbs else {}
    check("exactly one PodDisruptionBudget selects the pods, maxUnavailable 1",
          len(pdbs) == 1 and p.get("maxUnavailable") == 1
          and "minAvailable" not in p, [x["metadata"]["name"] for x in pdbs] or p)
    if others and pdbs:
        psel = (p.get("selector") or {}).get("matchLabels") or {}
        check("its PodDisruptionBudget selects no pod of the other StatefulSet",
              not any(selects(psel, lab) for lab in other_labels), psel)


def check_topology(docs, stss, c):
    """Brokers that point at a separate controller StatefulSet: consistency."""
    for b in stss:
        benv = containers(b).get(INIT, {})
        target = literal(benv, "KAFKA_CONTROLLER_STATEFULSET")
        if target is None or target == b["metadata"]["name"]:
            continue
        name = b["metadata"]["name"]
        ctrl = [s for s in stss if s["metadata"]["name"] == target]
        if not c.check(f"{name}: KAFKA_CONTROLLER_STATEFULSET {target!r} is a "
                       "StatefulSet in the build", bool(ctrl)):
            continue
        cs = ctrl[0]
        cenv = containers(cs).get(INIT, {})
        c.check(f"{name}: KAFKA_PROCESS_ROLES is broker (its voters are "
                f"{target}'s pods)", roles_of(b) == "broker", roles_of(b))
        c.check(f"{target}: KAFKA_PROCESS_ROLES is controller",
                roles_of(cs) == "controller", roles_of(cs))
        c.check(f"{name}: KAFKA_CONTROLLER_SERVICE is {target}'s serviceName",
                literal(benv, "KAFKA_CONTROLLER_SERVICE")
                == cs["spec"].get("serviceName"),
                f"{literal(benv, 'KAFKA_CONTROLLER_SERVICE')!r} vs "
                f"{cs['spec'].get('serviceName')!r}")
        n_b = int_or_none(literal(benv, "KAFKA_CONTROLLERS"))
        c.check(f"{name}: KAFKA_CONTROLLERS equals {target}'s replicas",
                n_b is not None and n_b == cs["spec"].get("replicas"),
                f"{n_b} vs {cs['spec'].get('replicas')}")
        c_off = int_or_none(literal(cenv, "KAFKA_NODE_ID_OFFSET") or "0")
        bc_off = int_or_none(literal(benv, "KAFKA_CONTROLLER_NODE_ID_OFFSET")
                             or literal(benv, "KAFKA_NODE_ID_OFFSET") or "0")
        c.check(f"{name}: KAFKA_CONTROLLER_NODE_ID_OFFSET is {target}'s "
                "KAFKA_NODE_ID_OFFSET (the voters' ids)", c_off == bc_off,
                f"{bc_off} vs {c_off}")
        b_off = int_or_none(literal(benv, "KAFKA_NODE_ID_OFFSET") or "0")
        b_n = b["spec"].get("replicas") or 0
        c_n = cs["spec"].get("replicas") or 0
        ok = (None not in (b_off, c_off)
              and (b_off >= c_off + c_n or b_off + b_n <= c_off))
        c.check(f"node ids never overlap: {target} {c_off}..{(c_off or 0) + c_n - 1}, "
                f"{name} from {b_off} (brokers above the controllers)",
                ok and b_off >= (c_off or 0) + c_n,
                f"controllers {c_off}+{c_n}, brokers {b_off}+{b_n}")
        for var, default in (("KAFKA_CONTROLLER_PORT", "29093"),
                             ("KAFKA_CLUSTER_DOMAIN", "cluster.local"),
                             ("KAFKA_CONTROLLER_SECURITY_PROTOCOL", "PLAINTEXT"),
                             ("KAFKA_CONTROLLER_LISTENER_NAME", "CONTROLLER")):
            bv = literal(benv, var) or default
            cv = literal(cenv, var) or default
            c.check(f"{name} and {target} agree on {var}", bv == cv, f"{bv} vs {cv}")
        # Each sidecar's client properties fit the listener it asks.
        bl, cl = sidecar_listener(b), sidecar_listener(cs)
        bpf = literal(containers(b).get(SIDECAR, {}), "KAFKA_AGENT_KAFKA_PROP_FILE")
        cpf = literal(containers(cs).get(SIDECAR, {}), "KAFKA_AGENT_KAFKA_PROP_FILE")
        if bl[1] != cl[1] and (bpf or cpf):
            c.check(f"{target}: its sidecar asks a {cl[1]} listener, {name}'s a "
                    f"{bl[1]} one: they read other client properties "
                    "(KAFKA_AGENT_KAFKA_PROP_FILE)", bpf != cpf, f"{bpf} vs {cpf}")
        bk = env_map(containers(b).get(KAFKA, {})).get("CLUSTER_ID")
        ck = env_map(containers(cs).get(KAFKA, {})).get("CLUSTER_ID")
        c.check(f"{name} and {target} read the same CLUSTER_ID", bk == ck and bk,
                f"{bk} vs {ck}")


def _pod(docs, sts="kafka"):
    return find(docs, "StatefulSet", sts)[0]["spec"]["template"]["spec"]


def _ctr(docs, name, sts="kafka"):
    pod = _pod(docs, sts)
    return next(x for x in pod.get("initContainers", []) + pod["containers"]
                if x["name"] == name)


def _set_env(docs, ctr, name, entry, sts="kafka"):
    env = _ctr(docs, ctr, sts).setdefault("env", [])
    env[:] = [e for e in env if e["name"] != name] + [dict(entry, name=name)]


def _set_both(docs, name, value, sts="kafka"):
    for ctr in (INIT, SIDECAR):
        _set_env(docs, ctr, name, {"value": value}, sts)


def _add_to_configmap(docs, line):
    cm = next(c for c in find(docs, "ConfigMap")
              if "server.properties" in (c.get("data") or {}))
    cm["data"]["server.properties"] += line


# Each breakage, and a phrase of the check that must catch it.
MUTATIONS = [
    ("sidecar loses restartPolicy: Always",
     lambda d: _ctr(d, SIDECAR).pop("restartPolicy"), "native sidecar"),
    ("readiness asks kafka.broker instead of kafka.ready",
     lambda d: _ctr(d, KAFKA)["readinessProbe"]["grpc"].update(service="kafka.broker"),
     "readinessProbe is grpc 50051 service kafka.ready"),
    ("readiness probes another port",
     lambda d: _ctr(d, KAFKA)["readinessProbe"]["grpc"].update(port=50052),
     "readinessProbe is grpc 50051"),
    ("headless Service drops publishNotReadyAddresses",
     lambda d: find(d, "Service", "kafka-headless")[0]["spec"].pop("publishNotReadyAddresses"),
     "publishNotReadyAddresses"),
    ("PodDisruptionBudget allows 2",
     lambda d: find(d, "PodDisruptionBudget")[0]["spec"].update(maxUnavailable=2),
     "maxUnavailable 1"),
    ("writable root filesystem on the sidecar",
     lambda d: _ctr(d, SIDECAR)["securityContext"].update(readOnlyRootFilesystem=False),
     "kafka-agent: readOnlyRootFilesystem"),
    ("privilege escalation on kafka",
     lambda d: _ctr(d, KAFKA)["securityContext"].update(allowPrivilegeEscalation=True),
     "kafka: allowPrivilegeEscalation"),
    ("capabilities not dropped on init",
     lambda d: _ctr(d, INIT)["securityContext"].pop("capabilities"),
     "kafka-agent-init: capabilities drop ALL"),
    ("runAsNonRoot removed",
     lambda d: _pod(d)["securityContext"].pop("runAsNonRoot"), "runAsNonRoot"),
    ("init runs as root",
     lambda d: _ctr(d, INIT)["securityContext"].update(runAsUser=0),
     "kafka-agent-init: runs as a non-root uid"),
    ("voters hard-coded in the Kafka container",
     lambda d: _set_env(d, KAFKA, "KAFKA_CONTROLLER_QUORUM_VOTERS",
                        {"value": "0@kafka-0.kafka-headless:29093"}),
     "no controller.quorum.voters"),
    ("CLUSTER_ID hard-coded",
     lambda d: _set_env(d, KAFKA, "CLUSTER_ID", {"value": "MkU3OEVBNTcwNTJENDM2Qk"}),
     "CLUSTER_ID comes from a secretKeyRef"),
    ("POD_NAME hard-coded in the sidecar",
     lambda d: _set_env(d, SIDECAR, "POD_NAME", {"value": "kafka-0"}),
     "kafka-agent POD_NAME comes from the Downward API"),
    ("init and sidecar disagree on the controller count",
     lambda d: _set_env(d, SIDECAR, "KAFKA_CONTROLLERS", {"value": "5"}),
     "agree on"),
    ("more controllers than replicas",
     lambda d: [_set_env(d, n, "KAFKA_CONTROLLERS", {"value": "7"}) for n in (INIT, SIDECAR)],
     "KAFKA_CONTROLLERS "),
    ("Kafka container gets a no-longer-writable /tmp",
     lambda d: [m.update(readOnly=True) for m in _ctr(d, KAFKA)["volumeMounts"]
                if m["mountPath"] == "/tmp"],
     "writable volume at /tmp"),
    ("sidecar and init swapped",
     lambda d: _pod(d)["initContainers"].reverse(), "in that order"),
    ("service links back on",
     lambda d: _pod(d).update(enableServiceLinks=True), "enableServiceLinks"),
    ("init mounts the data volume read-write",
     lambda d: [m.update(readOnly=False) for m in _ctr(d, INIT)["volumeMounts"]
                if m["name"] == "data"],
     "mounts the data volume read-only"),
    ("init has no CLUSTER_ID for the identity guard",
     lambda d: _ctr(d, INIT).update(env=[e for e in _ctr(d, INIT)["env"]
                                         if e["name"] != "CLUSTER_ID"]),
     "gets CLUSTER_ID (identity guard)"),
    ("a keystore password in the base ConfigMap",
     lambda d: _add_to_configmap(d, "\nssl.keystore.password=changeit\n"),
     "no ConfigMap holds a password"),
    ("init and sidecar disagree on the broker security protocol",
     lambda d: _set_env(d, SIDECAR, "KAFKA_BROKER_SECURITY_PROTOCOL", {"value": "SSL"}),
     "agree on the identity variables"),
    ("an unknown security protocol",
     lambda d: _set_both(d, "KAFKA_BROKER_SECURITY_PROTOCOL", "TLS"),
     "is one of PLAINTEXT"),
    ("TLS listeners without a mounted keystore",
     lambda d: _set_both(d, "KAFKA_BROKER_SECURITY_PROTOCOL", "SSL"),
     "kafka mounts a Secret volume"),
    ("grace period shorter than the preStop wait plus a shutdown",
     lambda d: _pod(d).update(terminationGracePeriodSeconds=300),
     "terminationGracePeriodSeconds covers the preStop wait"),
    ("preStop calls another port",
     lambda d: _ctr(d, KAFKA)["lifecycle"]["preStop"]["httpGet"].update(port=9402),
     "kafka preStop is httpGet"),
    ("preStop hook removed",
     lambda d: _ctr(d, KAFKA).pop("lifecycle"), "kafka preStop is httpGet"),
    ("preStop without an explicit timeout",
     lambda d: _ctr(d, KAFKA)["lifecycle"]["preStop"]["httpGet"].update(path="/prestop"),
     "sets ?timeout= explicitly"),
    ("preStop timeout malformed",
     lambda d: _ctr(d, KAFKA)["lifecycle"]["preStop"]["httpGet"].update(
         path="/prestop?timeout=5minutes"),
     "sets ?timeout= explicitly"),
    ("HTTP side port turned off",
     lambda d: _set_env(d, SIDECAR, "KAFKA_AGENT_HTTP_LISTEN", {"value": ""}),
     "KAFKA_AGENT_HTTP_LISTEN"),
]

# Breakages of the dedicated-controllers topology (two StatefulSets).
DEDICATED_MUTATIONS = [
    ("controllers scaled to 5 but the brokers still name 3",
     lambda d: find(d, "StatefulSet", "kafka-controller")[0]["spec"].update(replicas=5),
     "KAFKA_CONTROLLERS equals kafka-controller's replicas"),
    ("broker node ids overlap the controllers'",
     lambda d: _set_both(d, "KAFKA_NODE_ID_OFFSET", "1"), "node ids never overlap"),
    ("the client Service selects the controllers too",
     lambda d: find(d, "Service", "kafka")[0]["spec"]["selector"].pop(
         "app.kubernetes.io/component"),
     "no client Service selects a controller"),
    ("the brokers' PDB counts the controllers",
     lambda d: find(d, "PodDisruptionBudget", "kafka")[0]["spec"]["selector"][
         "matchLabels"].pop("app.kubernetes.io/component"),
     "selects no pod of the other StatefulSet"),
    ("controllers without the preStop gate (the quorum rule)",
     lambda d: _ctr(d, KAFKA, "kafka-controller").pop("lifecycle"),
     "kafka-controller: kafka preStop is httpGet"),
    ("controllers' grace period shorter than their preStop wait",
     lambda d: _pod(d, "kafka-controller").update(terminationGracePeriodSeconds=300),
     "kafka-controller: terminationGracePeriodSeconds covers the preStop wait"),
    ("controllers' startup probe asks kafka.broker",
     lambda d: _ctr(d, KAFKA, "kafka-controller")["startupProbe"]["grpc"].update(
         service="kafka.broker"),
     "startupProbe is grpc 50051 service kafka.controller"),
    ("brokers point at a StatefulSet that does not exist",
     lambda d: _set_both(d, "KAFKA_CONTROLLER_STATEFULSET", "kafka-ctrl"),
     "is a StatefulSet in the build"),
    ("brokers name another controller Service",
     lambda d: _set_both(d, "KAFKA_CONTROLLER_SERVICE", "kafka-headless"),
     "KAFKA_CONTROLLER_SERVICE is kafka-controller's serviceName"),
    ("brokers keep auto roles",
     lambda d: _set_both(d, "KAFKA_PROCESS_ROLES", "auto"),
     "KAFKA_PROCESS_ROLES is broker"),
    ("the controller listener protocol differs",
     lambda d: _set_both(d, "KAFKA_CONTROLLER_SECURITY_PROTOCOL", "SSL",
                         "kafka-controller"),
     "agree on KAFKA_CONTROLLER_SECURITY_PROTOCOL"),
]


def _move_env_first(docs, ctr, name, sts="kafka"):
    env = _ctr(docs, ctr, sts)["env"]
    env[:] = [e for e in env if e["name"] == name] + [e for e in env if e["name"] != name]


def _drop_env(docs, ctr, name, sts="kafka"):
    c = _ctr(docs, ctr, sts)
    c["env"] = [e for e in c["env"] if e["name"] != name]


# Breakages of the TLS component (components/tls), on either topology.
TLS_MUTATIONS = [
    ("the sidecar's bootstrap listed before the variables it refers to",
     lambda d: _move_env_first(d, SIDECAR, "KAFKA_AGENT_BOOTSTRAP"),
     "refers to a variable listed before it"),
    ("the TLS sidecar bootstraps by localhost",
     lambda d: _set_env(d, SIDECAR, "KAFKA_AGENT_BOOTSTRAP", {"value": "localhost:9092"}),
     "bootstraps by the pod's FQDN"),
    ("the TLS sidecar without a bootstrap (default localhost)",
     lambda d: _drop_env(d, SIDECAR, "KAFKA_AGENT_BOOTSTRAP"),
     "bootstraps by the pod's FQDN"),
    ("the TLS sidecar bootstraps on the controller port",
     lambda d: _set_env(d, SIDECAR, "KAFKA_AGENT_BOOTSTRAP", {"value": "$(POD_NAME)."
        "$(KAFKA_HEADLESS_SERVICE).$(POD_NAMESPACE).svc.$(KAFKA_CLUSTER_DOMAIN):"
        "$(KAFKA_CONTROLLER_PORT)"}),
     "bootstraps by the pod's FQDN"),
    ("the TLS sidecar without client properties",
     lambda d: _drop_env(d, SIDECAR, "KAFKA_AGENT_KAFKA_PROP_FILE"),
     "reads its client properties from a Secret"),
]
# ... and on the dedicated-controllers topology.
TLS_DEDICATED_MUTATIONS = [
    ("the controllers' sidecar reads the brokers' client properties",
     lambda d: _set_env(d, SIDECAR, "KAFKA_AGENT_KAFKA_PROP_FILE",
                        {"value": literal(_ctr(d, SIDECAR), "KAFKA_AGENT_KAFKA_PROP_FILE")},
                        "kafka-controller"),
     "they read other client properties"),
    ("the controllers' sidecar bootstraps by localhost",
     lambda d: _drop_env(d, SIDECAR, "KAFKA_AGENT_BOOTSTRAP", "kafka-controller"),
     "kafka-controller: with a TLS controller listener, kafka-agent bootstraps"),
]


def self_test(docs, args):
    import copy
    base = Checker(quiet=True)
    check_all(copy.deepcopy(docs), args, base)
    ok = 0
    bad = []
    if base.failed:
        bad.append("unmodified manifest")
        print(f"FAIL - the unmodified manifest already fails: {base.failed}")
    dedicated = len(find(docs, "StatefulSet")) > 1
    tls = any(is_tls(literal(_ctr(docs, INIT), v) or "") for v in
              ("KAFKA_BROKER_SECURITY_PROTOCOL", "KAFKA_CONTROLLER_SECURITY_PROTOCOL"))
    if tls:
        mutations = TLS_MUTATIONS + (TLS_DEDICATED_MUTATIONS if dedicated else [])
    else:
        mutations = MUTATIONS + (DEDICATED_MUTATIONS if dedicated else [])
    for what, mutate, phrase in mutations:
        d = copy.deepcopy(docs)
        mutate(d)
        c = Checker(quiet=True)
        check_all(d, args, c)
        if any(phrase in f for f in c.failed):
            ok += 1
            print(f"ok - caught: {what}")
        else:
            bad.append(what)
            print(f"FAIL - not caught: {what} (failed checks: {c.failed})")
    print(f"{ok} passed, {len(bad)} failed")
    return 1 if bad else 0


def valid_cluster_id(s):
    if not re.fullmatch(r"[A-Za-z0-9_-]{22}", s or ""):
        return False
    try:
        return len(base64.urlsafe_b64decode(s + "==")) == 16
    except binascii.Error:
        return False


def finish(c):
    print(f"{c.passed} passed, {len(c.failed)} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())

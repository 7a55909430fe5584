#!/usr/bin/env python3
"""Prints what the kubelet would give one container of the Kafka StatefulSet.

Reads the output of `kustomize build` and resolves, for one pod of the
StatefulSet (--pod-name) and one of its containers, the environment (literal
values, Downward API fieldRefs, secretKeyRef / configMapKeyRef from the objects
in the same build), the args, and the effective uid / gid / fsGroup.

  pod_env.py BUILT.yaml CONTAINER --pod-name kafka-1 [--format env|args|json]

--format env   KEY=VALUE lines, in the manifest's order (default)
--format args  the container's args, one per line
--format json  {"env": {...}, "args": [...], "command": [...], "image": ...,
                "runAsUser": N, "runAsGroup": N, "fsGroup": N,
                "restartPolicy": ..., "probes": {"readiness": {"port", "service"}, ...},
                "volumeMounts": {path: {"volume", "readOnly"}}}
Exit 2 on bad input (no such container, an env source it cannot resolve).
"""

import argparse
import base64
import json
import sys

import yaml


def die(msg):
    sys.stderr.write(f"pod_env: {msg}\n")
    sys.exit(2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("manifest")
    ap.add_argument("container")
    ap.add_argument("--pod-name", required=True)
    ap.add_argument("--format", choices=("env", "args", "json"), default="env")
    args = ap.parse_args()

    with (sys.stdin if args.manifest == "-" else open(args.manifest, encoding="utf-8")) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    # The pod's StatefulSet: <name>-<ordinal> (a build may hold several, e.g.
    # brokers and dedicated controllers).
    stss = [d for d in docs if d.get("kind") == "StatefulSet"
            and args.pod_name.rpartition("-")[0] == d["metadata"]["name"]]
    if len(stss) != 1:
        die(f"expected one StatefulSet for pod {args.pod_name!r}, found {len(stss)}")
    sts = stss[0]
    namespace = sts["metadata"].get("namespace", "default")
    pod = sts["spec"]["template"]["spec"]
    ctrs = {c["name"]: c for c in pod.get("initContainers", []) + pod.get("containers", [])}
    ctr = ctrs.get(args.container)
    if ctr is None:
        die(f"no container {args.container!r}; have {sorted(ctrs)}")

    def obj(kind, name):
        for d in docs:
            if d.get("kind") == kind and d["metadata"].get("name") == name:
                return d
        die(f"{kind} {name!r} is not in the build")

    fields = {
        "metadata.name": args.pod_name,
        "metadata.namespace": namespace,
        "spec.serviceAccountName": pod.get("serviceAccountName", "default"),
    }
    env = {}
    for e in ctr.get("env", []) or []:
        if "valueFrom" not in e:
            env[e["name"]] = str(e.get("value", ""))
            continue
        vf = e["valueFrom"]
        if "fieldRef" in vf:
            path = vf["fieldRef"]["fieldPath"]
            if path not in fields:
                die(f"{e['name']}: fieldRef {path} is not simulated")
            env[e["name"]] = fields[path]
        elif "secretKeyRef" in vf:
            ref = vf["secretKeyRef"]
            s = obj("Secret", ref["name"])
            if ref["key"] in (s.get("stringData") or {}):
                env[e["name"]] = s["stringData"][ref["key"]]
            else:
                env[e["name"]] = base64.b64decode(s["data"][ref["key"]]).decode()
        elif "configMapKeyRef" in vf:
            ref = vf["configMapKeyRef"]
            env[e["name"]] = obj("ConfigMap", ref["name"])["data"][ref["key"]]
        else:
            die(f"{e['name']}: unsupported valueFrom {sorted(vf)}")

    if args.format == "env":
        for k, v in env.items():
            if "\n" in v:
                die(f"{k}: a multi-line value cannot be printed as KEY=VALUE")
            print(f"{k}={v}")
        return 0
    if args.format == "args":
        for a in ctr.get("args", []) or []:
            print(a)
        return 0

    psc = pod.get("securityContext") or {}
    sc = ctr.get("securityContext") or {}

    def probe(p):
        if not p:
            return None
        g = p.get("grpc")
        return {"port": g["port"], "service": g.get("service", "")} if g else p

    vols = {v["name"]: v for v in pod.get("volumes", []) or []}
    for t in sts["spec"].get("volumeClaimTemplates", []) or []:
        vols.setdefault(t["metadata"]["name"], {"volumeClaimTemplate": t["spec"]})
    out = {
        "pod": args.pod_name,
        "namespace": namespace,
        "container": args.container,
        "image": ctr.get("image"),
        "command": ctr.get("command") or [],
        "args": ctr.get("args") or [],
        "env": env,
        "restartPolicy": ctr.get("restartPolicy"),
        "runAsUser": sc.get("runAsUser", psc.get("runAsUser")),
        "runAsGroup": sc.get("runAsGroup", psc.get("runAsGroup")),
        "fsGroup": psc.get("fsGroup"),
        "probes": {k: probe(ctr.get(f"{k}Probe")) for k in ("startup", "readiness", "liveness")},
        "ports": {p.get("name", str(p["containerPort"])): p["containerPort"]
                  for p in ctr.get("ports", []) or []},
        "volumeMounts": {m["mountPath"]: {"volume": m["name"],
                                          "readOnly": bool(m.get("readOnly")),
                                          "source": sorted(k for k in vols.get(m["name"], {})
                                                           if k != "name")}
                         for m in ctr.get("volumeMounts", []) or []},
    }
    json.dump(out, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())

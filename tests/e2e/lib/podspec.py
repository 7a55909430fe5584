#!/usr/bin/env python3
"""Turns the built manifests into what a kubelet needs to run one pod.

  podspec.py BUILT.yaml --pod-name kafka-2 --out DIR

Reads the output of `kustomize build manifests/base` (one StatefulSet, its
ConfigMaps and Secrets) and writes, for the pod named --pod-name:

  DIR/pod.env         shell assignments: STS_NAME NAMESPACE SUBDOMAIN REPLICAS
                      GRACE MIN_READY FS_GROUP POD_MANAGEMENT CONTAINERS
                      (name:kind in start order; kind init, sidecar or main)
  DIR/volumes         one line per volume: NAME KIND [MODE]; KIND is emptyDir,
                      configMap (files in DIR/configmaps/NAME/, MODE octal) or
                      pvc (from volumeClaimTemplates: data-<pod> persists)
  DIR/containers/C/   for each container C:
      image           the image reference
      command, args   one item a line (the entrypoint override and the args)
      env             KEY=VALUE items separated by NUL bytes (values may hold
                      newlines), Downward API and secretKeyRef / configMapKeyRef
                      resolved as the kubelet would (by tests/manifests/pod_env.py)
      user            "UID GID" (container securityContext, else the pod's)
      mounts          one line per volumeMount: PATH VOLUME ro|rw
      probes          one line per probe: KIND PORT SERVICE PERIOD FAILURES
                      TIMEOUT (gRPC probes only; SERVICE "-" for "")
      ro_root         "true" when readOnlyRootFilesystem is set

The environment itself is resolved by tests/manifests/pod_env.py, the same
code the manifest tests use, so both read the manifests the same way.
Exit 2 on anything it cannot simulate (a non-gRPC probe, a volume kind).
"""

import argparse
import base64
import json
import os
import shlex
import subprocess
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
POD_ENV = os.path.join(HERE, "..", "..", "manifests", "pod_env.py")


def die(msg):
    sys.stderr.write(f"podspec: {msg}\n")
    sys.exit(2)


def write(path, text, mode=0o644):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, mode)


def probe_line(kind, p):
    g = p.get("grpc")
    if g is None:
        die(f"{kind} probe {sorted(p)}: only gRPC probes are simulated")
    return " ".join(str(x) for x in (
        kind, g["port"], g.get("service") or "-", p.get("periodSeconds", 10),
        p.get("failureThreshold", 3), p.get("timeoutSeconds", 1)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("manifest")
    ap.add_argument("--pod-name", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    with open(args.manifest, encoding="utf-8") as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    # The pod's StatefulSet (a build may hold several, e.g. brokers and
    # dedicated controllers).
    stss = [d for d in docs if d.get("kind") == "StatefulSet"
            and args.pod_name.rpartition("-")[0] == d["metadata"]["name"]]
    if len(stss) != 1:
        die(f"expected one StatefulSet for pod {args.pod_name!r}, found {len(stss)}")
    sts = stss[0]
    spec = sts["spec"]
    pod = spec["template"]["spec"]
    name = sts["metadata"]["name"]
    if not args.pod_name.startswith(name + "-"):
        die(f"pod {args.pod_name!r} is not of the StatefulSet {name!r}")

    os.makedirs(os.path.join(args.out, "containers"), exist_ok=True)

    order = []
    for c in pod.get("initContainers", []) or []:
        order.append((c, "sidecar" if c.get("restartPolicy") == "Always" else "init"))
    for c in pod.get("containers", []) or []:
        order.append((c, "main"))

    psc = pod.get("securityContext") or {}
    pod_env = {
        "STS_NAME": name,
        "NAMESPACE": sts["metadata"].get("namespace", "default"),
        "SUBDOMAIN": spec.get("serviceName", ""),
        "REPLICAS": spec.get("replicas", 1),
        "GRACE": pod.get("terminationGracePeriodSeconds", 30),
        "MIN_READY": spec.get("minReadySeconds", 0),
        "FS_GROUP": psc.get("fsGroup", ""),
        "POD_MANAGEMENT": spec.get("podManagementPolicy", "OrderedReady"),
        "CONTAINERS": " ".join(f"{c['name']}:{k}" for c, k in order),
    }
    write(os.path.join(args.out, "pod.env"),
          "".join(f"{k}={shlex.quote(str(v))}\n" for k, v in pod_env.items()))

    # Volumes: the pod's own, then one PVC per volumeClaimTemplate.
    lines = []
    for v in pod.get("volumes", []) or []:
        if "emptyDir" in v:
            lines.append(f"{v['name']} emptyDir")
        elif "configMap" in v:
            ref = v["configMap"]
            cms = [d for d in docs if d.get("kind") == "ConfigMap"
                   and d["metadata"]["name"] == ref["name"]]
            if len(cms) != 1:
                die(f"volume {v['name']}: ConfigMap {ref['name']!r} is not in the build")
            cm = cms[0]
            d = os.path.join(args.out, "configmaps", v["name"])
            os.makedirs(d, exist_ok=True)
            mode = ref.get("defaultMode", 0o644)
            items = ref.get("items")
            data = dict(cm.get("data") or {})
            for k, b in (cm.get("binaryData") or {}).items():
                data[k] = base64.b64decode(b).decode("latin-1")
            for key, text in data.items():
                path = key
                if items:
                    match = [i for i in items if i["key"] == key]
                    if not match:
                        continue
                    path = match[0]["path"]
                write(os.path.join(d, path), text)
            lines.append(f"{v['name']} configMap {mode:o}")
        else:
            die(f"volume {v['name']}: kind {sorted(k for k in v if k != 'name')} is not simulated")
    for t in spec.get("volumeClaimTemplates", []) or []:
        lines.append(f"{t['metadata']['name']} pvc")
    write(os.path.join(args.out, "volumes"), "".join(l + "\n" for l in lines))

    for c, _kind in order:
        d = os.path.join(args.out, "containers", c["name"])
        os.makedirs(d, exist_ok=True)
        out = subprocess.run(
            [sys.executable, POD_ENV, args.manifest, c["name"],
             "--pod-name", args.pod_name, "--format", "json"],
            check=False, capture_output=True, text=True)
        if out.returncode != 0:
            die(f"pod_env.py {c['name']}: {out.stderr.strip()}")
        info = json.loads(out.stdout)
        write(os.path.join(d, "image"), (info["image"] or "") + "\n")
        write(os.path.join(d, "command"), "".join(a + "\n" for a in info["command"]))
        write(os.path.join(d, "args"), "".join(a + "\n" for a in info["args"]))
        write(os.path.join(d, "env"),
              "".join(f"{k}={v}\0" for k, v in info["env"].items()), 0o600)
        uid = info["runAsUser"] if info["runAsUser"] is not None else 0
        gid = info["runAsGroup"] if info["runAsGroup"] is not None else uid
        write(os.path.join(d, "user"), f"{uid} {gid}\n")
        write(os.path.join(d, "mounts"), "".join(
            f"{p} {m['volume']} {'ro' if m['readOnly'] else 'rw'}\n"
            for p, m in info["volumeMounts"].items()))
        probes = [probe_line(k, c[f"{k}Probe"]) for k in ("startup", "readiness", "liveness")
                  if c.get(f"{k}Probe")]
        write(os.path.join(d, "probes"), "".join(p + "\n" for p in probes))
        sc = c.get("securityContext") or {}
        write(os.path.join(d, "ro_root"),
              ("true" if sc.get("readOnlyRootFilesystem") else "false") + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

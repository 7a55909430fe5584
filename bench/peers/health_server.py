"""The peer of `kafka-agent serve` for the readiness-probe benchmark.

A grpc.health.v1.Health server in Python with grpcio (Debian's python3-grpcio),
shaped like grpcio-health-checking's grpc_health.v1.health.HealthServicer (not
packaged in Debian): a dict of service -> status behind a lock; Check answers
from it (NOT_FOUND for an unknown service); Watch sends the current status and
then every change. Statuses are the ones the agent reports without Kafka:
"" SERVING, kafka.broker and kafka.ready NOT_SERVING, so both servers send the
same bytes back.

The messages come from proto/grpc/health/v1/health.proto, compiled by run.sh
with protoc and grpc_python_plugin (Debian's protobuf-compiler and
protobuf-compiler-grpc) into a directory on PYTHONPATH.

Usage: python3 health_server.py HOST:PORT [WORKERS]
"""

import signal
import sys
import threading
from concurrent import futures

import grpc

import health_pb2  # generated
import health_pb2_grpc  # generated

Status = health_pb2.HealthCheckResponse


class HealthServicer(health_pb2_grpc.HealthServicer):
    def __init__(self):
        self._lock = threading.Lock()
        self._status = {}
        self._changed = threading.Condition(self._lock)

    def set(self, service, status):
        with self._lock:
            self._status[service] = status
            self._changed.notify_all()

    def Check(self, request, context):
        with self._lock:
            status = self._status.get(request.service)
        if status is None:
            context.set_code(grpc.StatusCode.NOT_FOUND)
            return Status()
        return Status(status=status)

    def Watch(self, request, context):
        last = None
        while context.is_active():
            with self._lock:
                status = self._status.get(request.service, Status.SERVICE_UNKNOWN)
                if status == last:
                    self._changed.wait(timeout=1.0)
                    continue
            last = status
            yield Status(status=status)


def main():
    listen = sys.argv[1]
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    servicer = HealthServicer()
    servicer.set("", Status.SERVING)
    servicer.set("kafka.broker", Status.NOT_SERVING)
    servicer.set("kafka.ready", Status.NOT_SERVING)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers))
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    if server.add_insecure_port(listen) == 0:
        sys.exit(f"health_server.py: cannot listen on {listen}")
    server.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    server.stop(grace=1).wait()


if __name__ == "__main__":
    main()

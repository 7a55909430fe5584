// The second peer of `kafka-agent serve` for the readiness-probe benchmark:
// grpc-go's own health server (google.golang.org/grpc/health), the one most Go
// sidecars and operators register. Same statuses as the agent without Kafka:
// "" SERVING, kafka.broker and kafka.ready NOT_SERVING.
//
// Usage: go-health HOST:PORT
package main

import (
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: go-health HOST:PORT")
	}
	lis, err := net.Listen("tcp", os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	hs := health.NewServer()
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	hs.SetServingStatus("kafka.broker", healthpb.HealthCheckResponse_NOT_SERVING)
	hs.SetServingStatus("kafka.ready", healthpb.HealthCheckResponse_NOT_SERVING)
	s := grpc.NewServer()
	healthpb.RegisterHealthServer(s, hs)
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
		<-sig
		hs.Shutdown()
		s.GracefulStop()
	}()
	if err := s.Serve(lis); err != nil {
		log.Fatal(err)
	}
}

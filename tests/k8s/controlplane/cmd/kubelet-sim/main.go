// kubelet-sim is the e2e tests' stand-in for the kubelet of one Node: a real
// API client of the control plane that runs the pods bound to its Node as
// processes in network namespaces (tests/lib/pods.sh) with a private mount
// namespace per container (tests/e2e/lib/container.sh), because no container
// runtime works on these machines.
//
// What it does as the kubelet does: registers its Node (Ready, capacity) and
// renews the Node's Lease; watches the pods bound to it; per pod creates the
// sandbox (network namespace, address, host name, resolv.conf and hosts),
// prepares the volumes (emptyDir, configMap, secret, persistentVolumeClaim of
// a hostPath PersistentVolume), runs init containers in order, native
// sidecars (restartPolicy Always init containers) before and after the main
// containers, restarts exited containers with back-off, runs startup,
// readiness and liveness probes with the kubelet's own probers
// (k8s.io/kubernetes/pkg/probe: gRPC, HTTP, TCP; exec through nsenter) as the
// pod spec declares them, writes the pod's status (phase, IPs, conditions and
// every container's state), records events, and on deletion runs the preStop
// hooks, stops the containers within the grace period (sidecars last, in
// reverse order), and deletes the pod with grace period 0 and a UID
// precondition. tests/e2e/README.md lists where it differs from a kubelet.
//
// It runs as root inside the node's network namespace (where the pods'
// bridge is), next to the API server.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2"
)

// config is what the command line says.
type config struct {
	kubeconfig   string
	nodeName     string
	nodeIP       string
	podCIDR      string
	nodeLabels   string
	capacity     string
	rootDir      string
	podsSh       string
	containerSh  string
	imagesFile   string
	runID        string
	leasePeriod  time.Duration
	statusPeriod time.Duration
}

// Kubelet is one Node's kubelet: its pods and what they share.
type Kubelet struct {
	cfg       config
	client    kubernetes.Interface
	recorder  record.EventRecorder
	images    *imageConfig
	ips       *ipAllocator
	self      string // this executable, for container-exec
	startTime metav1.Time

	mu      sync.Mutex
	workers map[types.UID]*podWorker
	wg      sync.WaitGroup
}

func main() {
	// Re-executed as a container's last step (see exec.go).
	if len(os.Args) > 1 && os.Args[1] == "container-exec" {
		os.Exit(containerExec(os.Args[2:]))
	}
	var cfg config
	fs := flag.NewFlagSet("kubelet-sim", flag.ExitOnError)
	fs.StringVar(&cfg.kubeconfig, "kubeconfig", "", "the Node's kubeconfig (credentials system:node:<name>)")
	fs.StringVar(&cfg.nodeName, "node-name", "", "the Node to register")
	fs.StringVar(&cfg.nodeIP, "node-ip", "", "the Node's InternalIP (the pods' gateway)")
	fs.StringVar(&cfg.podCIDR, "pod-cidr", "", "the addresses this Node gives its pods, a CIDR inside the pods' subnet (e.g. 10.244.7.64/26)")
	fs.StringVar(&cfg.nodeLabels, "node-labels", "", "extra Node labels, k=v,k=v")
	fs.StringVar(&cfg.capacity, "capacity", "cpu=4,memory=8Gi,pods=110,ephemeral-storage=50Gi", "the Node's capacity (= allocatable)")
	fs.StringVar(&cfg.rootDir, "root-dir", "", "where pods' volumes, logs and scratch space live")
	fs.StringVar(&cfg.podsSh, "pods-sh", "", "tests/lib/pods.sh (sandboxes)")
	fs.StringVar(&cfg.containerSh, "container-sh", "", "tests/e2e/lib/container.sh (one container)")
	fs.StringVar(&cfg.imagesFile, "images", "", "the image table (JSON; see images.go)")
	fs.StringVar(&cfg.runID, "run-id", os.Getenv("PODS_RUN_ID"), "the pods.sh run the sandboxes belong to")
	fs.DurationVar(&cfg.leasePeriod, "lease-period", 10*time.Second, "how often the Node's Lease is renewed")
	fs.DurationVar(&cfg.statusPeriod, "node-status-period", time.Minute, "how often the Node's status is reported when nothing changed")
	klog.InitFlags(nil)
	_ = fs.Parse(os.Args[1:])
	if err := cfg.validate(); err != nil {
		fmt.Fprintf(os.Stderr, "kubelet-sim: %v\n", err)
		os.Exit(2)
	}
	if err := run(cfg); err != nil {
		klog.ErrorS(err, "kubelet-sim failed")
		os.Exit(1)
	}
}

func (c *config) validate() error {
	for name, v := range map[string]string{
		"--kubeconfig": c.kubeconfig, "--node-name": c.nodeName, "--node-ip": c.nodeIP,
		"--pod-cidr": c.podCIDR, "--root-dir": c.rootDir, "--pods-sh": c.podsSh,
		"--container-sh": c.containerSh, "--images": c.imagesFile, "--run-id": c.runID,
	} {
		if v == "" {
			return fmt.Errorf("%s is required", name)
		}
	}
	if _, err := netip.ParseAddr(c.nodeIP); err != nil {
		return fmt.Errorf("bad --node-ip %q: %v", c.nodeIP, err)
	}
	if _, err := netip.ParsePrefix(c.podCIDR); err != nil {
		return fmt.Errorf("bad --pod-cidr %q: %v (want e.g. 10.244.7.64/26)", c.podCIDR, err)
	}
	for _, p := range []string{c.podsSh, c.containerSh, c.imagesFile} {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("%v", err)
		}
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("must run as root (network namespaces, mounts)")
	}
	return nil
}

func run(cfg config) error {
	restCfg, err := clientcmd.BuildConfigFromFlags("", cfg.kubeconfig)
	if err != nil {
		return fmt.Errorf("kubeconfig %s: %w", cfg.kubeconfig, err)
	}
	restCfg.UserAgent = "kubelet-sim/" + cfg.nodeName
	restCfg.QPS, restCfg.Burst = 50, 100
	client, err := kubernetes.NewForConfig(restCfg)
	if err != nil {
		return err
	}
	images, err := loadImages(cfg.imagesFile)
	if err != nil {
		return err
	}
	ips, err := newIPAllocator(cfg.podCIDR)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(cfg.rootDir, "pods"), 0o755); err != nil {
		return err
	}
	broadcaster := record.NewBroadcaster()
	broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
	defer broadcaster.Shutdown()
	k := &Kubelet{
		cfg: cfg, client: client, images: images, ips: ips, self: self,
		recorder: broadcaster.NewRecorder(scheme.Scheme, v1.EventSource{Component: "kubelet", Host: cfg.nodeName}),
		workers:  map[types.UID]*podWorker{}, startTime: metav1.Now(),
	}

	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()

	t0 := time.Now()
	if err := k.registerNode(ctx); err != nil {
		return err
	}
	klog.InfoS("node registered", "node", cfg.nodeName, "took", time.Since(t0).Round(time.Millisecond))
	go k.heartbeat(ctx)

	factory := informers.NewSharedInformerFactoryWithOptions(client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = "spec.nodeName=" + cfg.nodeName
		}))
	podInformer := factory.Core().V1().Pods().Informer()
	_, _ = podInformer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { k.podChanged(obj.(*v1.Pod)) },
		UpdateFunc: func(_, obj any) { k.podChanged(obj.(*v1.Pod)) },
		DeleteFunc: func(obj any) {
			if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			if p, ok := obj.(*v1.Pod); ok {
				k.podRemoved(p)
			}
		},
	})
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), podInformer.HasSynced) {
		return fmt.Errorf("pod informer did not sync")
	}
	klog.InfoS("watching pods", "node", cfg.nodeName)
	<-ctx.Done()
	// Stopped (SIGTERM): like a kubelet that goes away, the containers keep
	// running; whoever stops the node (pods.sh cleanup) ends them.
	klog.InfoS("kubelet-sim stopping; containers are left to the node's cleanup", "pods", len(k.workers))
	return nil
}

// podChanged: a pod bound to this Node was added or changed.
func (k *Kubelet) podChanged(pod *v1.Pod) {
	k.mu.Lock()
	w, ok := k.workers[pod.UID]
	if !ok {
		if isTerminal(pod) {
			k.mu.Unlock()
			return
		}
		w = newPodWorker(k, pod)
		k.workers[pod.UID] = w
		k.wg.Add(1)
		go func() {
			defer k.wg.Done()
			w.run()
			k.mu.Lock()
			delete(k.workers, pod.UID)
			k.mu.Unlock()
		}()
	}
	k.mu.Unlock()
	w.update(pod)
}

// podRemoved: the pod is gone from the API (our own final delete, or a
// force delete): whatever still runs is killed now.
func (k *Kubelet) podRemoved(pod *v1.Pod) {
	k.mu.Lock()
	w := k.workers[pod.UID]
	k.mu.Unlock()
	if w != nil {
		w.removed()
	}
}

func isTerminal(p *v1.Pod) bool {
	return p.Status.Phase == v1.PodSucceeded || p.Status.Phase == v1.PodFailed
}

func parseKV(s string) (map[string]string, error) {
	m := map[string]string{}
	if s == "" {
		return m, nil
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("bad item %q: want key=value", kv)
		}
		m[k] = v
	}
	return m, nil
}

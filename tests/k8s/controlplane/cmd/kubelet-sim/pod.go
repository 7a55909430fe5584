package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"
)

type containerKind int

const (
	kindInit    containerKind = iota // runs to completion, in order
	kindSidecar                      // init container with restartPolicy Always
	kindMain
)

func (k containerKind) String() string {
	return [...]string{"init container", "sidecar", "container"}[k]
}

const (
	backoffInitial = 10 * time.Second
	backoffMax     = 300 * time.Second
	// The kubelet's minimum grace period for a kill (a preStop hook that used
	// up the pod's grace period still gets this much after SIGTERM).
	minGrace = 2 * time.Second
)

// ctr is one container of the pod and the state the kubelet reports for it.
// Fields after spec are guarded by the pod worker's mu.
type ctr struct {
	spec v1.Container
	kind containerKind

	state       v1.ContainerState
	lastState   v1.ContainerState
	restarts    int32
	started     bool // startup probe passed (or none) while running
	ready       bool
	containerID string
	pid         int
	exited      chan struct{} // closed when the current process ended
	everRan     bool
	incarnation int
}

func (c *ctr) running() bool { return c.state.Running != nil }

// podWorker runs one pod from its binding to its deletion.
type podWorker struct {
	k        *Kubelet
	uid      types.UID
	ns, name string
	dir      string

	mu       sync.Mutex
	pod      *v1.Pod // the latest the informer saw
	ctrs     []*ctr  // init containers (in order), then main containers
	podIP    netip.Addr
	hostname string
	netns    string
	vols     map[string]string // volume name -> host directory
	conds    map[v1.PodConditionType]v1.PodCondition
	start    metav1.Time
	phase    v1.PodPhase
	terminal bool

	deleting   chan struct{} // closed when the pod has a deletionTimestamp
	gone       chan struct{} // closed when the pod left the API
	deleteOnce sync.Once
	goneOnce   sync.Once
	statusCh   chan struct{}
	statusDone chan struct{}
}

func newPodWorker(k *Kubelet, pod *v1.Pod) *podWorker {
	w := &podWorker{
		k: k, uid: pod.UID, ns: pod.Namespace, name: pod.Name, pod: pod,
		dir:      filepath.Join(k.cfg.rootDir, "pods", fmt.Sprintf("%s_%s_%s", pod.Namespace, pod.Name, pod.UID)),
		vols:     map[string]string{},
		conds:    map[v1.PodConditionType]v1.PodCondition{},
		start:    metav1.Now(),
		phase:    v1.PodPending,
		deleting: make(chan struct{}), gone: make(chan struct{}),
		statusCh: make(chan struct{}, 1), statusDone: make(chan struct{}),
	}
	for _, c := range pod.Spec.InitContainers {
		kind := kindInit
		if c.RestartPolicy != nil && *c.RestartPolicy == v1.ContainerRestartPolicyAlways {
			kind = kindSidecar
		}
		w.ctrs = append(w.ctrs, &ctr{spec: c, kind: kind})
	}
	for _, c := range pod.Spec.Containers {
		w.ctrs = append(w.ctrs, &ctr{spec: c, kind: kindMain})
	}
	for _, c := range w.ctrs {
		c.state = v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: "PodInitializing"}}
	}
	return w
}

func (w *podWorker) key() string { return w.ns + "/" + w.name }

func (w *podWorker) update(pod *v1.Pod) {
	w.mu.Lock()
	w.pod = pod
	w.mu.Unlock()
	if pod.DeletionTimestamp != nil {
		w.deleteOnce.Do(func() { close(w.deleting) })
	}
}

func (w *podWorker) removed() {
	w.deleteOnce.Do(func() { close(w.deleting) })
	w.goneOnce.Do(func() { close(w.gone) })
}

func (w *podWorker) latest() *v1.Pod {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.pod
}

func (w *podWorker) isDeleting() bool {
	select {
	case <-w.deleting:
		return true
	default:
		return false
	}
}

// event records an event on the pod (what `kubectl describe pod` shows) and
// logs it.
func (w *podWorker) event(typ, reason, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	w.k.recorder.Event(w.latest(), typ, reason, msg)
	klog.InfoS(msg, "pod", w.key(), "reason", reason)
}

// logf logs one step of the pod's life (kubelet-sim's own log only).
func (w *podWorker) logf(format string, args ...any) {
	klog.InfoS(fmt.Sprintf(format, args...), "pod", w.key())
}

// run is the pod's life on this node.
func (w *podWorker) run() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go w.statusLoop(ctx)
	defer func() { cancel(); <-w.statusDone }()

	// supervise: the restart loops of sidecars and main containers; cancelled
	// before anything is stopped on purpose.
	superCtx, stopSupervising := context.WithCancel(ctx)
	var supervisors sync.WaitGroup
	defer stopSupervising()

	if err := w.startSandbox(ctx); err != nil {
		w.event(v1.EventTypeWarning, "FailedCreatePodSandBox", "Failed to create pod sandbox: %v", err)
		// The kubelet keeps retrying; so do we, until the pod is deleted.
		for err != nil && !w.waitOrDeleted(backoffInitial) {
			err = w.startSandbox(ctx)
		}
		if err != nil {
			w.finish(ctx)
			return
		}
	}
	w.dirty()
	if err := w.setupVolumes(ctx); err != nil {
		w.finish(ctx)
		return
	}

	// Init containers, in order. A sidecar starts, and the next one follows
	// once its startup probe passed (started).
	initialized := true
	for _, c := range w.ctrs {
		if c.kind == kindMain {
			continue
		}
		if w.isDeleting() {
			initialized = false
			break
		}
		if c.kind == kindInit {
			if !w.runInitContainer(ctx, c) {
				initialized = false
				break
			}
			continue
		}
		supervisors.Add(1)
		go func() { defer supervisors.Done(); w.supervise(superCtx, c) }()
		if !w.waitStarted(c) {
			initialized = false
			break
		}
	}
	if initialized {
		w.mu.Lock()
		w.phase = v1.PodRunning
		w.mu.Unlock()
		w.dirty()
		for _, c := range w.ctrs {
			if c.kind == kindMain {
				supervisors.Add(1)
				go func() { defer supervisors.Done(); w.supervise(superCtx, c) }()
			}
		}
	}

	<-w.deleting
	stopSupervising()
	w.terminate()
	supervisors.Wait()
	w.finish(ctx)
}

// waitOrDeleted sleeps d; true when the pod is being deleted meanwhile.
func (w *podWorker) waitOrDeleted(d time.Duration) bool {
	select {
	case <-w.deleting:
		return true
	case <-time.After(d):
		return false
	}
}

// waitStarted waits until the sidecar is started (its startup probe passed);
// false when the pod is deleted first.
func (w *podWorker) waitStarted(c *ctr) bool {
	for {
		w.mu.Lock()
		ok := c.started && c.running()
		w.mu.Unlock()
		if ok {
			return true
		}
		if w.waitOrDeleted(20 * time.Millisecond) {
			return false
		}
	}
}

func (w *podWorker) startSandbox(ctx context.Context) error {
	pod := w.latest()
	t0 := time.Now()
	ip, err := w.k.ips.allocate()
	if err != nil {
		return err
	}
	hostname := pod.Spec.Hostname
	if hostname == "" {
		hostname = pod.Name
	}
	args := []string{w.k.cfg.podsSh, "create", hostname, ip.String(), "--namespace", pod.Namespace}
	if pod.Spec.Subdomain != "" && pod.Spec.Hostname != "" {
		args = append(args, "--subdomain", pod.Spec.Subdomain)
	}
	if out, err := w.podsSh(ctx, args...); err != nil {
		w.k.ips.release(ip)
		return fmt.Errorf("pods.sh create %s: %v: %s", hostname, err, out)
	}
	netns, err := w.podsSh(ctx, w.k.cfg.podsSh, "netns", hostname)
	if err != nil {
		return fmt.Errorf("pods.sh netns %s: %v", hostname, err)
	}
	if err := os.MkdirAll(filepath.Join(w.dir, "logs"), 0o755); err != nil {
		return err
	}
	w.mu.Lock()
	w.podIP, w.hostname, w.netns = ip, hostname, strings.TrimSpace(netns)
	w.setCond(v1.PodReadyToStartContainers, v1.ConditionTrue, "", "")
	w.mu.Unlock()
	w.logf("sandbox %s: address %s, host name %s (%s)", w.netns, ip, hostname, time.Since(t0).Round(time.Millisecond))
	return nil
}

func (w *podWorker) podsSh(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "bash", args...)
	cmd.Env = append(os.Environ(), "PODS_RUN_ID="+w.k.cfg.runID)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// runInitContainer runs a regular init container to completion, restarting
// it with back-off while it fails (restartPolicy Always/OnFailure). True when
// it exited 0.
func (w *podWorker) runInitContainer(ctx context.Context, c *ctr) bool {
	backoff := backoffInitial
	for {
		if err := w.startContainer(ctx, c); err != nil {
			if w.waitOrDeleted(backoff) {
				return false
			}
			backoff = min(2*backoff, backoffMax)
			continue
		}
		select {
		case <-c.exited:
		case <-w.deleting:
			return false // terminate() stops it
		}
		w.mu.Lock()
		code := c.state.Terminated.ExitCode
		w.mu.Unlock()
		if code == 0 {
			return true
		}
		if w.latest().Spec.RestartPolicy == v1.RestartPolicyNever {
			w.mu.Lock()
			w.phase, w.terminal = v1.PodFailed, true
			w.mu.Unlock()
			w.dirty()
			return false
		}
		w.backOff(c, backoff)
		if w.waitOrDeleted(backoff) {
			return false
		}
		backoff = min(2*backoff, backoffMax)
	}
}

// supervise keeps a sidecar or main container running: start, probe, and
// restart with back-off after it exits, until ctx ends (the pod is stopping).
func (w *podWorker) supervise(ctx context.Context, c *ctr) {
	backoff := backoffInitial
	for ctx.Err() == nil {
		if err := w.startContainer(ctx, c); err != nil {
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, backoffMax)
			continue
		}
		started := time.Now()
		pctx, stopProbes := context.WithCancel(ctx)
		w.startProbes(pctx, c)
		select {
		case <-c.exited:
		case <-ctx.Done():
		}
		stopProbes()
		if ctx.Err() != nil {
			return
		}
		w.mu.Lock()
		code := c.state.Terminated.ExitCode
		w.mu.Unlock()
		policy := w.latest().Spec.RestartPolicy
		if c.kind == kindMain && (policy == v1.RestartPolicyNever || policy == v1.RestartPolicyOnFailure && code == 0) {
			return
		}
		if time.Since(started) > 10*time.Minute {
			backoff = backoffInitial
		}
		w.backOff(c, backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, backoffMax)
	}
}

func (w *podWorker) backOff(c *ctr, d time.Duration) {
	w.mu.Lock()
	c.lastState = c.state
	c.state = v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: "CrashLoopBackOff",
		Message: fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)", d, c.spec.Name, w.name, w.ns, w.uid)}}
	w.mu.Unlock()
	w.dirty()
	w.event(v1.EventTypeWarning, "BackOff", "Back-off restarting failed container %s in pod %s_%s(%s)", c.spec.Name, w.name, w.ns, w.uid)
}

// terminate stops the pod's containers as the kubelet does on deletion:
// preStop hooks and SIGTERM to the main containers (and to an init container
// still running), SIGKILL at the end of the grace period; then the sidecars,
// in reverse order, each with what is left of the grace period (at least
// minGrace).
func (w *podWorker) terminate() {
	pod := w.latest()
	grace := 30 * time.Second
	if pod.DeletionGracePeriodSeconds != nil {
		grace = time.Duration(*pod.DeletionGracePeriodSeconds) * time.Second
	} else if pod.Spec.TerminationGracePeriodSeconds != nil {
		grace = time.Duration(*pod.Spec.TerminationGracePeriodSeconds) * time.Second
	}
	select {
	case <-w.gone:
		grace = 0
	default:
	}
	t0 := time.Now()
	deadline := t0.Add(grace)
	w.logf("terminating: grace period %s", grace)
	var wg sync.WaitGroup
	for _, c := range w.ctrs {
		if c.kind == kindSidecar {
			continue
		}
		wg.Add(1)
		go func() { defer wg.Done(); w.killContainer(c, deadline, "") }()
	}
	wg.Wait()
	for i := len(w.ctrs) - 1; i >= 0; i-- {
		if c := w.ctrs[i]; c.kind == kindSidecar {
			w.killContainer(c, later(deadline, time.Now().Add(minGrace)), "")
		}
	}
	w.logf("every container stopped %s after the deletion was seen", time.Since(t0).Round(time.Millisecond))
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// finish: terminal status, sandbox and volumes removed, the pod deleted.
func (w *podWorker) finish(ctx context.Context) {
	w.mu.Lock()
	if !w.terminal {
		w.phase = v1.PodSucceeded
		for _, c := range w.ctrs {
			if c.kind == kindMain && (c.state.Terminated == nil || c.state.Terminated.ExitCode != 0) {
				w.phase = v1.PodFailed
			}
		}
		w.terminal = true
	}
	for _, c := range w.ctrs {
		c.ready, c.started = false, false
	}
	ip, netns, hostname := w.podIP, w.netns, w.hostname
	w.mu.Unlock()
	w.syncStatus(ctx)
	if netns != "" {
		if out, err := w.podsSh(ctx, w.k.cfg.podsSh, "delete", hostname, "--grace", "2"); err != nil {
			klog.ErrorS(err, "removing the sandbox failed", "pod", w.key(), "output", out)
		}
		w.k.ips.release(ip)
	}
	w.teardownVolumes()
	select {
	case <-w.gone:
		w.logf("gone from the API")
		return
	default:
	}
	if w.isDeleting() {
		err := w.k.client.CoreV1().Pods(w.ns).Delete(ctx, w.name, metav1.DeleteOptions{
			GracePeriodSeconds: ptr.To[int64](0), Preconditions: &metav1.Preconditions{UID: &w.uid}})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			klog.ErrorS(err, "deleting the pod failed", "pod", w.key())
			return
		}
		w.logf("deleted from the API (grace period 0, uid precondition %s)", w.uid)
	}
}

// ---------------------------------------------------------------- status

func (w *podWorker) dirty() {
	select {
	case w.statusCh <- struct{}{}:
	default:
	}
}

func (w *podWorker) statusLoop(ctx context.Context) {
	defer close(w.statusDone)
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.statusCh:
		}
		// Coalesce a burst of changes into one write.
		select {
		case <-ctx.Done():
			return
		case <-time.After(10 * time.Millisecond):
		}
		w.syncStatus(ctx)
	}
}

// setCond sets a condition, keeping its transition time unless the status
// changes. Caller holds mu.
func (w *podWorker) setCond(t v1.PodConditionType, s v1.ConditionStatus, reason, msg string) {
	old, ok := w.conds[t]
	c := v1.PodCondition{Type: t, Status: s, Reason: reason, Message: msg,
		LastTransitionTime: metav1.Now(), ObservedGeneration: w.pod.Generation}
	if ok && old.Status == s {
		c.LastTransitionTime = old.LastTransitionTime
	}
	w.conds[t] = c
}

// buildStatus computes the whole pod status from the worker's state.
// Caller holds mu.
func (w *podWorker) buildStatus() v1.PodStatus {
	pod := w.pod
	var initStatuses, statuses []v1.ContainerStatus
	var notInit, notReady []string
	initDone := true
	for _, c := range w.ctrs {
		st := v1.ContainerStatus{
			Name: c.spec.Name, Image: c.spec.Image, ImageID: "kubelet-sim://" + c.spec.Image,
			ContainerID: c.containerID, State: c.state, LastTerminationState: c.lastState,
			Ready: c.ready, RestartCount: c.restarts, Started: ptr.To(c.started && c.running()),
		}
		switch c.kind {
		case kindInit:
			st.Started = ptr.To(c.running())
			st.Ready = c.state.Terminated != nil && c.state.Terminated.ExitCode == 0
			if !st.Ready {
				initDone = false
				notInit = append(notInit, c.spec.Name)
			}
			initStatuses = append(initStatuses, st)
		case kindSidecar:
			if !(c.started && c.running()) && w.phase == v1.PodPending {
				initDone = false
				notInit = append(notInit, c.spec.Name)
			}
			if !c.ready {
				notReady = append(notReady, c.spec.Name)
			}
			initStatuses = append(initStatuses, st)
		case kindMain:
			if !c.ready {
				notReady = append(notReady, c.spec.Name)
			}
			statuses = append(statuses, st)
		}
	}
	if w.phase != v1.PodPending {
		initDone, notInit = true, nil
	}
	if initDone {
		w.setCond(v1.PodInitialized, v1.ConditionTrue, "", "")
	} else {
		w.setCond(v1.PodInitialized, v1.ConditionFalse, "ContainersNotInitialized",
			fmt.Sprintf("containers with incomplete status: [%s]", strings.Join(notInit, " ")))
	}
	if len(notReady) == 0 && !w.terminal {
		w.setCond(v1.ContainersReady, v1.ConditionTrue, "", "")
	} else {
		reason := "ContainersNotReady"
		if w.terminal {
			reason = "PodCompleted"
		}
		w.setCond(v1.ContainersReady, v1.ConditionFalse, reason,
			fmt.Sprintf("containers with unready status: [%s]", strings.Join(notReady, " ")))
	}
	ready, readyReason, readyMsg := len(notReady) == 0 && !w.terminal, "ContainersNotReady", ""
	if !ready {
		readyMsg = w.conds[v1.ContainersReady].Message
		if w.terminal {
			readyReason = "PodCompleted"
		}
	}
	for _, g := range pod.Spec.ReadinessGates {
		found := false
		for _, pc := range pod.Status.Conditions {
			if pc.Type == g.ConditionType && pc.Status == v1.ConditionTrue {
				found = true
			}
		}
		if !found && ready {
			ready, readyReason = false, "ReadinessGatesNotReady"
			readyMsg = fmt.Sprintf("corresponding condition of pod readiness gate %q does not exist or is not true", g.ConditionType)
		}
	}
	if ready {
		w.setCond(v1.PodReady, v1.ConditionTrue, "", "")
	} else {
		w.setCond(v1.PodReady, v1.ConditionFalse, readyReason, readyMsg)
	}
	if w.terminal {
		w.setCond(v1.PodReadyToStartContainers, v1.ConditionFalse, "", "")
	}

	// Conditions owned by others (PodScheduled, DisruptionTarget, gates) stay.
	var conds []v1.PodCondition
	for _, pc := range pod.Status.Conditions {
		if _, ours := w.conds[pc.Type]; !ours {
			conds = append(conds, pc)
		}
	}
	for _, t := range []v1.PodConditionType{v1.PodReadyToStartContainers, v1.PodInitialized, v1.PodReady, v1.ContainersReady} {
		if c, ok := w.conds[t]; ok {
			conds = append(conds, c)
		}
	}
	st := v1.PodStatus{
		Phase: w.phase, Conditions: conds, StartTime: &w.start,
		HostIP: w.k.cfg.nodeIP, HostIPs: []v1.HostIP{{IP: w.k.cfg.nodeIP}},
		InitContainerStatuses: initStatuses, ContainerStatuses: statuses,
		QOSClass: pod.Status.QOSClass, ObservedGeneration: pod.Generation,
	}
	if w.podIP.IsValid() {
		st.PodIP = w.podIP.String()
		st.PodIPs = []v1.PodIP{{IP: st.PodIP}}
	}
	return st
}

// syncStatus writes the status with a merge patch that names the pod's UID
// (so it never lands on a successor of the same name); lists are replaced
// whole.
func (w *podWorker) syncStatus(ctx context.Context) {
	w.mu.Lock()
	st := w.buildStatus()
	w.mu.Unlock()
	patch := map[string]any{"metadata": map[string]any{"uid": w.uid}, "status": st}
	body, err := json.Marshal(patch)
	if err != nil {
		klog.ErrorS(err, "status", "pod", w.key())
		return
	}
	for attempt := 0; attempt < 5; attempt++ {
		_, err = w.k.client.CoreV1().Pods(w.ns).Patch(ctx, w.name, types.MergePatchType, body, metav1.PatchOptions{}, "status")
		if err == nil || apierrors.IsNotFound(err) || apierrors.IsConflict(err) || ctx.Err() != nil {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	klog.ErrorS(err, "writing the pod status failed", "pod", w.key())
}

// containerByName finds a container of the pod.
func (w *podWorker) containerByName(name string) *ctr {
	i := slices.IndexFunc(w.ctrs, func(c *ctr) bool { return c.spec.Name == name })
	if i < 0 {
		return nil
	}
	return w.ctrs[i]
}

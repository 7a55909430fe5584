package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/kubernetes/pkg/probe"
	grpcprobe "k8s.io/kubernetes/pkg/probe/grpc"
	httpprobe "k8s.io/kubernetes/pkg/probe/http"
	tcpprobe "k8s.io/kubernetes/pkg/probe/tcp"
)

type probeType string

const (
	startupProbe   probeType = "Startup"
	readinessProbe probeType = "Readiness"
	livenessProbe  probeType = "Liveness"
)

// The kubelet's own probers.
var (
	grpcProber = grpcprobe.New()
	httpProber = httpprobe.New(false)
	tcpProber  = tcpprobe.New()
)

// startProbes starts a worker per probe the container declares, for this
// incarnation (ctx ends when it exits or the pod stops).
func (w *podWorker) startProbes(ctx context.Context, c *ctr) {
	if c.spec.StartupProbe != nil {
		go w.probeWorker(ctx, c, startupProbe, c.spec.StartupProbe)
	}
	if c.spec.ReadinessProbe != nil {
		go w.probeWorker(ctx, c, readinessProbe, c.spec.ReadinessProbe)
	}
	if c.spec.LivenessProbe != nil {
		go w.probeWorker(ctx, c, livenessProbe, c.spec.LivenessProbe)
	}
}

// probeWorker follows pkg/kubelet/prober/worker.go: a probe every
// periodSeconds (the first at once), none before initialDelaySeconds after
// the container started; readiness and liveness only once the startup probe
// passed, the startup probe only until then; a result counts once
// successThreshold / failureThreshold consecutive probes agree. A failed
// liveness or startup probe kills the container (it is restarted); readiness
// sets the container's ready flag. Liveness and startup probes stop when the
// pod is being deleted; readiness goes on until the container exits.
func (w *podWorker) probeWorker(ctx context.Context, c *ctr, typ probeType, p *v1.Probe) {
	period := time.Duration(max(p.PeriodSeconds, 1)) * time.Second
	timeout := time.Duration(max(p.TimeoutSeconds, 1)) * time.Second
	success, failure := int(max(p.SuccessThreshold, 1)), int(max(p.FailureThreshold, 1))
	last, run := probe.Unknown, 0
	ticker := time.NewTicker(period)
	defer ticker.Stop()
	for {
		if !w.probeOnce(ctx, c, typ, p, timeout, success, failure, &last, &run) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// probeOnce: one tick of a probe worker; false to stop the worker.
func (w *podWorker) probeOnce(ctx context.Context, c *ctr, typ probeType, p *v1.Probe, timeout time.Duration,
	success, failure int, last *probe.Result, run *int) bool {
	w.mu.Lock()
	running, started, podIP := c.running(), c.started, w.podIP.String()
	var since time.Time
	if running {
		since = c.state.Running.StartedAt.Time
	}
	w.mu.Unlock()
	if !running || ctx.Err() != nil {
		return false
	}
	if typ != readinessProbe && w.isDeleting() {
		return false
	}
	if time.Since(since) < time.Duration(p.InitialDelaySeconds)*time.Second {
		return true
	}
	if typ == startupProbe && started {
		return false
	}
	if typ != startupProbe && !started {
		return true
	}
	result, out, err := w.doProbe(c, p, podIP, timeout)
	if err != nil {
		result, out = probe.Failure, err.Error()
	}
	if result == probe.Warning {
		result = probe.Success
	}
	if result == probe.Failure {
		w.event(v1.EventTypeWarning, "Unhealthy", "%s probe failed: %s", typ, strings.TrimSpace(out))
	}
	if *last == result {
		*run++
	} else {
		*last, *run = result, 1
	}
	if (result == probe.Failure && *run < failure) || (result == probe.Success && *run < success) {
		return true
	}
	switch typ {
	case startupProbe:
		if result == probe.Success {
			w.mu.Lock()
			changed := !c.started && c.running()
			if changed {
				c.started = true
				if c.spec.ReadinessProbe == nil {
					c.ready = true
				}
			}
			w.mu.Unlock()
			if changed {
				w.logf("%s %s: startup probe passed", c.kind, c.spec.Name)
				w.dirty()
			}
			return false
		}
		w.restartUnhealthy(c, "failed startup probe")
		return false
	case readinessProbe:
		w.mu.Lock()
		ready := result == probe.Success && c.running()
		changed := c.ready != ready
		c.ready = ready
		w.mu.Unlock()
		if changed {
			w.logf("%s %s: ready=%t (readiness probe)", c.kind, c.spec.Name, ready)
			w.dirty()
		}
	case livenessProbe:
		if result == probe.Failure {
			w.restartUnhealthy(c, "failed liveness probe")
			return false
		}
	}
	return true
}

// restartUnhealthy kills a container whose liveness or startup probe failed;
// its supervisor restarts it.
func (w *podWorker) restartUnhealthy(c *ctr, why string) {
	grace := int64(30)
	pod := w.latest()
	if pod.Spec.TerminationGracePeriodSeconds != nil {
		grace = *pod.Spec.TerminationGracePeriodSeconds
	}
	for _, p := range []*v1.Probe{c.spec.LivenessProbe, c.spec.StartupProbe} {
		if p != nil && p.TerminationGracePeriodSeconds != nil {
			grace = *p.TerminationGracePeriodSeconds
		}
	}
	go w.killContainer(c, time.Now().Add(time.Duration(grace)*time.Second), why)
}

// doProbe runs one probe with the kubelet's prober for its kind.
func (w *podWorker) doProbe(c *ctr, p *v1.Probe, podIP string, timeout time.Duration) (probe.Result, string, error) {
	switch {
	case p.GRPC != nil:
		service := ""
		if p.GRPC.Service != nil {
			service = *p.GRPC.Service
		}
		return grpcProber.Probe(podIP, service, int(p.GRPC.Port), timeout)
	case p.HTTPGet != nil:
		req, err := httpprobe.NewRequestForHTTPGetAction(p.HTTPGet, &c.spec, podIP, "probe")
		if err != nil {
			return probe.Unknown, "", err
		}
		return httpProber.Probe(req, timeout)
	case p.TCPSocket != nil:
		port, err := probe.ResolveContainerPort(p.TCPSocket.Port, &c.spec)
		if err != nil {
			return probe.Unknown, "", err
		}
		host := p.TCPSocket.Host
		if host == "" {
			host = podIP
		}
		return tcpProber.Probe(host, port, timeout)
	case p.Exec != nil:
		out, err := w.execInContainer(c, p.Exec.Command, timeout)
		if err != nil {
			if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() > 0 {
				return probe.Failure, out, nil
			}
			return probe.Unknown, out, err
		}
		return probe.Success, out, nil
	}
	return probe.Unknown, "", fmt.Errorf("probe of %s has no handler", c.spec.Name)
}

// runHandler runs a lifecycle hook (preStop): exec in the container, httpGet
// to the pod (as the kubelet's lifecycle handler does), or sleep.
func (w *podWorker) runHandler(c *ctr, h *v1.LifecycleHandler, timeout time.Duration) (string, error) {
	w.mu.Lock()
	podIP := w.podIP.String()
	w.mu.Unlock()
	timeout = max(timeout, minGrace)
	switch {
	case h.Exec != nil:
		return w.execInContainer(c, h.Exec.Command, timeout)
	case h.HTTPGet != nil:
		req, err := httpprobe.NewRequestForHTTPGetAction(h.HTTPGet, &c.spec, podIP, "lifecycle")
		if err != nil {
			return "", err
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		resp, err := http.DefaultClient.Do(req.WithContext(ctx))
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		if resp.StatusCode < 200 || resp.StatusCode >= 400 {
			return string(body), fmt.Errorf("HTTP lifecycle hook (%s) for Container %q in Pod %q failed - error: %s",
				req.URL.Path, c.spec.Name, w.name, resp.Status)
		}
		w.logf("preStop httpGet %s of %s: %s %s", req.URL, c.spec.Name, resp.Status, strings.TrimSpace(string(body)))
		return string(body), nil
	case h.Sleep != nil:
		time.Sleep(min(time.Duration(h.Sleep.Seconds)*time.Second, timeout))
		return "", nil
	case h.TCPSocket != nil:
		return "", fmt.Errorf("tcpSocket lifecycle hooks are deprecated and not run")
	}
	return "", fmt.Errorf("empty lifecycle handler")
}

// execInContainer runs a command in the container's namespaces, root and
// working directory, as its user (nsenter + container-exec), with the container's
// environment; output (stdout+stderr, at most 10 KiB) and error.
func (w *podWorker) execInContainer(c *ctr, command []string, timeout time.Duration) (string, error) {
	w.mu.Lock()
	pid := c.pid
	w.mu.Unlock()
	if pid == 0 || len(command) == 0 {
		return "", fmt.Errorf("container %s is not running", c.spec.Name)
	}
	pod := w.latest()
	img, _ := w.k.images.lookup(c.spec.Image)
	uid, gid, err := containerUser(pod, &c.spec, img)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	// Into the container's namespaces (its mount namespace still has the
	// node's root, so this binary is there), then container-exec chroots to
	// the container's root and drops to its user, as the container's own
	// process was started.
	args := []string{"--target", strconv.Itoa(pid), "--mount", "--uts", "--net", "--ipc", "--",
		w.k.self, "container-exec", "--chroot", fmt.Sprintf("/proc/%d/root", pid),
		"--workdir", workingDir(&c.spec, img),
		"--user", fmt.Sprintf("%d:%d", uid, gid)}
	env, err := readEnviron(pid)
	if err != nil {
		return "", err
	}
	for _, e := range env {
		args = append(args, "--env", e)
	}
	args = append(append(args, "--"), command...)
	cmd := exec.CommandContext(ctx, "nsenter", args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	s := out.String()
	if len(s) > 10240 {
		s = s[:10240]
	}
	return s, err
}

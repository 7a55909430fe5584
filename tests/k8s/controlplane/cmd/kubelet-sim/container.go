package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/kubernetes/third_party/forked/golang/expansion"
)

// startContainer starts one incarnation of a container in the pod's
// namespaces: tests/e2e/lib/container.sh under `ip netns exec` and
// `unshare --uts --mount`, with the image's files (image table), the pod's
// volumes at the mount paths, its user, and exactly its environment. The
// process that runs is the container's own (each step execs the next), so
// its pid is what SIGTERM and SIGKILL go to.
func (w *podWorker) startContainer(ctx context.Context, c *ctr) error {
	pod := w.latest()
	spec := &c.spec
	img, ok := w.k.images.lookup(spec.Image)
	if !ok {
		w.mu.Lock()
		c.state = v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: "ErrImagePull",
			Message: fmt.Sprintf("image %q is not in kubelet-sim's image table (%s)", spec.Image, w.k.cfg.imagesFile)}}
		w.mu.Unlock()
		w.dirty()
		w.event(v1.EventTypeWarning, "Failed", "Failed to pull image %q: not in the image table %s", spec.Image, w.k.cfg.imagesFile)
		return fmt.Errorf("no image %s", spec.Image)
	}
	fail := func(err error) error {
		w.mu.Lock()
		c.state = v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: "CreateContainerConfigError", Message: err.Error()}}
		w.mu.Unlock()
		w.dirty()
		w.event(v1.EventTypeWarning, "Failed", "Error: %v", err)
		return err
	}
	if c.incarnation == 0 {
		w.event(v1.EventTypeNormal, "Pulled", "Container image %q already present on machine", spec.Image)
	}
	env, err := w.containerEnv(ctx, pod, spec, img)
	if err != nil {
		return fail(err)
	}
	// $(VAR) in command and args, from the container's environment.
	vars := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	mapping := expansion.MappingFuncFor(vars)
	argv := append([]string{}, img.Entrypoint...)
	cmdArgs := img.Cmd
	if len(spec.Command) > 0 {
		argv = nil
		for _, a := range spec.Command {
			argv = append(argv, expansion.Expand(a, mapping))
		}
		cmdArgs = nil
	}
	if len(spec.Args) > 0 {
		cmdArgs = nil
		for _, a := range spec.Args {
			cmdArgs = append(cmdArgs, expansion.Expand(a, mapping))
		}
	}
	argv = append(argv, cmdArgs...)
	if len(argv) == 0 {
		return fail(fmt.Errorf("container %s: no command (neither the pod spec nor the image table give one)", spec.Name))
	}

	uid, gid, err := containerUser(pod, spec, img)
	if err != nil {
		return fail(err)
	}
	var groups []string
	if psc := pod.Spec.SecurityContext; psc != nil {
		if psc.FSGroup != nil {
			groups = append(groups, strconv.FormatInt(*psc.FSGroup, 10))
		}
		for _, g := range psc.SupplementalGroups {
			groups = append(groups, strconv.FormatInt(g, 10))
		}
	}

	n := c.incarnation
	c.incarnation++
	base := fmt.Sprintf("%s-%d", spec.Name, n)
	scratch := filepath.Join(w.dir, "scratch", base)
	if err := os.MkdirAll(scratch, 0o700); err != nil {
		return fail(err)
	}
	envFile := filepath.Join(w.dir, "scratch", base+".env")
	if err := os.WriteFile(envFile, []byte(strings.Join(env, "\x00")+"\x00"), 0o600); err != nil {
		return fail(err)
	}
	opts := []string{"--hostname", w.hostname, "--scratch", scratch, "--user", fmt.Sprintf("%d:%d", uid, gid),
		"--env-file", envFile}
	if len(groups) > 0 {
		opts = append(opts, "--groups", strings.Join(groups, ","))
	}
	if sc := spec.SecurityContext; sc != nil && sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem {
		opts = append(opts, "--ro-root")
	}
	wd := img.WorkingDir
	if spec.WorkingDir != "" {
		wd = spec.WorkingDir
	}
	if wd != "" {
		opts = append(opts, "--workdir", wd)
	}
	if img.Rootfs != "" {
		opts = append(opts, "--rootfs", img.Rootfs, "--exec-helper", w.k.self)
	}
	for _, m := range img.Mounts {
		opts = append(opts, "--mount", m)
	}
	for _, vm := range spec.VolumeMounts {
		src, ok := w.vols[vm.Name]
		if !ok {
			return fail(fmt.Errorf("volumeMount %s: no volume %q in the pod", vm.MountPath, vm.Name))
		}
		if vm.SubPath != "" {
			src = filepath.Join(src, vm.SubPath)
			if err := os.MkdirAll(src, 0o755); err != nil {
				return fail(err)
			}
		}
		m := src + ":" + vm.MountPath
		if vm.ReadOnly {
			m += ":ro"
		}
		opts = append(opts, "--mount", m)
	}

	logDir := filepath.Join(w.dir, "logs", spec.Name)
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return fail(err)
	}
	logPath := filepath.Join(logDir, fmt.Sprintf("%d.log", n))
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fail(err)
	}
	defer logf.Close()
	link := filepath.Join(w.dir, "logs", spec.Name+".log")
	_ = os.Remove(link)
	_ = os.Symlink(filepath.Join(spec.Name, fmt.Sprintf("%d.log", n)), link)

	args := append([]string{"netns", "exec", w.netns, "unshare", "--uts", "--mount", "--propagation", "private", "--",
		w.k.cfg.containerSh}, opts...)
	args = append(append(args, "--"), argv...)
	cmd := exec.Command("ip", args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	// Its own process group: a signal to the kubelet's group does not reach it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	w.event(v1.EventTypeNormal, "Created", "Created container: %s", spec.Name)
	if err := cmd.Start(); err != nil {
		return fail(fmt.Errorf("starting container %s: %w", spec.Name, err))
	}
	exited := make(chan struct{})
	w.mu.Lock()
	if c.everRan {
		c.restarts++
	}
	c.everRan = true
	c.pid = cmd.Process.Pid
	c.exited = exited
	c.containerID = fmt.Sprintf("kubelet-sim://%s-%s-%d", w.uid, spec.Name, n)
	c.state = v1.ContainerState{Running: &v1.ContainerStateRunning{StartedAt: metav1.Now()}}
	c.ready = false
	// Without a startup probe a container counts as started once it runs.
	c.started = spec.StartupProbe == nil
	if spec.ReadinessProbe == nil && c.kind != kindInit {
		c.ready = c.started
	}
	w.mu.Unlock()
	w.dirty()
	w.event(v1.EventTypeNormal, "Started", "Started container %s", spec.Name)
	w.logf("%s %s started: pid %d, uid %d, %s, log %s", c.kind, spec.Name, cmd.Process.Pid, uid, strings.Join(argv, " "), logPath)
	go func() {
		err := cmd.Wait()
		code, reason := 0, "Completed"
		if err != nil {
			reason = "Error"
			code = 1
			if ee, ok := err.(*exec.ExitError); ok {
				if ws, ok := ee.Sys().(syscall.WaitStatus); ok {
					if ws.Signaled() {
						code = 128 + int(ws.Signal())
					} else {
						code = ws.ExitStatus()
					}
				}
			}
		}
		w.mu.Lock()
		started := time.Now()
		if c.state.Running != nil {
			started = c.state.Running.StartedAt.Time
		}
		c.state = v1.ContainerState{Terminated: &v1.ContainerStateTerminated{
			ExitCode: int32(code), Reason: reason, StartedAt: metav1.NewTime(started), FinishedAt: metav1.Now(),
			ContainerID: c.containerID}}
		c.ready, c.started, c.pid = false, false, 0
		w.mu.Unlock()
		w.logf("%s %s exited with code %d after %s", c.kind, spec.Name, code, time.Since(started).Round(time.Millisecond))
		close(exited)
		w.dirty()
	}()
	return nil
}

// containerUser: runAsUser/runAsGroup of the container, else of the pod,
// else the image's user, else root.
func containerUser(pod *v1.Pod, spec *v1.Container, img *imageEntry) (int64, int64, error) {
	var uid, gid *int64
	if psc := pod.Spec.SecurityContext; psc != nil {
		uid, gid = psc.RunAsUser, psc.RunAsGroup
	}
	if sc := spec.SecurityContext; sc != nil {
		if sc.RunAsUser != nil {
			uid = sc.RunAsUser
		}
		if sc.RunAsGroup != nil {
			gid = sc.RunAsGroup
		}
	}
	var iu, ig int64
	if img.User != "" {
		u, g, _ := strings.Cut(img.User, ":")
		var err error
		if iu, err = strconv.ParseInt(u, 10, 64); err != nil {
			return 0, 0, fmt.Errorf("image %s: user %q is not numeric", img.Match, img.User)
		}
		ig = iu
		if g != "" {
			if ig, err = strconv.ParseInt(g, 10, 64); err != nil {
				return 0, 0, fmt.Errorf("image %s: group in %q is not numeric", img.Match, img.User)
			}
		}
	}
	if uid == nil {
		uid = &iu
	}
	if gid == nil {
		gid = &ig
	}
	if pod.Spec.SecurityContext != nil && pod.Spec.SecurityContext.RunAsNonRoot != nil && *pod.Spec.SecurityContext.RunAsNonRoot && *uid == 0 {
		return 0, 0, fmt.Errorf("container has runAsNonRoot and image will run as root")
	}
	return *uid, *gid, nil
}

// killContainer stops a running container: its preStop hook (if any) within
// the grace period, SIGTERM, and SIGKILL at the deadline (never sooner than
// minGrace after SIGTERM). Returns once it has exited.
func (w *podWorker) killContainer(c *ctr, deadline time.Time, why string) {
	w.mu.Lock()
	pid, exited, running := c.pid, c.exited, c.running()
	w.mu.Unlock()
	if !running || pid == 0 {
		return
	}
	t0 := time.Now()
	msg := "Stopping container " + c.spec.Name
	if why != "" {
		msg = fmt.Sprintf("Container %s %s, will be restarted", c.spec.Name, why)
	}
	w.event(v1.EventTypeNormal, "Killing", "%s", msg)
	if c.spec.Lifecycle != nil && c.spec.Lifecycle.PreStop != nil {
		done := make(chan struct{})
		go func() {
			defer close(done)
			if out, err := w.runHandler(c, c.spec.Lifecycle.PreStop, time.Until(deadline)); err != nil {
				w.event(v1.EventTypeWarning, "FailedPreStopHook", "PreStopHook failed: %v %s", err, out)
			}
		}()
		select {
		case <-done:
		case <-exited:
		case <-time.After(time.Until(deadline)):
			w.logf("preStop hook of %s still running at the end of the grace period", c.spec.Name)
		}
		w.logf("preStop hook of %s done after %s", c.spec.Name, time.Since(t0).Round(time.Millisecond))
	}
	_ = syscall.Kill(pid, syscall.SIGTERM)
	killAt := later(deadline, time.Now().Add(minGrace))
	select {
	case <-exited:
		w.logf("%s %s stopped %s after the kill began (SIGTERM)", c.kind, c.spec.Name, time.Since(t0).Round(time.Millisecond))
		return
	case <-time.After(time.Until(killAt)):
	}
	w.logf("%s %s did not exit within the grace period: SIGKILL", c.kind, c.spec.Name)
	_ = syscall.Kill(pid, syscall.SIGKILL)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		w.logf("%s %s (pid %d) did not exit 10s after SIGKILL", c.kind, c.spec.Name, pid)
	}
}

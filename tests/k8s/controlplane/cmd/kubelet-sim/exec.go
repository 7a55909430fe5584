package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
	v1 "k8s.io/api/core/v1"
)

// containerExec is the last step of starting a process in a container whose
// root is an image's root filesystem (and of exec probes and hooks): chroot
// to it, change to the working directory, drop to the container's user with
// no new privileges and an empty capability bounding set (as `setpriv` does
// for containers that keep the node's root), and exec the command with
// exactly the given environment. A FROM-scratch image has no setpriv or env
// of its own, so this binary does it from outside before exec.
//
//	kubelet-sim container-exec [--chroot DIR] [--workdir DIR] --user UID:GID
//	    [--groups G,G] [--env K=V]... [--env-file FILE] -- CMD [ARG...]
//
// Exit 127 when CMD is not found, 126 when it cannot be executed, 1 for a
// setup failure; otherwise it becomes CMD.
func containerExec(args []string) int {
	fs := flag.NewFlagSet("container-exec", flag.ContinueOnError)
	root := fs.String("chroot", "", "the container's root directory")
	wd := fs.String("workdir", "/", "working directory inside the root")
	user := fs.String("user", "", "UID:GID")
	groups := fs.String("groups", "", "supplementary groups, comma-separated")
	envFile := fs.String("env-file", "", "KEY=VALUE items separated by NUL bytes")
	var env multiFlag
	fs.Var(&env, "env", "KEY=VALUE (repeatable, after --env-file)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	argv := fs.Args()
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(os.Stderr, "container-exec: "+format+"\n", a...)
		return code
	}
	if len(argv) == 0 {
		return fail(2, "no command after --")
	}
	u, g, ok := strings.Cut(*user, ":")
	uid, err1 := strconv.Atoi(u)
	gid, err2 := strconv.Atoi(g)
	if !ok || err1 != nil || err2 != nil {
		return fail(2, "--user wants UID:GID, got %q", *user)
	}
	var gids []int
	if *groups != "" {
		for _, s := range strings.Split(*groups, ",") {
			n, err := strconv.Atoi(s)
			if err != nil {
				return fail(2, "--groups: %q is not a number", s)
			}
			gids = append(gids, n)
		}
	}
	var environ []string
	if *envFile != "" {
		b, err := os.ReadFile(*envFile)
		if err != nil {
			return fail(1, "%v", err)
		}
		for _, kv := range strings.Split(string(b), "\x00") {
			if kv != "" {
				environ = append(environ, kv)
			}
		}
	}
	environ = append(environ, env...)

	if *root != "" {
		if err := syscall.Chroot(*root); err != nil {
			return fail(1, "chroot %s: %v", *root, err)
		}
	}
	if err := syscall.Chdir(*wd); err != nil {
		return fail(1, "working directory %s: %v", *wd, err)
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fail(1, "no_new_privs: %v", err)
	}
	last := 40
	if b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap"); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			last = n
		}
	}
	for c := 0; c <= last; c++ {
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0); err != nil && err != unix.EINVAL {
			return fail(1, "dropping capability %d from the bounding set: %v", c, err)
		}
	}
	if err := syscall.Setgroups(gids); err != nil {
		return fail(1, "setgroups %v: %v", gids, err)
	}
	if err := syscall.Setresgid(gid, gid, gid); err != nil {
		return fail(1, "setgid %d: %v", gid, err)
	}
	if err := syscall.Setresuid(uid, uid, uid); err != nil {
		return fail(1, "setuid %d: %v", uid, err)
	}
	path := argv[0]
	if !strings.Contains(path, "/") {
		p, err := lookPath(path, environ)
		if err != nil {
			return fail(127, "%s: not found in PATH", path)
		}
		path = p
	}
	err := syscall.Exec(path, argv, environ)
	if os.IsNotExist(err) {
		return fail(127, "%s: %v", path, err)
	}
	return fail(126, "exec %s: %v", path, err)
}

func lookPath(name string, environ []string) (string, error) {
	path := "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", os.ErrNotExist
}

// readEnviron: a running process's environment.
func readEnviron(pid int) ([]string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		return nil, err
	}
	var env []string
	for _, kv := range strings.Split(string(b), "\x00") {
		if kv != "" {
			env = append(env, kv)
		}
	}
	return env, nil
}

// workingDir: the container's working directory (pod spec, else image, else /).
func workingDir(c *v1.Container, img *imageEntry) string {
	if c.WorkingDir != "" {
		return c.WorkingDir
	}
	if img != nil && img.WorkingDir != "" {
		return img.WorkingDir
	}
	return "/"
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

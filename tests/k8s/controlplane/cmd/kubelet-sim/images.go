package main

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// imageConfig maps image references to what runs for them: there is no
// registry and no image store here. The table is a JSON file:
//
//	{"images": [
//	  {"match": "kafka-agent:*", "rootfs": "/dir/of/the/unpacked/image",
//	   "entrypoint": ["/kafka-agent"], "user": "65532:65532"},
//	  {"match": "apache/kafka:*",
//	   "entrypoint": ["/etc/kafka/docker/run"], "cmd": ["--shared-config", "..."],
//	   "mounts": ["/host/dir:/etc/kafka/docker:ro"], "env": ["KAFKA_HEAP_OPTS=..."]}
//	]}
//
// match is a path.Match pattern on the image reference as the pod spec
// writes it; the first match wins. With rootfs, the container's root is that
// directory (an overlay over it, as a container runtime makes); without it,
// the container sees the node's root (overlaid, so nothing is written to it)
// with mounts bound in: the emulation of an image whose files are on the host.
// entrypoint/cmd/env/user/workingDir have the OCI image config's meaning: the
// pod spec's command replaces entrypoint, its args replace cmd, its env
// overrides env, its runAsUser/runAsGroup override user.
type imageConfig struct {
	Images []imageEntry `json:"images"`
}

type imageEntry struct {
	Match      string   `json:"match"`
	Rootfs     string   `json:"rootfs,omitempty"`
	Entrypoint []string `json:"entrypoint,omitempty"`
	Cmd        []string `json:"cmd,omitempty"`
	Env        []string `json:"env,omitempty"`
	User       string   `json:"user,omitempty"`
	WorkingDir string   `json:"workingDir,omitempty"`
	Mounts     []string `json:"mounts,omitempty"`
}

func loadImages(file string) (*imageConfig, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var c imageConfig
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("image table %s: %w", file, err)
	}
	for i, e := range c.Images {
		if _, err := path.Match(e.Match, ""); err != nil || e.Match == "" {
			return nil, fmt.Errorf("image table %s: entry %d: bad match pattern %q", file, i, e.Match)
		}
		if e.Rootfs != "" {
			if st, err := os.Stat(e.Rootfs); err != nil || !st.IsDir() {
				return nil, fmt.Errorf("image table %s: %s: rootfs %q is not a directory", file, e.Match, e.Rootfs)
			}
		}
		if len(e.Entrypoint) == 0 && len(e.Cmd) == 0 {
			return nil, fmt.Errorf("image table %s: %s: no entrypoint and no cmd", file, e.Match)
		}
	}
	return &c, nil
}

// lookup returns the entry for an image reference.
func (c *imageConfig) lookup(image string) (*imageEntry, bool) {
	for i := range c.Images {
		if ok, _ := path.Match(c.Images[i].Match, image); ok {
			return &c.Images[i], true
		}
	}
	return nil, false
}

// ipAllocator hands out the addresses of one Node's pod CIDR, round robin, so
// that a re-created pod gets a new address as it would in a cluster.
type ipAllocator struct {
	mu         sync.Mutex
	first, end netip.Addr // [first, end)
	next       netip.Addr
	used       map[netip.Addr]bool
}

func newIPAllocator(cidr string) (*ipAllocator, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return nil, err
	}
	p = p.Masked()
	if !p.Addr().Is4() || p.Bits() > 29 {
		return nil, fmt.Errorf("--pod-cidr %s: want an IPv4 prefix of /29 or larger", cidr)
	}
	// Not the prefix's first and last address (network and broadcast of a
	// subnet of that size; here they would be usable, but a kubelet's IPAM
	// skips them too).
	first := p.Addr().Next()
	last := first
	for a := first; p.Contains(a); a = a.Next() {
		last = a
	}
	return &ipAllocator{first: first, end: last, next: first, used: map[netip.Addr]bool{}}, nil
}

func (a *ipAllocator) allocate() (netip.Addr, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for ip, tried := a.next, 0; tried < 1<<16; tried++ {
		cand := ip
		ip = ip.Next()
		if ip == a.end {
			ip = a.first
		}
		if !a.used[cand] {
			a.used[cand] = true
			a.next = ip
			return cand, nil
		}
		if ip == a.next {
			break
		}
	}
	return netip.Addr{}, fmt.Errorf("no free pod address in %s..%s", a.first, a.end)
}

func (a *ipAllocator) release(ip netip.Addr) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.used, ip)
}

func kernelVersion() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Release[:])
}

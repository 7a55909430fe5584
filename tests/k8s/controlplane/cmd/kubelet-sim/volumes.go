package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

// setupVolumes prepares every volume of the pod under its directory (or
// finds the PersistentVolume's directory), retrying while objects it needs
// are missing (a PVC not yet bound, a ConfigMap not yet readable), until the
// pod is deleted. Reports FailedMount events as the kubelet does.
func (w *podWorker) setupVolumes(ctx context.Context) error {
	pod := w.latest()
	var fsGroup *int64
	if pod.Spec.SecurityContext != nil {
		fsGroup = pod.Spec.SecurityContext.FSGroup
	}
	for _, vol := range pod.Spec.Volumes {
		var dir string
		var lastErr error
		err := wait.PollUntilContextCancel(ctx, time.Second, true, func(ctx context.Context) (bool, error) {
			if w.isDeleting() {
				return false, fmt.Errorf("pod deleted")
			}
			d, err := w.setupVolume(ctx, pod, vol)
			if err != nil {
				if lastErr == nil || lastErr.Error() != err.Error() {
					w.event(v1.EventTypeWarning, "FailedMount", "MountVolume.SetUp failed for volume %q : %v", vol.Name, err)
				}
				lastErr = err
				return false, nil
			}
			dir = d
			return true, nil
		})
		if err != nil {
			return err
		}
		readOnly := vol.ConfigMap != nil || vol.Secret != nil
		if fsGroup != nil {
			if err := applyFSGroup(dir, *fsGroup, readOnly); err != nil {
				w.event(v1.EventTypeWarning, "FailedMount", "fsGroup %d on volume %q: %v", *fsGroup, vol.Name, err)
				return err
			}
		}
		w.mu.Lock()
		w.vols[vol.Name] = dir
		w.mu.Unlock()
	}
	w.logf("%d volumes ready", len(pod.Spec.Volumes))
	return nil
}

func (w *podWorker) volumeDir(kind, name string) string {
	return filepath.Join(w.dir, "volumes", kind, name)
}

func (w *podWorker) setupVolume(ctx context.Context, pod *v1.Pod, vol v1.Volume) (string, error) {
	switch {
	case vol.EmptyDir != nil:
		d := w.volumeDir("kubernetes.io~empty-dir", vol.Name)
		if err := os.MkdirAll(d, 0o777); err != nil {
			return "", err
		}
		return d, os.Chmod(d, 0o777)
	case vol.ConfigMap != nil:
		ref := vol.ConfigMap
		cm, err := w.k.client.CoreV1().ConfigMaps(pod.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			if ref.Optional != nil && *ref.Optional {
				cm = &v1.ConfigMap{}
			} else {
				return "", fmt.Errorf("configmap %q not found: %v", ref.Name, err)
			}
		}
		data := map[string][]byte{}
		for k, v := range cm.Data {
			data[k] = []byte(v)
		}
		for k, v := range cm.BinaryData {
			data[k] = v
		}
		return w.writeKeys(w.volumeDir("kubernetes.io~configmap", vol.Name), data, ref.Items, ref.DefaultMode, 0o644)
	case vol.Secret != nil:
		ref := vol.Secret
		s, err := w.k.client.CoreV1().Secrets(pod.Namespace).Get(ctx, ref.SecretName, metav1.GetOptions{})
		if err != nil {
			if ref.Optional != nil && *ref.Optional {
				s = &v1.Secret{}
			} else {
				return "", fmt.Errorf("secret %q not found: %v", ref.SecretName, err)
			}
		}
		return w.writeKeys(w.volumeDir("kubernetes.io~secret", vol.Name), s.Data, ref.Items, ref.DefaultMode, 0o644)
	case vol.PersistentVolumeClaim != nil:
		claim := vol.PersistentVolumeClaim.ClaimName
		pvc, err := w.k.client.CoreV1().PersistentVolumeClaims(pod.Namespace).Get(ctx, claim, metav1.GetOptions{})
		if err != nil {
			return "", fmt.Errorf("persistentvolumeclaim %q: %v", claim, err)
		}
		if pvc.Spec.VolumeName == "" || pvc.Status.Phase != v1.ClaimBound {
			return "", fmt.Errorf("persistentvolumeclaim %q is not bound (phase %s)", claim, pvc.Status.Phase)
		}
		pv, err := w.k.client.CoreV1().PersistentVolumes().Get(ctx, pvc.Spec.VolumeName, metav1.GetOptions{})
		if err != nil {
			return "", fmt.Errorf("persistentvolume %q: %v", pvc.Spec.VolumeName, err)
		}
		var path string
		switch {
		case pv.Spec.HostPath != nil:
			path = pv.Spec.HostPath.Path
		case pv.Spec.Local != nil:
			path = pv.Spec.Local.Path
		default:
			return "", fmt.Errorf("persistentvolume %q: only hostPath and local volumes can be mounted by kubelet-sim", pv.Name)
		}
		if err := os.MkdirAll(path, 0o755); err != nil {
			return "", err
		}
		return path, nil
	case vol.HostPath != nil:
		if vol.HostPath.Type != nil && *vol.HostPath.Type == v1.HostPathDirectoryOrCreate {
			if err := os.MkdirAll(vol.HostPath.Path, 0o755); err != nil {
				return "", err
			}
		}
		return vol.HostPath.Path, nil
	}
	return "", fmt.Errorf("volume %q: this kind of volume is not supported by kubelet-sim (emptyDir, configMap, secret, persistentVolumeClaim, hostPath are)", vol.Name)
}

// writeKeys writes a ConfigMap's or Secret's keys (or the listed items) as
// files with their modes, replacing what the directory held.
func (w *podWorker) writeKeys(dir string, data map[string][]byte, items []v1.KeyToPath, defaultMode *int32, fallback fs.FileMode) (string, error) {
	mode := fallback
	if defaultMode != nil {
		mode = fs.FileMode(*defaultMode)
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	type file struct {
		path string
		data []byte
		mode fs.FileMode
	}
	var files []file
	if len(items) == 0 {
		for k, v := range data {
			files = append(files, file{k, v, mode})
		}
	} else {
		for _, it := range items {
			v, ok := data[it.Key]
			if !ok {
				return "", fmt.Errorf("configmap or secret references non-existent key: %s", it.Key)
			}
			m := mode
			if it.Mode != nil {
				m = fs.FileMode(*it.Mode)
			}
			files = append(files, file{it.Path, v, m})
		}
	}
	for _, f := range files {
		if strings.Contains(f.path, "..") {
			return "", fmt.Errorf("bad key path %q", f.path)
		}
		p := filepath.Join(dir, f.path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(p, f.data, f.mode); err != nil {
			return "", err
		}
		if err := os.Chmod(p, f.mode); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// applyFSGroup: the volume's files belong to the fsGroup and new files
// inherit it (setgid directories); group-writable unless read-only. Only when
// the root's group differs (fsGroupChangePolicy OnRootMismatch; Always would
// redo it each time, with the same result here).
func applyFSGroup(dir string, gid int64, readOnly bool) error {
	st, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int64(sys.Gid) == gid {
		return nil
	}
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := os.Lchown(p, -1, int(gid)); err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		m := info.Mode()
		add := fs.FileMode(0o040)
		if !readOnly {
			add |= 0o020
		}
		if d.IsDir() {
			add |= 0o010 | fs.ModeSetgid
		}
		return os.Chmod(p, m|add)
	})
}

// teardownVolumes removes the pod's own volumes (emptyDir, configMap,
// secret); PersistentVolumes and hostPaths stay.
func (w *podWorker) teardownVolumes() {
	_ = os.RemoveAll(filepath.Join(w.dir, "volumes"))
	_ = os.RemoveAll(filepath.Join(w.dir, "scratch"))
}

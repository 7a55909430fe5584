package main

import (
	"context"
	"fmt"
	"sort"
	"strings"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	podresource "k8s.io/kubernetes/pkg/api/v1/resource"
	"k8s.io/kubernetes/pkg/fieldpath"
	"k8s.io/kubernetes/pkg/kubelet/envvars"
	"k8s.io/kubernetes/third_party/forked/golang/expansion"
)

// containerEnv builds a container's environment as the kubelet's
// makeEnvironmentVariables does: the image's ENV, then (with service links
// on) the Services' docker-link variables, then envFrom, then env in order
// with $(VAR) expanded against what came before; valueFrom resolved from the
// Downward API (fieldRef, resourceFieldRef), ConfigMaps and Secrets.
// Later entries win.
func (w *podWorker) containerEnv(ctx context.Context, pod *v1.Pod, c *v1.Container, img *imageEntry) ([]string, error) {
	var out []string
	vals := map[string]string{}
	set := func(k, v string) {
		out = append(out, k+"="+v)
		vals[k] = v
	}
	for _, kv := range img.Env {
		k, v, _ := strings.Cut(kv, "=")
		set(k, v)
	}
	serviceEnv := map[string]string{}
	if pod.Spec.EnableServiceLinks == nil || *pod.Spec.EnableServiceLinks {
		m, err := w.serviceEnv(ctx, pod.Namespace)
		if err != nil {
			return nil, err
		}
		serviceEnv = m
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			set(k, m[k])
		}
	}
	for _, ef := range c.EnvFrom {
		switch {
		case ef.ConfigMapRef != nil:
			cm, err := w.k.client.CoreV1().ConfigMaps(pod.Namespace).Get(ctx, ef.ConfigMapRef.Name, metav1.GetOptions{})
			if err != nil {
				if ef.ConfigMapRef.Optional != nil && *ef.ConfigMapRef.Optional {
					continue
				}
				return nil, fmt.Errorf("envFrom configMap %q: %w", ef.ConfigMapRef.Name, err)
			}
			for k, v := range cm.Data {
				set(ef.Prefix+k, v)
			}
		case ef.SecretRef != nil:
			s, err := w.k.client.CoreV1().Secrets(pod.Namespace).Get(ctx, ef.SecretRef.Name, metav1.GetOptions{})
			if err != nil {
				if ef.SecretRef.Optional != nil && *ef.SecretRef.Optional {
					continue
				}
				return nil, fmt.Errorf("envFrom secret %q: %w", ef.SecretRef.Name, err)
			}
			for k, v := range s.Data {
				set(ef.Prefix+k, string(v))
			}
		}
	}
	mapping := expansion.MappingFuncFor(vals, serviceEnv)
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			set(e.Name, expansion.Expand(e.Value, mapping))
			continue
		}
		v, skip, err := w.envValueFrom(ctx, pod, c, e.ValueFrom)
		if err != nil {
			return nil, fmt.Errorf("env %s: %w", e.Name, err)
		}
		if !skip {
			set(e.Name, v)
		}
	}
	return out, nil
}

func (w *podWorker) envValueFrom(ctx context.Context, pod *v1.Pod, c *v1.Container, from *v1.EnvVarSource) (string, bool, error) {
	switch {
	case from.FieldRef != nil:
		return w.podField(pod, from.FieldRef.FieldPath)
	case from.ResourceFieldRef != nil:
		alloc, _ := w.k.nodeStatus()
		v, err := podresource.ExtractResourceValueByContainerNameAndNodeAllocatable(from.ResourceFieldRef, pod, c.Name, alloc.Allocatable)
		return v, false, err
	case from.ConfigMapKeyRef != nil:
		ref := from.ConfigMapKeyRef
		optional := ref.Optional != nil && *ref.Optional
		cm, err := w.k.client.CoreV1().ConfigMaps(pod.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			return "", optional, ignoreIf(optional, fmt.Errorf("configMap %q: %w", ref.Name, err))
		}
		v, ok := cm.Data[ref.Key]
		if !ok {
			return "", optional, ignoreIf(optional, fmt.Errorf("couldn't find key %s in ConfigMap %s/%s", ref.Key, pod.Namespace, ref.Name))
		}
		return v, false, nil
	case from.SecretKeyRef != nil:
		ref := from.SecretKeyRef
		optional := ref.Optional != nil && *ref.Optional
		s, err := w.k.client.CoreV1().Secrets(pod.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			return "", optional, ignoreIf(optional, fmt.Errorf("secret %q: %w", ref.Name, err))
		}
		v, ok := s.Data[ref.Key]
		if !ok {
			return "", optional, ignoreIf(optional, fmt.Errorf("couldn't find key %s in Secret %s/%s", ref.Key, pod.Namespace, ref.Name))
		}
		return string(v), false, nil
	}
	return "", true, nil
}

func ignoreIf(optional bool, err error) error {
	if optional {
		return nil
	}
	return err
}

// podField: the Downward API's fieldRef values, as the kubelet resolves them
// (podFieldSelectorRuntimeValue, then pkg/fieldpath for metadata).
func (w *podWorker) podField(pod *v1.Pod, path string) (string, bool, error) {
	w.mu.Lock()
	podIP := w.podIP.String()
	w.mu.Unlock()
	switch path {
	case "spec.nodeName":
		return pod.Spec.NodeName, false, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, false, nil
	case "status.hostIP", "status.hostIPs":
		return w.k.cfg.nodeIP, false, nil
	case "status.podIP", "status.podIPs":
		return podIP, false, nil
	}
	v, err := fieldpath.ExtractFieldPathAsString(pod, path)
	return v, false, err
}

// serviceEnv: the docker-link variables of the Services in the namespace
// (and the `kubernetes` Service of `default`), from the kubelet's envvars.
func (w *podWorker) serviceEnv(ctx context.Context, ns string) (map[string]string, error) {
	list, err := w.k.client.CoreV1().Services(metav1.NamespaceAll).List(ctx, metav1.ListOptions{LabelSelector: labels.Everything().String()})
	if err != nil {
		return nil, fmt.Errorf("listing services for the service links: %w", err)
	}
	var svcs []*v1.Service
	for i := range list.Items {
		s := &list.Items[i]
		if !v1IsServiceIPSet(s) {
			continue
		}
		if s.Namespace == ns || (s.Namespace == metav1.NamespaceDefault && s.Name == "kubernetes") {
			svcs = append(svcs, s)
		}
	}
	m := map[string]string{}
	for _, e := range envvars.FromServices(svcs) {
		m[e.Name] = e.Value
	}
	return m, nil
}

func v1IsServiceIPSet(s *v1.Service) bool {
	return s.Spec.ClusterIP != v1.ClusterIPNone && s.Spec.ClusterIP != ""
}

var _ = resource.Quantity{}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"runtime"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/component-base/version"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"
)

const leaseNamespace = "kube-node-lease"

// registerNode creates the Node (or takes over an existing one of the same
// name) and reports it Ready.
func (k *Kubelet) registerNode(ctx context.Context) error {
	labels := map[string]string{
		"kubernetes.io/hostname": k.cfg.nodeName,
		"kubernetes.io/os":       runtime.GOOS,
		"kubernetes.io/arch":     runtime.GOARCH,
	}
	extra, err := parseKV(k.cfg.nodeLabels)
	if err != nil {
		return fmt.Errorf("--node-labels: %w", err)
	}
	for key, v := range extra {
		labels[key] = v
	}
	node := &v1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: k.cfg.nodeName, Labels: labels},
		Spec:       v1.NodeSpec{PodCIDR: k.cfg.podCIDR, PodCIDRs: []string{k.cfg.podCIDR}},
	}
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := k.client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
		if err == nil || apierrors.IsAlreadyExists(err) {
			return true, nil
		}
		klog.InfoS("registering the node failed; retrying", "node", k.cfg.nodeName, "err", err)
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("could not register node %s: %w", k.cfg.nodeName, err)
	}
	if err := k.reportNodeStatus(ctx); err != nil {
		return err
	}
	return k.renewLease(ctx)
}

func (k *Kubelet) nodeStatus() (v1.NodeStatus, error) {
	capm, err := parseKV(k.cfg.capacity)
	if err != nil {
		return v1.NodeStatus{}, fmt.Errorf("--capacity: %w", err)
	}
	capacity := v1.ResourceList{}
	for name, q := range capm {
		v, err := resource.ParseQuantity(q)
		if err != nil {
			return v1.NodeStatus{}, fmt.Errorf("--capacity %s=%s: %w", name, q, err)
		}
		capacity[v1.ResourceName(name)] = v
	}
	now := metav1.Now()
	cond := func(t v1.NodeConditionType, s v1.ConditionStatus, reason, msg string) v1.NodeCondition {
		return v1.NodeCondition{Type: t, Status: s, Reason: reason, Message: msg,
			LastHeartbeatTime: now, LastTransitionTime: k.startTime}
	}
	addr, _ := netip.ParseAddr(k.cfg.nodeIP)
	return v1.NodeStatus{
		Capacity:    capacity,
		Allocatable: capacity,
		Conditions: []v1.NodeCondition{
			cond(v1.NodeMemoryPressure, v1.ConditionFalse, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
			cond(v1.NodeDiskPressure, v1.ConditionFalse, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
			cond(v1.NodePIDPressure, v1.ConditionFalse, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
			cond(v1.NodeReady, v1.ConditionTrue, "KubeletReady", "kubelet-sim is posting ready status"),
		},
		Addresses: []v1.NodeAddress{
			{Type: v1.NodeInternalIP, Address: addr.String()},
			{Type: v1.NodeHostName, Address: k.cfg.nodeName},
		},
		DaemonEndpoints: v1.NodeDaemonEndpoints{KubeletEndpoint: v1.DaemonEndpoint{Port: 0}},
		NodeInfo: v1.NodeSystemInfo{
			KubeletVersion:          version.Get().GitVersion,
			OperatingSystem:         runtime.GOOS,
			Architecture:            runtime.GOARCH,
			ContainerRuntimeVersion: "kubelet-sim://netns+mountns",
			KernelVersion:           kernelVersion(),
			OSImage:                 "kafka-agent e2e (simulated node)",
		},
	}, nil
}

// reportNodeStatus patches the Node's status (a merge patch: the lists are
// ours and replaced whole).
func (k *Kubelet) reportNodeStatus(ctx context.Context) error {
	st, err := k.nodeStatus()
	if err != nil {
		return err
	}
	body, err := json.Marshal(map[string]any{"status": st})
	if err != nil {
		return err
	}
	_, err = k.client.CoreV1().Nodes().Patch(ctx, k.cfg.nodeName, types.MergePatchType, body, metav1.PatchOptions{}, "status")
	if err != nil {
		return fmt.Errorf("node %s: status patch: %w", k.cfg.nodeName, err)
	}
	return nil
}

// renewLease creates or renews the Node's Lease in kube-node-lease: the node
// lifecycle controller's evidence that the kubelet is alive.
func (k *Kubelet) renewLease(ctx context.Context) error {
	now := metav1.NewMicroTime(time.Now())
	leases := k.client.CoordinationV1().Leases(leaseNamespace)
	body, _ := json.Marshal(map[string]any{"spec": map[string]any{
		"holderIdentity": k.cfg.nodeName, "leaseDurationSeconds": 40, "renewTime": now}})
	_, err := leases.Patch(ctx, k.cfg.nodeName, types.MergePatchType, body, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		node, gerr := k.client.CoreV1().Nodes().Get(ctx, k.cfg.nodeName, metav1.GetOptions{})
		if gerr != nil {
			return gerr
		}
		_, err = leases.Create(ctx, &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: k.cfg.nodeName, OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "v1", Kind: "Node", Name: node.Name, UID: node.UID}}},
			Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To(k.cfg.nodeName),
				LeaseDurationSeconds: ptr.To[int32](40), RenewTime: &now},
		}, metav1.CreateOptions{})
	}
	return err
}

// heartbeat renews the Lease every lease period and reports the Node's status
// every status period, until ctx ends.
func (k *Kubelet) heartbeat(ctx context.Context) {
	lease := time.NewTicker(k.cfg.leasePeriod)
	status := time.NewTicker(k.cfg.statusPeriod)
	defer lease.Stop()
	defer status.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-lease.C:
			if err := k.renewLease(ctx); err != nil && ctx.Err() == nil {
				klog.ErrorS(err, "renewing the node lease failed", "node", k.cfg.nodeName)
			}
		case <-status.C:
			if err := k.reportNodeStatus(ctx); err != nil && ctx.Err() == nil {
				klog.ErrorS(err, "reporting the node status failed", "node", k.cfg.nodeName)
			}
		}
	}
}

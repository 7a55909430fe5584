package main

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"
)

func TestIPAllocatorRoundRobinSkipsUsedAndWraps(t *testing.T) {
	a, err := newIPAllocator("10.244.7.64/29") // .65 .. .70 usable
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for range 6 {
		ip, err := a.allocate()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ip.String())
	}
	want := []string{"10.244.7.65", "10.244.7.66", "10.244.7.67", "10.244.7.68", "10.244.7.69", "10.244.7.70"}
	if !slices.Equal(got, want) {
		t.Fatalf("allocated %v, want %v", got, want)
	}
	if ip, err := a.allocate(); err == nil {
		t.Fatalf("allocated %s from a full range", ip)
	}
	a.release(netip.MustParseAddr("10.244.7.66"))
	ip, err := a.allocate()
	if err != nil || ip.String() != "10.244.7.66" {
		t.Fatalf("after a release got %v, %v; want 10.244.7.66", ip, err)
	}
}

func TestIPAllocatorGivesARecreatedPodANewAddress(t *testing.T) {
	a, _ := newIPAllocator("10.244.7.64/26")
	first, _ := a.allocate()
	a.release(first)
	second, _ := a.allocate()
	if first == second {
		t.Fatalf("the address %s was reused at once; a new pod should get the next one", first)
	}
}

func TestIPAllocatorRejectsTinyOrIPv6Ranges(t *testing.T) {
	for _, cidr := range []string{"10.244.7.64/30", "fd00::/64", "nonsense"} {
		if _, err := newIPAllocator(cidr); err == nil {
			t.Errorf("newIPAllocator(%q) succeeded", cidr)
		}
	}
}

func TestImageTable(t *testing.T) {
	dir := t.TempDir()
	rootfs := filepath.Join(dir, "rootfs")
	if err := os.Mkdir(rootfs, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "images.json")
	write := func(s string) {
		if err := os.WriteFile(file, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(`{"images": [
	  {"match": "kafka-agent:*", "rootfs": "` + rootfs + `", "entrypoint": ["/kafka-agent"], "user": "65532:65532"},
	  {"match": "apache/kafka:*", "entrypoint": ["/etc/kafka/docker/run"]}]}`)
	c, err := loadImages(file)
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := c.lookup("kafka-agent:0.1.0"); !ok || e.Rootfs != rootfs {
		t.Errorf("kafka-agent:0.1.0 -> %+v, %t", e, ok)
	}
	if e, ok := c.lookup("apache/kafka:4.4.0"); !ok || e.Rootfs != "" {
		t.Errorf("apache/kafka:4.4.0 -> %+v, %t", e, ok)
	}
	if _, ok := c.lookup("registry.example.com/streaming/kafka-agent:0.1.0"); ok {
		t.Error("a pattern without a registry matched an image with one")
	}
	for _, bad := range []string{
		`{"images": [{"match": "x:*", "rootfs": "/does/not/exist", "entrypoint": ["/x"]}]}`,
		`{"images": [{"match": "x:*"}]}`,
		`{"images": [{"match": "[", "entrypoint": ["/x"]}]}`,
		`{"images": [{"match": "x:*", "entrypoint": ["/x"], "typo": 1}]}`,
	} {
		write(bad)
		if _, err := loadImages(file); err == nil {
			t.Errorf("loadImages accepted %s", bad)
		}
	}
}

func TestContainerUserPrecedence(t *testing.T) {
	img := &imageEntry{Match: "x:*", User: "65532:65533"}
	pod := &v1.Pod{Spec: v1.PodSpec{SecurityContext: &v1.PodSecurityContext{RunAsUser: ptr.To[int64](1000), RunAsGroup: ptr.To[int64](1000)}}}
	c := &v1.Container{}
	if u, g, _ := containerUser(pod, c, img); u != 1000 || g != 1000 {
		t.Errorf("pod's runAsUser: got %d:%d, want 1000:1000", u, g)
	}
	c.SecurityContext = &v1.SecurityContext{RunAsUser: ptr.To[int64](65532), RunAsGroup: ptr.To[int64](65532)}
	if u, g, _ := containerUser(pod, c, img); u != 65532 || g != 65532 {
		t.Errorf("container's runAsUser: got %d:%d, want 65532:65532", u, g)
	}
	if u, g, _ := containerUser(&v1.Pod{}, &v1.Container{}, img); u != 65532 || g != 65533 {
		t.Errorf("image's user: got %d:%d, want 65532:65533", u, g)
	}
	nonRoot := &v1.Pod{Spec: v1.PodSpec{SecurityContext: &v1.PodSecurityContext{RunAsNonRoot: ptr.To(true)}}}
	if _, _, err := containerUser(nonRoot, &v1.Container{}, &imageEntry{}); err == nil {
		t.Error("runAsNonRoot with a root image was accepted")
	}
}

func TestContainerEnvAsTheKubeletBuildsIt(t *testing.T) {
	client := fake.NewSimpleClientset(
		&v1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "kafka", Name: "ids"}, Data: map[string][]byte{"CLUSTER_ID": []byte("abc")}},
		&v1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "kafka", Name: "cm"}, Data: map[string]string{"A": "from-cm"}},
		&v1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "kafka", Name: "kafka"},
			Spec: v1.ServiceSpec{ClusterIP: "10.96.0.9", Ports: []v1.ServicePort{{Name: "tcp", Port: 9092, Protocol: v1.ProtocolTCP}}}},
	)
	k := &Kubelet{client: client, cfg: config{nodeIP: "10.244.7.1", capacity: "cpu=4,memory=8Gi"}}
	pod := &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "kafka", Name: "kafka-2", UID: "u-1", Labels: map[string]string{"app": "kafka"}},
		Spec:       v1.PodSpec{NodeName: "node-3", ServiceAccountName: "kafka", EnableServiceLinks: ptr.To(false)},
	}
	w := &podWorker{k: k, pod: pod, podIP: netip.MustParseAddr("10.244.7.130")}
	c := &v1.Container{Name: "kafka",
		EnvFrom: []v1.EnvFromSource{{Prefix: "CM_", ConfigMapRef: &v1.ConfigMapEnvSource{LocalObjectReference: v1.LocalObjectReference{Name: "cm"}}}},
		Env: []v1.EnvVar{
			{Name: "POD_NAME", ValueFrom: &v1.EnvVarSource{FieldRef: &v1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
			{Name: "POD_NAMESPACE", ValueFrom: &v1.EnvVarSource{FieldRef: &v1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}},
			{Name: "POD_IP", ValueFrom: &v1.EnvVarSource{FieldRef: &v1.ObjectFieldSelector{FieldPath: "status.podIP"}}},
			{Name: "NODE", ValueFrom: &v1.EnvVarSource{FieldRef: &v1.ObjectFieldSelector{FieldPath: "spec.nodeName"}}},
			{Name: "APP", ValueFrom: &v1.EnvVarSource{FieldRef: &v1.ObjectFieldSelector{FieldPath: "metadata.labels['app']"}}},
			{Name: "CLUSTER_ID", ValueFrom: &v1.EnvVarSource{SecretKeyRef: &v1.SecretKeySelector{
				LocalObjectReference: v1.LocalObjectReference{Name: "ids"}, Key: "CLUSTER_ID"}}},
			{Name: "MISSING", ValueFrom: &v1.EnvVarSource{SecretKeyRef: &v1.SecretKeySelector{
				LocalObjectReference: v1.LocalObjectReference{Name: "nope"}, Key: "x", Optional: ptr.To(true)}}},
			{Name: "FQDN", Value: "$(POD_NAME).kafka-headless.$(POD_NAMESPACE).svc"},
			{Name: "ESCAPED", Value: "$$(POD_NAME)"},
			{Name: "KAFKA_HEAP_OPTS", Value: "-Xmx1g"},
		}}
	img := &imageEntry{Env: []string{"PATH=/bin", "KAFKA_HEAP_OPTS=-Xmx384m"}}
	env, err := w.containerEnv(context.Background(), pod, c, img)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		got[k] = v // later entries win, as with env -i
	}
	want := map[string]string{
		"PATH": "/bin", "CM_A": "from-cm", "POD_NAME": "kafka-2", "POD_NAMESPACE": "kafka",
		"POD_IP": "10.244.7.130", "NODE": "node-3", "APP": "kafka", "CLUSTER_ID": "abc",
		"FQDN": "kafka-2.kafka-headless.kafka.svc", "ESCAPED": "$(POD_NAME)", "KAFKA_HEAP_OPTS": "-Xmx1g",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s=%q, want %q", k, got[k], v)
		}
	}
	if _, ok := got["MISSING"]; ok {
		t.Error("an optional ref to a missing Secret set a variable")
	}
	if _, ok := got["KAFKA_PORT"]; ok {
		t.Error("service links are off, yet KAFKA_PORT is set")
	}

	// Service links on (the default): the docker-link variables of the
	// Services in the namespace appear (what enableServiceLinks: false in
	// the manifest keeps out of Kafka's KAFKA_* environment).
	pod.Spec.EnableServiceLinks = nil
	env, err = w.containerEnv(context.Background(), pod, &v1.Container{Name: "x"}, &imageEntry{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(env, "KAFKA_PORT=tcp://10.96.0.9:9092") || !slices.Contains(env, "KAFKA_SERVICE_HOST=10.96.0.9") {
		t.Errorf("service links missing: %v", env)
	}

	// A required key that does not exist is an error naming it.
	bad := &v1.Container{Name: "x", Env: []v1.EnvVar{{Name: "X", ValueFrom: &v1.EnvVarSource{
		SecretKeyRef: &v1.SecretKeySelector{LocalObjectReference: v1.LocalObjectReference{Name: "ids"}, Key: "NOPE"}}}}}
	if _, err := w.containerEnv(context.Background(), pod, bad, &imageEntry{}); err == nil || !strings.Contains(err.Error(), "NOPE") {
		t.Errorf("missing key: err %v", err)
	}
}

func TestBuildStatusConditionsAndReadiness(t *testing.T) {
	k := &Kubelet{cfg: config{nodeIP: "10.244.7.1"}}
	pod := &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "kafka", Name: "kafka-0", Generation: 1},
		Spec: v1.PodSpec{
			InitContainers: []v1.Container{{Name: "init"}, {Name: "side", RestartPolicy: ptr.To(v1.ContainerRestartPolicyAlways)}},
			Containers:     []v1.Container{{Name: "kafka"}},
		},
		Status: v1.PodStatus{Conditions: []v1.PodCondition{{Type: v1.PodScheduled, Status: v1.ConditionTrue}}},
	}
	w := newPodWorker(k, pod)
	w.podIP = netip.MustParseAddr("10.244.7.65")
	cond := func(st v1.PodStatus, t v1.PodConditionType) v1.ConditionStatus {
		for _, c := range st.Conditions {
			if c.Type == t {
				return c.Status
			}
		}
		return ""
	}
	st := w.buildStatus()
	if st.Phase != v1.PodPending || cond(st, v1.PodInitialized) != v1.ConditionFalse || cond(st, v1.PodReady) != v1.ConditionFalse {
		t.Fatalf("new pod: phase %s, Initialized %s, Ready %s", st.Phase, cond(st, v1.PodInitialized), cond(st, v1.PodReady))
	}
	if cond(st, v1.PodScheduled) != v1.ConditionTrue {
		t.Error("the scheduler's PodScheduled condition was dropped")
	}
	running := v1.ContainerState{Running: &v1.ContainerStateRunning{}}
	w.ctrs[0].state = v1.ContainerState{Terminated: &v1.ContainerStateTerminated{ExitCode: 0}}
	w.ctrs[1].state, w.ctrs[1].started, w.ctrs[1].ready = running, true, true
	w.ctrs[2].state, w.ctrs[2].started = running, true
	w.phase = v1.PodRunning
	st = w.buildStatus()
	if cond(st, v1.PodInitialized) != v1.ConditionTrue || cond(st, v1.PodReady) != v1.ConditionFalse {
		t.Fatalf("main not ready: Initialized %s, Ready %s", cond(st, v1.PodInitialized), cond(st, v1.PodReady))
	}
	if len(st.InitContainerStatuses) != 2 || len(st.ContainerStatuses) != 1 || st.PodIP != "10.244.7.65" {
		t.Fatalf("statuses: %d init, %d main, IP %q", len(st.InitContainerStatuses), len(st.ContainerStatuses), st.PodIP)
	}
	w.ctrs[2].ready = true
	st = w.buildStatus()
	if cond(st, v1.PodReady) != v1.ConditionTrue || cond(st, v1.ContainersReady) != v1.ConditionTrue {
		t.Fatalf("all ready: Ready %s", cond(st, v1.PodReady))
	}
	readySince := w.conds[v1.PodReady].LastTransitionTime
	st = w.buildStatus()
	if got := w.conds[v1.PodReady].LastTransitionTime; !got.Equal(&readySince) {
		t.Error("Ready's lastTransitionTime moved without a transition (minReadySeconds counts from it)")
	}
	// A sidecar that is not ready keeps the pod from Ready (Kubernetes >= 1.29).
	w.ctrs[1].ready = false
	if st = w.buildStatus(); cond(st, v1.PodReady) != v1.ConditionFalse {
		t.Error("pod Ready although its sidecar is not")
	}
	// A readiness gate whose condition is absent keeps the pod from Ready.
	w.ctrs[1].ready = true
	w.pod.Spec.ReadinessGates = []v1.PodReadinessGate{{ConditionType: "example.com/gate"}}
	if st = w.buildStatus(); cond(st, v1.PodReady) != v1.ConditionFalse {
		t.Error("pod Ready although its readiness gate is not true")
	}
}

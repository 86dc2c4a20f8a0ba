package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/easlab/easlab/clients"
)

// The files under deploy/ that TestDeploy checks, and go.mod, whose Go
// version the Dockerfile's build image must match.
var deployFileNames = []string{
	"kubernetes/easlab-serve.yaml", "kubernetes/fleet-job.yaml",
	"prometheus/prometheus.yml", "grafana/easlab-dashboard.json", "Dockerfile",
}

// TestDeploy checks deploy/ against the binary: every easlab command line
// in the manifests and the Dockerfile names a real subcommand and only its
// flags, with values that parse; the Job's shards agree with its
// completions; ports agree between args, containerPorts, the Service, the
// fleet's --url and the scrape config; and every metric that the scrape
// config and the dashboard name is one the server or the fleet exports.
// Then it shows that these checks fail on a misspelt flag, a misspelt
// metric, a bad value, and manifests that disagree.
func TestDeploy(t *testing.T) {
	files := readDeployFiles(t)
	metrics := gatherMetricNames(t)
	if errs := checkDeploy(files, metrics); len(errs) != 0 {
		for _, err := range errs {
			t.Error(err)
		}
		t.FailNow()
	}
	for _, m := range []struct {
		file, old, new, want string
	}{
		{"kubernetes/fleet-job.yaml", "--devices=19000", "--device=19000", "unknown flag: --device"},
		{"kubernetes/easlab-serve.yaml", "--demo-users=500", "--demo-user=500", "unknown flag: --demo-user"},
		{"kubernetes/easlab-serve.yaml", "- serve\n", "- serv\n", "names no subcommand"},
		{"kubernetes/fleet-job.yaml", "--ramp=5m", "--ramp=5 minutes", `invalid argument "5 minutes" for "--ramp"`},
		{"kubernetes/fleet-job.yaml", "--devices=19000", "--devices=19k", `invalid argument "19k" for "--devices"`},
		{"kubernetes/fleet-job.yaml", "--shard=$(JOB_COMPLETION_INDEX)/4", "--shard=$(JOB_INDEX)/4", "$(JOB_INDEX) is not set"},
		{"kubernetes/fleet-job.yaml", "--shard=$(JOB_COMPLETION_INDEX)/4", "--shard=$(JOB_COMPLETION_INDEX)/5", "completions 4 but --shard I/5"},
		{"kubernetes/fleet-job.yaml", "completions: 4", "completions: 3", "completions 3 and parallelism 4"},
		{"kubernetes/fleet-job.yaml", "completionMode: Indexed", "completionMode: NonIndexed", "completionMode NonIndexed"},
		{"kubernetes/fleet-job.yaml", "--profiles=iphone:60", "--profiles=nokia:60", `unknown profile "nokia"`},
		{"kubernetes/fleet-job.yaml", "resource: limits.memory", "resource: requests.memory", "GOMEMLIMIT should come from its limits.memory"},
		{"kubernetes/easlab-serve.yaml", "name: GOMEMLIMIT", "name: GOMEMLIMT", "GOMEMLIMIT should come from its limits.memory"},
		{"kubernetes/fleet-job.yaml", "--user-count=500", "--user-count=3", "3 mailboxes cannot fill 4 shards"},
		{"kubernetes/fleet-job.yaml", "containerPort: 9100", "containerPort: 9101", "listens on 9100, not a containerPort"},
		{"kubernetes/fleet-job.yaml", "--url=http://easlab-serve:8080", "--url=http://easlab-server:8080", `no Service "easlab-server"`},
		{"kubernetes/fleet-job.yaml", "--url=http://easlab-serve:8080", "--url=http://easlab-serve:80", "Service easlab-serve has no port 80"},
		{"kubernetes/easlab-serve.yaml", "--listen=0.0.0.0:8080", "--listen=0.0.0.0:8081", "listens on 8081, not a containerPort"},
		{"kubernetes/easlab-serve.yaml", "targetPort: http", "targetPort: web", `targetPort "web" is not a port of the pods`},
		{"prometheus/prometheus.yml", "regex: metrics\n", "regex: metric\n", `job easlab-fleet: no pod has a port named like "metric"`},
		{"prometheus/prometheus.yml", "regex: fleet\n", "regex: fleets\n", "job easlab-fleet: its relabelling keeps no pod"},
		{"prometheus/prometheus.yml", "names: [easlab]", "names: [default]", "does not look in namespace easlab"},
		{"prometheus/prometheus.yml", "|process_open_fds|", "|process_open_fd|", `metric "process_open_fd"`},
		{"grafana/easlab-dashboard.json", "sum by (state) (easlab_fleet_devices)", "sum by (state) (easlab_fleet_device)", `metric "easlab_fleet_device" is neither`},
		{"grafana/easlab-dashboard.json", "rate(easlab_fleet_requests_total[", "rate(easlab_fleet_request_total[", `metric "easlab_fleet_request_total" is neither`},
		{"grafana/easlab-dashboard.json", "easlab_eas_request_duration_seconds_bucket", "easlab_eas_request_duration_seconds_buckets", `metric "easlab_eas_request_duration_seconds_buckets" is neither`},
		{"grafana/easlab-dashboard.json", "sum by (command, http_status)", "sum by (command, status)", `label "status" is not one of [easlab_eas_requests_total]`},
		{"grafana/easlab-dashboard.json", `easlab_fleet_devices{state=\"holding\"}`, `easlab_fleet_devices{sate=\"holding\"}`, `label "sate" is not one of easlab_fleet_devices`},
		{"grafana/easlab-dashboard.json", "easlab_ping_wake_seconds_bucket", "easlab_ping_wake_second_bucket", `metric "easlab_ping_wake_second_bucket" is neither`},
		{"Dockerfile", `ENTRYPOINT ["/usr/local/bin/easlab"]`, `ENTRYPOINT ["/easlab"]`, `runs "/usr/local/bin/easlab", but the image's ENTRYPOINT is "/easlab"`},
		{"Dockerfile", `CMD ["serve", "--listen=0.0.0.0:8080"`, `CMD ["serve", "--listen-on=0.0.0.0:8080"`, "unknown flag: --listen-on"},
		{"Dockerfile", "FROM golang:1.26 AS build", "FROM golang:1.24 AS build", "builds with golang:1.24"},
	} {
		if !strings.Contains(files[m.file], m.old) {
			t.Fatalf("%s has no %q to change", m.file, m.old)
		}
		changed := maps.Clone(files)
		changed[m.file] = strings.Replace(files[m.file], m.old, m.new, 1)
		errs := checkDeploy(changed, metrics)
		if !slices.ContainsFunc(errs, func(err error) bool { return strings.Contains(err.Error(), m.want) }) {
			t.Errorf("%s with %q for %q: want an error with %q, got %v", m.file, m.new, m.old, m.want, errs)
		}
	}
}

// readDeployFiles reads deployFileNames and go.mod.
func readDeployFiles(t *testing.T) map[string]string {
	t.Helper()
	files := map[string]string{}
	for _, name := range deployFileNames {
		b, err := os.ReadFile(filepath.Join("..", "..", "deploy", filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(b)
	}
	b, err := os.ReadFile(filepath.Join("..", "..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	files["go.mod"] = string(b)
	return files
}

// metricFamilies are the metric families of the server and the fleet.
type metricFamilies struct {
	types  map[string]string          // by name: counter, gauge, histogram...
	labels map[string]map[string]bool // by name: the label names of its series
}

// gatherMetricNames runs `easlab serve` and a fleet against it, with one
// device refused (a wrong password) so that the error counter has a
// series, until every device is set up or refused and the others hold
// their Pings; it returns the metric families of the server's /metrics
// and of the fleet's registry.
func gatherMetricNames(t *testing.T) metricFamilies {
	t.Helper()
	base := serveForTest(t, serveConfig{demoUsers: 2})
	fm := newFleetMetrics(clients.Shard{Index: 0, Count: 1})
	mix, err := parseMix("iphone:1")
	if err != nil {
		t.Fatal(err)
	}
	fl := clients.NewFleet(clients.FleetOptions{
		BaseURL: base + "/Microsoft-Server-ActiveSync", Devices: 3, Mix: mix, Seed: 1, Observe: fm.observe,
		Account: func(i int) (string, string) {
			if i == 2 {
				return "user00001@contoso.com", "wrong"
			}
			return fmt.Sprintf("user%05d@contoso.com", i+1), "Passw0rd!"
		},
	})
	fm.watch(fl)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { fl.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(30 * time.Second)
	for _, setUp, failed, holding := fl.Devices(); setUp != 2 || failed != 1 || holding != 2; _, setUp, failed, holding = fl.Devices() {
		if time.Now().After(deadline) {
			t.Fatalf("the fleet did not settle: %v", fl.Report())
		}
		time.Sleep(5 * time.Millisecond)
	}

	names := map[string]string{}
	labels := map[string]map[string]bool{}
	addLabel := func(family, label string) {
		if labels[family] == nil {
			labels[family] = map[string]bool{}
		}
		labels[family][label] = true
	}
	fams, err := fm.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		names[f.GetName()] = strings.ToLower(f.GetType().String())
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				addLabel(f.GetName(), l.GetName())
			}
		}
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		// "# TYPE easlab_held_pings gauge"
		line := sc.Text()
		if f := strings.Fields(line); len(f) == 4 && f[0] == "#" && f[1] == "TYPE" {
			names[f[2]] = f[3]
			continue
		}
		// `easlab_eas_requests_total{command="Ping",http_status="200"} 3`
		series, rest, ok := strings.Cut(line, "{")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		family := series
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if base, ok := strings.CutSuffix(series, suffix); ok && names[base] != "" {
				family = base
			}
		}
		for _, m := range regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)="`).FindAllStringSubmatch(regexp.MustCompile(`"(?:[^"\\]|\\.)*"`).ReplaceAllString(rest, `""`), -1) {
			addLabel(family, m[1])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"easlab_fleet_errors_total", "easlab_fleet_devices", "easlab_eas_requests_total", "easlab_access_decisions_total"} {
		if names[want] == "" {
			t.Fatalf("the registries lack %s: %v", want, names)
		}
	}
	return metricFamilies{types: names, labels: labels}
}

// checkDeploy checks the deploy files (by their name under deploy/, and
// go.mod) against the binary's command tree and the metric families
// (name to type) that the server and the fleet export.
func checkDeploy(files map[string]string, families metricFamilies) []error {
	metrics := families.types
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	var pods []*podTemplate
	var services []k8sService
	namespaces := map[string]bool{}
	for _, name := range []string{"kubernetes/easlab-serve.yaml", "kubernetes/fleet-job.yaml"} {
		dec := yaml.NewDecoder(strings.NewReader(files[name]))
		for n := 1; ; n++ {
			var doc k8sObject
			if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				fail("%s: document %d: %v", name, n, err)
				break
			}
			where := fmt.Sprintf("%s: %s %s", name, doc.Kind, doc.Metadata.Name)
			switch doc.Kind {
			case "Namespace":
				namespaces[doc.Metadata.Name] = true
			case "Service":
				s := k8sService{where: where, name: doc.Metadata.Name, namespace: doc.Metadata.Namespace, spec: k8sServiceSpec{Ports: doc.Spec.Ports}}
				if err := doc.Spec.Selector.Decode(&s.spec.Selector); err != nil {
					fail("%s: selector: %v", where, err)
				}
				services = append(services, s)
			case "Deployment", "Job":
				p := &podTemplate{where: where, kind: doc.Kind, namespace: doc.Metadata.Namespace, spec: doc.Spec.Template}
				pods = append(pods, p)
				var sel struct {
					MatchLabels map[string]string `yaml:"matchLabels"`
				}
				if doc.Spec.Selector.Kind != 0 {
					if err := doc.Spec.Selector.Decode(&sel); err != nil {
						fail("%s: selector: %v", where, err)
					}
				}
				if !subset(sel.MatchLabels, p.spec.Metadata.Labels) {
					fail("%s: selector %v does not select its own pods %v", where, sel.MatchLabels, p.spec.Metadata.Labels)
				}
				p.runs = 1
				if doc.Kind == "Job" {
					if doc.Spec.CompletionMode != "Indexed" {
						fail("%s: completionMode %s, want Indexed (each pod a shard)", where, doc.Spec.CompletionMode)
					}
					if doc.Spec.Completions == nil || doc.Spec.Parallelism == nil || *doc.Spec.Completions != *doc.Spec.Parallelism {
						fail("%s: completions %v and parallelism %v differ: the shards must all run at once", where, deref(doc.Spec.Completions), deref(doc.Spec.Parallelism))
					}
					p.indexed = doc.Spec.CompletionMode == "Indexed"
					if doc.Spec.Completions != nil {
						p.runs = *doc.Spec.Completions
					}
				}
			default:
				fail("%s: unexpected kind", where)
			}
		}
	}
	for _, p := range pods {
		if p.namespace == "" || !namespaces[p.namespace] {
			fail("%s: namespace %q is not one the manifests create", p.where, p.namespace)
		}
	}

	// The image's ENTRYPOINT and CMD.
	entry, cmdArgs, err := dockerEntrypoint(files["Dockerfile"])
	if err != nil {
		fail("Dockerfile: %v", err)
	}
	if m := regexp.MustCompile(`(?m)^FROM golang:(\d+\.\d+)\S*`).FindStringSubmatch(files["Dockerfile"]); m == nil {
		fail("Dockerfile: no golang build stage")
	} else if gm := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(files["go.mod"]); gm == nil || gm[1] != m[1] {
		fail("Dockerfile: builds with golang:%s, go.mod wants go %v", m[1], gm)
	}
	if len(cmdArgs) > 0 {
		if _, err := parseCommandLine(append([]string{entry}, cmdArgs...), nil); err != nil {
			fail("Dockerfile: CMD %q: %v", cmdArgs, err)
		}
	}

	// Every easlab command line, once per Job index.
	for _, p := range pods {
		for i := range p.spec.Spec.Containers {
			c := &p.spec.Spec.Containers[i]
			argv := append(slices.Clone(c.Command), c.Args...)
			if len(c.Command) == 0 && entry != "" {
				argv = append([]string{entry}, c.Args...) // args replace the image's CMD only
			}
			if len(argv) == 0 || path.Base(argv[0]) != "easlab" {
				fail("%s: container %s does not run easlab: %q", p.where, c.Name, argv)
				continue
			}
			if entry != "" && argv[0] != entry {
				fail("%s: container %s runs %q, but the image's ENTRYPOINT is %q", p.where, c.Name, argv[0], entry)
			}
			for index := 0; index < max(p.runs, 1); index++ {
				vars := map[string]string{}
				for _, e := range c.Env {
					vars[e.Name] = "" // set, value unknown here
				}
				if p.indexed {
					vars["JOB_COMPLETION_INDEX"] = strconv.Itoa(index) // set by the Job controller
				}
				cmd, err := parseCommandLine(argv, vars)
				if err != nil {
					fail("%s: container %s, index %d: %v", p.where, c.Name, index, err)
					break
				}
				if index > 0 {
					continue
				}
				c.cmd = cmd
			}
			if c.cmd == nil {
				continue
			}
			// Go's soft memory limit follows the container's, so that a
			// process near it collects harder instead of being killed.
			memLimit := false
			for _, e := range c.Env {
				if e.Name == "GOMEMLIMIT" && e.ValueFrom.ResourceFieldRef.Resource == "limits.memory" {
					memLimit = true
				}
			}
			if !memLimit || c.Resources.Limits["memory"] == "" {
				fail("%s: container %s: GOMEMLIMIT should come from its limits.memory (resourceFieldRef), and it should have one", p.where, c.Name)
			}
			flags := c.cmd.Flags()
			if c.cmd.Name() == "fleet" && p.indexed {
				sh, err := clients.ParseShard(strings.ReplaceAll(flags.Lookup("shard").Value.String(), "$(JOB_COMPLETION_INDEX)", "0"))
				switch {
				case err != nil || !flags.Changed("shard"):
					fail("%s: a fleet in an Indexed Job needs --shard=$(JOB_COMPLETION_INDEX)/N (%v)", p.where, err)
				case sh.Count != p.runs:
					fail("%s: completions %d but --shard I/%d", p.where, p.runs, sh.Count)
				}
			}
			// The port easlab listens on for its metrics.
			listen := map[string]string{"serve": "listen", "fleet": "metrics-listen"}[c.cmd.Name()]
			if listen == "" {
				continue
			}
			_, port, err := net.SplitHostPort(flags.Lookup(listen).Value.String())
			if err != nil {
				fail("%s: container %s: --%s: %v", p.where, c.Name, listen, err)
				continue
			}
			c.metricsPort, _ = strconv.Atoi(port)
			if !slices.ContainsFunc(c.Ports, func(cp k8sPort) bool { return cp.ContainerPort == c.metricsPort }) {
				fail("%s: container %s listens on %d, not a containerPort (%v)", p.where, c.Name, c.metricsPort, c.Ports)
			}
			if a := p.spec.Metadata.Annotations["prometheus.io/port"]; a != "" && a != port {
				fail("%s: annotation prometheus.io/port %s, but easlab listens on %s", p.where, a, port)
			}
		}
	}

	// Services reach a port of the pods they select; fleets' --url names
	// a Service and its port.
	for _, s := range services {
		var sel []*podTemplate
		for _, p := range pods {
			if p.namespace == s.namespace && len(s.spec.Selector) > 0 && subset(s.spec.Selector, p.spec.Metadata.Labels) {
				sel = append(sel, p)
			}
		}
		if len(sel) == 0 {
			fail("%s: its selector %v selects no pods", s.where, s.spec.Selector)
		}
		for _, sp := range s.spec.Ports {
			target := sp.TargetPort
			if target == "" {
				target = strconv.Itoa(sp.Port)
			}
			for _, p := range sel {
				if p.port(target) == 0 {
					fail("%s: targetPort %q is not a port of the pods of %s", s.where, target, p.where)
				}
			}
		}
	}
	for _, p := range pods {
		for _, c := range p.spec.Spec.Containers {
			if c.cmd == nil || c.cmd.Name() != "fleet" {
				continue
			}
			u, err := url.Parse(c.cmd.Flags().Lookup("url").Value.String())
			if err != nil || u.Port() == "" {
				fail("%s: --url %v: want http://SERVICE:PORT", p.where, u)
				continue
			}
			i := slices.IndexFunc(services, func(s k8sService) bool { return s.name == u.Hostname() && s.namespace == p.namespace })
			if i < 0 {
				fail("%s: --url %s: no Service %q in namespace %s", p.where, u, u.Hostname(), p.namespace)
				continue
			}
			if !slices.ContainsFunc(services[i].spec.Ports, func(sp k8sServicePort) bool { return strconv.Itoa(sp.Port) == u.Port() }) {
				fail("%s: --url %s: Service %s has no port %s", p.where, u, u.Hostname(), u.Port())
			}
		}
	}

	// Prometheus finds each easlab container's metrics port.
	var prom struct {
		Global        map[string]any `yaml:"global"`
		ScrapeConfigs []struct {
			JobName     string `yaml:"job_name"`
			MetricsPath string `yaml:"metrics_path"`
			SD          []struct {
				Role       string `yaml:"role"`
				Namespaces struct {
					Names []string `yaml:"names"`
				} `yaml:"namespaces"`
			} `yaml:"kubernetes_sd_configs"`
			Relabel       []relabel `yaml:"relabel_configs"`
			MetricRelabel []relabel `yaml:"metric_relabel_configs"`
		} `yaml:"scrape_configs"`
	}
	dec := yaml.NewDecoder(strings.NewReader(files["prometheus/prometheus.yml"]))
	dec.KnownFields(true)
	if err := dec.Decode(&prom); err != nil {
		fail("prometheus/prometheus.yml: %v", err)
	}
	scraped := map[*k8sContainer]string{}
	// The labels Prometheus adds to every series of a target.
	targetLabels := map[string]bool{"job": true, "instance": true}
	for _, sc := range prom.ScrapeConfigs {
		where := "prometheus/prometheus.yml: job " + sc.JobName
		if sc.MetricsPath != "" && sc.MetricsPath != "/metrics" {
			fail("%s: metrics_path %s; easlab serves /metrics", where, sc.MetricsPath)
		}
		if len(sc.SD) != 1 || sc.SD[0].Role != "pod" {
			fail("%s: want one kubernetes_sd_config of role pod", where)
			continue
		}
		kept := 0
		for _, p := range pods {
			if !slices.Contains(sc.SD[0].Namespaces.Names, p.namespace) {
				fail("%s: does not look in namespace %s of %s", where, p.namespace, p.where)
				continue
			}
			keepPod, portRe := true, ""
			for _, r := range sc.Relabel {
				if r.Action != "keep" || len(r.SourceLabels) != 1 {
					continue
				}
				re, err := regexp.Compile("^(?:" + r.Regex + ")$")
				if err != nil {
					fail("%s: regex %q: %v", where, r.Regex, err)
					continue
				}
				switch src := r.SourceLabels[0]; {
				case src == "__meta_kubernetes_pod_container_port_name":
					portRe = r.Regex
				case strings.HasPrefix(src, "__meta_kubernetes_pod_label_"):
					v, ok := promLabel(p.spec.Metadata.Labels, strings.TrimPrefix(src, "__meta_kubernetes_pod_label_"))
					keepPod = keepPod && ok && re.MatchString(v)
				default:
					fail("%s: keeps by %s, which this test does not know", where, src)
				}
			}
			if !keepPod {
				continue
			}
			kept++
			if portRe == "" {
				fail("%s: keeps every port of %s, not only its metrics port", where, p.where)
				continue
			}
			re := regexp.MustCompile("^(?:" + portRe + ")$")
			for i := range p.spec.Spec.Containers {
				c := &p.spec.Spec.Containers[i]
				j := slices.IndexFunc(c.Ports, func(cp k8sPort) bool { return re.MatchString(cp.Name) })
				switch {
				case j < 0:
					fail("%s: no pod has a port named like %q (%s has %v)", where, portRe, p.where, c.Ports)
				case c.Ports[j].ContainerPort != c.metricsPort:
					fail("%s: scrapes port %s (%d) of %s, but easlab serves its metrics on %d", where, c.Ports[j].Name, c.Ports[j].ContainerPort, p.where, c.metricsPort)
				default:
					scraped[c] = sc.JobName
				}
			}
		}
		if kept == 0 {
			fail("%s: its relabelling keeps no pod of the manifests", where)
		}
		for _, r := range sc.Relabel {
			if r.TargetLabel != "" && !strings.HasPrefix(r.TargetLabel, "__") {
				targetLabels[r.TargetLabel] = true
			}
		}
		for _, r := range sc.MetricRelabel {
			if slices.Equal(r.SourceLabels, []string{"__name__"}) {
				for _, alt := range strings.Split(r.Regex, "|") {
					if err := checkMetricPattern(alt, metrics); err != nil {
						fail("%s: metric_relabel_configs: %v", where, err)
					}
				}
			}
		}
	}
	for _, p := range pods {
		for i := range p.spec.Spec.Containers {
			if c := &p.spec.Spec.Containers[i]; c.metricsPort != 0 && scraped[c] == "" {
				fail("prometheus/prometheus.yml: no job scrapes %s, container %s", p.where, c.Name)
			}
		}
	}

	// The dashboard's queries name real metrics.
	var dash any
	if err := json.Unmarshal([]byte(files["grafana/easlab-dashboard.json"]), &dash); err != nil {
		fail("grafana/easlab-dashboard.json: %v", err)
	}
	exprs := 0
	walkJSON(dash, func(key string, v any) {
		s, ok := v.(string)
		if key != "expr" || !ok {
			return
		}
		exprs++
		names := promqlMetricNames(s)
		if len(names) == 0 {
			fail("grafana/easlab-dashboard.json: %q names no metric", s)
		}
		for _, n := range names {
			if err := checkMetric(n, metrics); err != nil {
				fail("grafana/easlab-dashboard.json: %v in %q", err, s)
			}
		}
		for _, err := range checkLabels(s, names, families, targetLabels) {
			fail("grafana/easlab-dashboard.json: %v in %q", err, s)
		}
	})
	if exprs == 0 {
		fail("grafana/easlab-dashboard.json: no queries")
	}
	return errs
}

// parseCommandLine parses argv (argv[0] the easlab binary) as Kubernetes
// would run it, with $(VAR) replaced from vars, on the binary's command
// tree: it returns the subcommand with its flags parsed, or why not.
func parseCommandLine(argv []string, vars map[string]string) (*cobra.Command, error) {
	args := make([]string, 0, len(argv)-1)
	for _, a := range argv[1:] {
		var err error
		a = k8sVarRef.ReplaceAllStringFunc(a, func(m string) string {
			name := m[2 : len(m)-1]
			v, ok := vars[name]
			if !ok {
				err = fmt.Errorf("%s: $(%s) is not set in the container, so Kubernetes leaves it as is", a, name)
			}
			return v
		})
		if err != nil {
			return nil, err
		}
		args = append(args, a)
	}
	root := newRootCmd()
	cmd, rest, err := root.Find(args)
	if err != nil || cmd == root || !cmd.Runnable() {
		return nil, fmt.Errorf("%q names no subcommand of easlab (%v)", args, err)
	}
	if err := cmd.ParseFlags(rest); err != nil {
		return nil, fmt.Errorf("easlab %s: %w", cmd.Name(), err)
	}
	if err := cmd.ValidateArgs(cmd.Flags().Args()); err != nil {
		return nil, fmt.Errorf("easlab %s: %w", cmd.Name(), err)
	}
	f := cmd.Flags()
	get := func(name string) string { return f.Lookup(name).Value.String() }
	switch cmd.Name() {
	case "serve":
		if _, _, err := net.SplitHostPort(get("listen")); err != nil {
			return nil, fmt.Errorf("easlab serve --listen: %w", err)
		}
	case "fleet":
		if _, err := parseMix(get("profiles")); err != nil {
			return nil, err
		}
		if _, err := clients.ParseSteady(get("steady")); err != nil {
			return nil, err
		}
		if strings.Count(get("users"), "%") != 1 {
			return nil, fmt.Errorf("--users %q: want one %%d", get("users"))
		}
		devices, _ := f.GetInt("devices")
		users, _ := f.GetInt("user-count")
		if _, _, err := parseShard(fleetConfig{shard: get("shard"), devices: devices, userCount: users}); err != nil {
			return nil, err
		}
		if u, err := url.Parse(get("url")); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("--url %q: want http://HOST:PORT", get("url"))
		}
	}
	return cmd, nil
}

// dockerEntrypoint returns the Dockerfile's last ENTRYPOINT and CMD, in
// exec (JSON) form.
func dockerEntrypoint(dockerfile string) (entry string, cmd []string, err error) {
	for _, line := range strings.Split(dockerfile, "\n") {
		word, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
		var dst *[]string
		var ep []string
		switch word {
		case "ENTRYPOINT":
			dst = &ep
		case "CMD":
			dst = &cmd
		default:
			continue
		}
		if err := json.Unmarshal([]byte(rest), dst); err != nil {
			return "", nil, fmt.Errorf("%s %s: want the exec form [\"...\"]: %w", word, rest, err)
		}
		if word == "ENTRYPOINT" {
			if len(ep) != 1 {
				return "", nil, fmt.Errorf("ENTRYPOINT %s: want the binary alone", rest)
			}
			entry = ep[0]
		}
	}
	if entry == "" {
		return "", nil, errors.New("no ENTRYPOINT")
	}
	return entry, cmd, nil
}

// promqlMetricNames returns the metric names in a PromQL expression (as
// Grafana stores it, with $variables): the identifiers outside strings,
// label matchers, ranges and grouping clauses that do not call a function.
func promqlMetricNames(expr string) []string {
	for _, re := range []string{
		`"(?:[^"\\]|\\.)*"`, `'(?:[^'\\]|\\.)*'`, "`[^`]*`", // strings
		`\$\{[^}]*\}`, `\$\w+`, // Grafana variables
		`\{[^}]*\}`, `\[[^\]]*\]`, // matchers, ranges
		`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`,
	} {
		expr = regexp.MustCompile(re).ReplaceAllString(expr, " ")
	}
	keywords := map[string]bool{"and": true, "or": true, "unless": true, "bool": true, "offset": true, "by": true, "without": true,
		"on": true, "ignoring": true, "group_left": true, "group_right": true, "inf": true, "nan": true, "atan2": true}
	var names []string
	for _, loc := range regexp.MustCompile(`[A-Za-z_:][A-Za-z0-9_:]*`).FindAllStringIndex(expr, -1) {
		if loc[0] > 0 && strings.ContainsAny(expr[loc[0]-1:loc[0]], "0123456789.") {
			continue // 1e3, 0.5e-3
		}
		word := expr[loc[0]:loc[1]]
		if keywords[strings.ToLower(word)] || strings.HasPrefix(strings.TrimSpace(expr[loc[1]:]), "(") {
			continue
		}
		names = append(names, word)
	}
	return names
}

// checkMetric says whether name is a series of a metric family in metrics
// (a histogram's _bucket, _sum and _count included).
func checkMetric(name string, metrics map[string]string) error {
	typeOf := func(n string) string { return metrics[n] }
	if typeOf(name) != "" {
		return nil
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok {
			if t := typeOf(base); t == "histogram" || (t == "summary" && suffix != "_bucket") {
				return nil
			}
		}
	}
	return fmt.Errorf("metric %q is neither the server's nor the fleet's", name)
}

// checkLabels checks the label names of a PromQL expression: those of a
// selector's matchers are labels of its metric's series or of the target,
// and those of a grouping clause (by, without, on, ignoring) are labels of
// one of the expression's metrics or of the target.
func checkLabels(expr string, metrics []string, families metricFamilies, target map[string]bool) []error {
	var errs []error
	has := func(metric, label string) bool {
		if target[label] {
			return true
		}
		family := metric
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if base, ok := strings.CutSuffix(metric, suffix); ok && families.types[base] != "" {
				family = base
				if suffix == "_bucket" && label == "le" {
					return true
				}
			}
		}
		return families.labels[family][label]
	}
	expr = regexp.MustCompile(`\$\{[^}]*\}|\$\w+`).ReplaceAllString(expr, " ")
	for _, m := range regexp.MustCompile(`([A-Za-z_:][A-Za-z0-9_:]*)\s*\{([^}]*)\}`).FindAllStringSubmatch(expr, -1) {
		for _, l := range regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)`).FindAllStringSubmatch(m[2], -1) {
			if !has(m[1], l[1]) {
				errs = append(errs, fmt.Errorf("label %q is not one of %s", l[1], m[1]))
			}
		}
	}
	for _, g := range regexp.MustCompile(`\b(?:by|without|on|ignoring)\s*\(([^)]*)\)`).FindAllStringSubmatch(expr, -1) {
		for _, l := range strings.Split(g[1], ",") {
			if l = strings.TrimSpace(l); l != "" && !slices.ContainsFunc(metrics, func(m string) bool { return has(m, l) }) {
				errs = append(errs, fmt.Errorf("label %q is not one of %v", l, metrics))
			}
		}
	}
	return errs
}

// checkMetricPattern checks one alternative of a __name__ regex: a
// literal names a metric; a pattern matches at least one.
func checkMetricPattern(alt string, metrics map[string]string) error {
	if regexp.QuoteMeta(alt) == alt {
		return checkMetric(alt, metrics)
	}
	re, err := regexp.Compile("^(?:" + alt + ")$")
	if err != nil {
		return fmt.Errorf("regex %q: %w", alt, err)
	}
	for n := range metrics {
		if re.MatchString(n) {
			return nil
		}
	}
	return fmt.Errorf("regex %q matches no metric of the server or the fleet", alt)
}

var (
	// k8sVarRef is a $(VAR) reference that Kubernetes expands in args.
	k8sVarRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)
	// promLabelInvalid are the characters Prometheus replaces in the names
	// of Kubernetes labels.
	promLabelInvalid = regexp.MustCompile(`[^A-Za-z0-9_]`)
)

// promLabel finds the pod label that Prometheus names __meta_kubernetes_
// pod_label_<name>: its name with every character outside [A-Za-z0-9_]
// made '_'.
func promLabel(labels map[string]string, name string) (string, bool) {
	for k, v := range labels {
		if promLabelInvalid.ReplaceAllString(k, "_") == name {
			return v, true
		}
	}
	return "", false
}

func walkJSON(v any, f func(key string, v any)) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			f(k, e)
			walkJSON(e, f)
		}
	case []any:
		for _, e := range v {
			walkJSON(e, f)
		}
	}
}

func subset(a, b map[string]string) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// The parts of Kubernetes objects that checkDeploy reads.
type (
	k8sObject struct {
		Kind     string      `yaml:"kind"`
		Metadata k8sMetadata `yaml:"metadata"`
		Spec     struct {
			// A Deployment's or a Job's {matchLabels: ...}, a Service's
			// map of labels.
			Selector yaml.Node `yaml:"selector"`
			// Deployment and Job
			Template       k8sPodTemplate `yaml:"template"`
			CompletionMode string         `yaml:"completionMode"`
			Completions    *int           `yaml:"completions"`
			Parallelism    *int           `yaml:"parallelism"`
			// Service
			Ports []k8sServicePort `yaml:"ports"`
		} `yaml:"spec"`
	}
	k8sMetadata struct {
		Name        string            `yaml:"name"`
		Namespace   string            `yaml:"namespace"`
		Labels      map[string]string `yaml:"labels"`
		Annotations map[string]string `yaml:"annotations"`
	}
	k8sPodTemplate struct {
		Metadata k8sMetadata `yaml:"metadata"`
		Spec     struct {
			Containers []k8sContainer `yaml:"containers"`
		} `yaml:"spec"`
	}
	k8sContainer struct {
		Name    string    `yaml:"name"`
		Command []string  `yaml:"command"`
		Args    []string  `yaml:"args"`
		Ports   []k8sPort `yaml:"ports"`
		Env     []struct {
			Name      string `yaml:"name"`
			ValueFrom struct {
				ResourceFieldRef struct {
					Resource string `yaml:"resource"`
				} `yaml:"resourceFieldRef"`
			} `yaml:"valueFrom"`
		} `yaml:"env"`
		Resources struct {
			Limits map[string]string `yaml:"limits"`
		} `yaml:"resources"`
		cmd         *cobra.Command // the parsed command line
		metricsPort int            // where it serves /metrics
	}
	k8sPort struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	}
	k8sServiceSpec struct {
		Selector map[string]string `yaml:"selector"`
		Ports    []k8sServicePort  `yaml:"ports"`
	}
	k8sServicePort struct {
		Name       string `yaml:"name"`
		Port       int    `yaml:"port"`
		TargetPort string `yaml:"targetPort"`
	}
	k8sService struct {
		where, name, namespace string
		spec                   k8sServiceSpec
	}
	podTemplate struct {
		where, kind, namespace string
		spec                   k8sPodTemplate
		indexed                bool
		runs                   int // a Job's completions
	}
	relabel struct {
		SourceLabels []string `yaml:"source_labels"`
		Regex        string   `yaml:"regex"`
		Action       string   `yaml:"action"`
		TargetLabel  string   `yaml:"target_label"`
	}
)

// port resolves a Service's targetPort (a name or a number) to a
// containerPort of the pod template; 0 when it has none such.
func (p *podTemplate) port(target string) int {
	for _, c := range p.spec.Spec.Containers {
		for _, cp := range c.Ports {
			if cp.Name == target || strconv.Itoa(cp.ContainerPort) == target {
				return cp.ContainerPort
			}
		}
	}
	return 0
}

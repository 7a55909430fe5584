// CoreDNS with only the plugins the e2e cluster DNS uses: the kubernetes
// plugin (records from the API server's Services and EndpointSlices), bind,
// ready, log and errors. The version is in tests/k8s/versions.env.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"
)

func init() {
	// The order in which the plugins handle a query (CoreDNS' plugin.cfg
	// order, restricted to the ones above).
	dnsserver.Directives = []string{"bind", "ready", "errors", "log", "kubernetes"}
}

func main() { coremain.Run() }

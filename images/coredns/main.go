// coredns is CoreDNS with only the plugins the test cluster's Corefile uses
// (images/README.md): cluster names from the Kubernetes API, a cache, the
// health and readiness endpoints, and the loop/reload/loadbalance/errors/log
// housekeeping. No forward plugin: nothing may be resolved outside the
// cluster. Upstream's main (coredns.go) is the same call with every plugin.
package main

import (
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/loop"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"
)

func main() {
	coremain.Run()
}

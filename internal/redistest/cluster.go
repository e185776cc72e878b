package redistest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// clusterSlots is the number of hash slots of a Redis Cluster.
const clusterSlots = 16384

// Cluster is a Redis Cluster of masters without replicas, each a
// redis-server process stopped when the test ends.
type Cluster struct {
	// Nodes are the masters; node i serves an equal i-th share of the slots.
	Nodes []*Server
}

// StartCluster runs masters cluster nodes, gives each an equal range of
// the 16384 slots, joins them with CLUSTER MEET, and waits until every
// node reports cluster_state:ok and knows every other node's address.
func StartCluster(tb testing.TB, masters int) *Cluster {
	tb.Helper()
	if masters < 1 {
		tb.Fatalf("redistest: a cluster needs at least one master, not %d", masters)
	}
	c := &Cluster{}
	busPorts := make([]int, masters)
	for i := range masters {
		n := start(tb, func(int) (string, []string, error) {
			// The bus port is chosen apart: port+10000, the default, may be
			// above 65535 or taken.
			bus, err := freePort()
			if err != nil {
				return "", nil, err
			}
			busPorts[i] = bus
			return "", []string{
				"--cluster-enabled", "yes",
				"--cluster-config-file", "nodes.conf",
				"--cluster-node-timeout", "1000",
				"--cluster-port", strconv.Itoa(bus),
			}, nil
		}, false)
		c.Nodes = append(c.Nodes, n)
	}
	ctx := context.Background()
	for i, n := range c.Nodes {
		first := i * clusterSlots / masters
		last := (i+1)*clusterSlots/masters - 1
		if err := n.Client().Do(ctx, "CLUSTER", "ADDSLOTSRANGE", first, last).Err(); err != nil {
			tb.Fatalf("redistest: assigning slots %d-%d to %s: %v", first, last, n.Addr, err)
		}
	}
	meet := c.Nodes[0].Client()
	for i, n := range c.Nodes[1:] {
		if err := meet.Do(ctx, "CLUSTER", "MEET", "127.0.0.1", n.port, busPorts[i+1]).Err(); err != nil {
			tb.Fatalf("redistest: joining %s to the cluster: %v", n.Addr, err)
		}
	}
	for _, n := range c.Nodes {
		cl := n.Client()
		waitFor(tb, "cluster node "+n.Addr+" to see the whole cluster", func(ctx context.Context) error {
			info, err := cl.ClusterInfo(ctx).Result()
			if err != nil {
				return err
			}
			m := parseInfo(info)
			if m["cluster_state"] != "ok" || m["cluster_known_nodes"] != strconv.Itoa(masters) {
				return fmt.Errorf("cluster_state %q, %q known nodes", m["cluster_state"], m["cluster_known_nodes"])
			}
			// Every node, itself included, must be listed with its address,
			// or clients would be sent to ":port".
			nodes, err := cl.ClusterNodes(ctx).Result()
			if err != nil {
				return err
			}
			for line := range strings.SplitSeq(strings.TrimSpace(nodes), "\n") {
				if f := strings.Fields(line); len(f) < 2 || !strings.HasPrefix(f[1], "127.0.0.1:") {
					return fmt.Errorf("node line without an address: %q", line)
				}
			}
			return nil
		})
	}
	return c
}

// URL returns a Cluster-form URL: the first node in the host, the others
// as addr parameters, extra query parameters appended.
func (c *Cluster) URL(extra ...string) string {
	var q []string
	for _, n := range c.Nodes[1:] {
		q = append(q, "addr="+n.Addr)
	}
	q = append(q, extra...)
	return "redis://" + c.Nodes[0].Addr + "?" + strings.Join(q, "&")
}

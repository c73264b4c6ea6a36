package proxy

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// descs are an Upstream's metrics, labelled with its name.
type descs struct {
	outstanding, streams, ejected, ejections, retries *prometheus.Desc
}

func newDescs(upstream string) descs {
	l := prometheus.Labels{"upstream": upstream}
	inst := []string{"instance"}
	return descs{
		outstanding: prometheus.NewDesc("gateway_upstream_outstanding", "Requests in flight to an upstream instance (streams not counted).", inst, l),
		streams:     prometheus.NewDesc("gateway_upstream_streams", "Open streams (SSE) to an upstream instance.", inst, l),
		ejected:     prometheus.NewDesc("gateway_upstream_ejected", "1 while an upstream instance is ejected after a failure.", inst, l),
		ejections:   prometheus.NewDesc("gateway_upstream_ejections_total", "Times an upstream instance was ejected after a failure.", inst, l),
		retries:     prometheus.NewDesc("gateway_upstream_retries_total", "Requests sent to a second instance after the first failed.", nil, l),
	}
}

// Describe and Collect make an Upstream a prometheus.Collector: the
// metrics are read from the instances' own counters at scrape time, so the
// request path pays nothing for them, and an instance that is gone from
// the name's addresses is gone from the metrics.
func (u *Upstream) Describe(ch chan<- *prometheus.Desc) {
	d := u.descs
	for _, desc := range []*prometheus.Desc{d.outstanding, d.streams, d.ejected, d.ejections, d.retries} {
		ch <- desc
	}
}

// Collect reports the current instances.
func (u *Upstream) Collect(ch chan<- prometheus.Metric) {
	d, now := u.descs, time.Now().UnixNano()
	for _, in := range u.current.Load().all {
		ejected := 0.0
		if !in.admitted(now) {
			ejected = 1
		}
		ch <- prometheus.MustNewConstMetric(d.outstanding, prometheus.GaugeValue, float64(in.active.Load()), in.addr)
		ch <- prometheus.MustNewConstMetric(d.streams, prometheus.GaugeValue, float64(in.streams.Load()), in.addr)
		ch <- prometheus.MustNewConstMetric(d.ejected, prometheus.GaugeValue, ejected, in.addr)
		ch <- prometheus.MustNewConstMetric(d.ejections, prometheus.CounterValue, float64(in.ejected.Load()), in.addr)
	}
	ch <- prometheus.MustNewConstMetric(d.retries, prometheus.CounterValue, float64(u.retries.Load()))
}

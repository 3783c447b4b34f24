package cli

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"net/http"
)

// agentMetrics are the agent's own Prometheus metrics, served on a
// loopback address with `coder agent --prometheus-address`. No label at
// all: never a secret's name or path.
type agentMetrics struct {
	reg          *prometheus.Registry
	filesWritten prometheus.Counter
	writeErrors  prometheus.Counter
	sessions     prometheus.Counter
}

func newAgentMetrics() *agentMetrics {
	m := &agentMetrics{
		reg: prometheus.NewRegistry(),
		filesWritten: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "coder_agent_files_written_total",
			Help: "File secrets the agent wrote (every manifest it applies writes them all again).",
		}),
		writeErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "coder_agent_file_write_errors_total",
			Help: "File secrets the agent could not write or place.",
		}),
		sessions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "coder_agent_sessions_total",
			Help: "SSH sessions opened on the agent.",
		}),
	}
	m.reg.MustRegister(m.filesWritten, m.writeErrors, m.sessions)
	return m
}

func (m *agentMetrics) filesApplied(written, failed int) {
	m.filesWritten.Add(float64(written))
	m.writeErrors.Add(float64(failed))
}

func (m *agentMetrics) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	return mux
}

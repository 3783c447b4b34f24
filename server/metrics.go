package server

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/usersecrets/coder/sdk"
)

// metrics are the server's Prometheus metrics, on a registry of their own
// (several servers can live in one test process). No label carries a
// user-controlled string: routes are the router's patterns
// ("GET /api/v2/users/{user}/secrets/{name}"), never the request's path,
// and the other labels take values from fixed sets.
type metrics struct {
	reg *prometheus.Registry

	requests        *prometheus.CounterVec
	requestDuration *prometheus.HistogramVec
	builds          *prometheus.CounterVec
	buildDuration   *prometheus.HistogramVec
	manifestFetches *prometheus.CounterVec
	secretOps       *prometheus.CounterVec
	loginFailures   *prometheus.CounterVec
}

// unmatchedRoute labels the requests no route matched (their path is the
// client's, so it never becomes a label).
const unmatchedRoute = "unmatched"

func (s *Server) setupMetrics() {
	reg := prometheus.NewRegistry()
	m := &metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coder_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "coder_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request (to the end of the connection for hijacked ones), by route pattern and method.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method"}),
		builds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coder_builds_total",
			Help: "Workspace builds this process ran to the end, by transition (start, stop, delete) and final status (succeeded, failed, canceled).",
		}, []string{"transition", "status"}),
		buildDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "coder_build_duration_seconds",
			Help:    "How long the builds this process ran took, from claim to result, by transition and final status.",
			Buckets: []float64{1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800},
		}, []string{"transition", "status"}),
		manifestFetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coder_agent_manifest_fetches_total",
			Help: "Agent manifest requests, by status code.",
		}, []string{"code"}),
		secretOps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coder_secret_operations_total",
			Help: "User secret API operations, by action (list, get, create, update, delete) and status code.",
		}, []string{"action", "code"}),
		loginFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coder_login_failures_total",
			Help: "Failed password logins, by reason: credentials (wrong username or password), throttled (too many failures), invalid (a malformed request).",
		}, []string{"reason"}),
	}
	reg.MustRegister(m.requests, m.requestDuration, m.builds, m.buildDuration,
		m.manifestFetches, m.secretOps, m.loginFailures,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "coder_agents_connected",
			Help: "Workspace agents connected to this process.",
		}, func() float64 { return float64(s.agents.Count()) }),
		&queueCollector{s: s},
	)
	if ds, ok := s.store.(interface{ DBStats() (sql.DBStats, bool) }); ok {
		if _, has := ds.DBStats(); has {
			reg.MustRegister(&dbStatsCollector{stats: func() sql.DBStats { st, _ := ds.DBStats(); return st }})
		}
	}
	s.metrics = m
}

// MetricsHandler serves the metrics in Prometheus' text format. The
// server does not route it: `coder server --prometheus-address` serves it
// on a listener of its own.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{ErrorLog: slogPrinter{s}})
}

type slogPrinter struct{ s *Server }

func (p slogPrinter) Println(v ...any) { p.s.logger.Warn("metrics", "error", v) }

// observeRequest records one answered request.
func (m *metrics) observeRequest(r *http.Request, status int, took time.Duration) {
	route := r.Pattern
	if route == "" {
		route = unmatchedRoute
	}
	if status == 0 {
		status = http.StatusOK
	}
	method := r.Method
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default:
		method = "other"
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.requestDuration.WithLabelValues(route, method).Observe(took.Seconds())
}

// buildDone is the provisioner's OnBuildDone.
func (m *metrics) buildDone(transition, status string, took time.Duration) {
	m.builds.WithLabelValues(transition, status).Inc()
	m.buildDuration.WithLabelValues(transition, status).Observe(took.Seconds())
}

// counted wraps a route and counts its answers' status codes with count.
func counted(count func(code int), next http.Handler) http.HandlerFunc {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		count(sw.status)
	})
}

// secretOp counts a secret route's answers under action.
func (s *Server) secretOp(action string, next http.HandlerFunc) http.HandlerFunc {
	return counted(func(code int) {
		s.metrics.secretOps.WithLabelValues(action, strconv.Itoa(code)).Inc()
	}, next)
}

// manifestFetch counts the manifest route's answers.
func (s *Server) manifestFetch(next http.Handler) http.Handler {
	return counted(func(code int) {
		s.metrics.manifestFetches.WithLabelValues(strconv.Itoa(code)).Inc()
	}, next)
}

// loginCounted counts the login route's failures by reason.
func (s *Server) loginCounted(next http.HandlerFunc) http.Handler {
	return counted(func(code int) {
		switch code {
		case http.StatusUnauthorized:
			s.metrics.loginFailures.WithLabelValues("credentials").Inc()
		case http.StatusTooManyRequests:
			s.metrics.loginFailures.WithLabelValues("throttled").Inc()
		default:
			if code >= 400 && code < 500 {
				s.metrics.loginFailures.WithLabelValues("invalid").Inc()
			}
		}
	}, next)
}

// queueCollector reports the builds waiting for a worker, counted in the
// store at each scrape (every server process sharing a database sees the
// same queue).
type queueCollector struct{ s *Server }

var queueDesc = prometheus.NewDesc("coder_provisioner_queue_depth",
	"Workspace builds pending in the store, waiting for a provisioner worker of any server process.", nil, nil)

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- queueDesc }

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	cb, ok := c.s.store.(buildCounter)
	if !ok {
		return
	}
	n, err := cb.CountBuilds(ctx, sdk.BuildPending)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(queueDesc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(queueDesc, prometheus.GaugeValue, float64(n))
}

type buildCounter interface {
	CountBuilds(ctx context.Context, status string) (int, error)
}

// dbStatsCollector reports the store's connection pool.
type dbStatsCollector struct{ stats func() sql.DBStats }

var (
	dbMaxOpen = prometheus.NewDesc("coder_db_max_open_connections", "Maximum number of open connections to the database.", nil, nil)
	dbOpen    = prometheus.NewDesc("coder_db_open_connections", "Open connections to the database, in use or idle.", nil, nil)
	dbInUse   = prometheus.NewDesc("coder_db_in_use_connections", "Database connections in use.", nil, nil)
	dbIdle    = prometheus.NewDesc("coder_db_idle_connections", "Idle database connections.", nil, nil)
	dbWaits   = prometheus.NewDesc("coder_db_wait_total", "Times a query waited for a free database connection.", nil, nil)
	dbWaitSec = prometheus.NewDesc("coder_db_wait_seconds_total", "Time spent waiting for a free database connection.", nil, nil)
)

func (c *dbStatsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{dbMaxOpen, dbOpen, dbInUse, dbIdle, dbWaits, dbWaitSec} {
		ch <- d
	}
}

func (c *dbStatsCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.stats()
	ch <- prometheus.MustNewConstMetric(dbMaxOpen, prometheus.GaugeValue, float64(st.MaxOpenConnections))
	ch <- prometheus.MustNewConstMetric(dbOpen, prometheus.GaugeValue, float64(st.OpenConnections))
	ch <- prometheus.MustNewConstMetric(dbInUse, prometheus.GaugeValue, float64(st.InUse))
	ch <- prometheus.MustNewConstMetric(dbIdle, prometheus.GaugeValue, float64(st.Idle))
	ch <- prometheus.MustNewConstMetric(dbWaits, prometheus.CounterValue, float64(st.WaitCount))
	ch <- prometheus.MustNewConstMetric(dbWaitSec, prometheus.CounterValue, st.WaitDuration.Seconds())
}

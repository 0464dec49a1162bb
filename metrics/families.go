package metrics

// fam is one metric family: its name, type and help. Names follow the
// Prometheus conventions (DESIGN.md: edgegate_<area>_<name>, _total on
// counters, base units _seconds and _bytes).
type fam struct {
	name, typ, help string
	// bucket, sum and count are the sample names of a histogram.
	bucket, sum, count string
	labels             string // the label names, for Families
}

// l sets the label names (documentation: the samples carry them).
func (f *fam) l(labels string) *fam { f.labels = labels; return f }

func counter(name, help string) *fam { return &fam{name: name, typ: "counter", help: help} }
func gauge(name, help string) *fam   { return &fam{name: name, typ: "gauge", help: help} }
func histogram(name, help string) *fam {
	return &fam{name: name, typ: "histogram", help: help, bucket: name + "_bucket", sum: name + "_sum", count: name + "_count"}
}

// Per API, labels service_id, environment, api_id (seed 000, 监控指标).
var (
	fAPIRequests       = counter("edgegate_api_requests_total", "Requests routed to the API, any outcome (seed 请求数).").l("service_id, environment, api_id")
	fAPIValid          = counter("edgegate_api_valid_requests_total", "Requests that passed every gateway check and were forwarded to the backend (seed 有效调用次数).").l("service_id, environment, api_id")
	fAPIRequestBytes   = counter("edgegate_api_request_bytes_total", "Bytes read from callers, head and body.").l("service_id, environment, api_id")
	fAPIResponseBytes  = counter("edgegate_api_response_bytes_total", "Bytes written to callers, head and body (seed 外网/内网出流量).").l("service_id, environment, api_id")
	fAPIFrontendErrors = counter("edgegate_api_frontend_errors_total", "Requests refused by the gateway's checks: IP control, auth, limits; 4xx (seed 前台错误数).").l("service_id, environment, api_id")
	fAPIBackendErrors  = counter("edgegate_api_backend_errors_total", "5xx answers, from the backend or made for it: 502, 504 (seed 后台错误数).").l("service_id, environment, api_id")
	fAPIBackend404     = counter("edgegate_api_backend_404_total", "Backend answers 404 (seed 后台404错误数).").l("service_id, environment, api_id")
	fAPIBackend502     = counter("edgegate_api_backend_502_total", "502 answers: backend unreachable or invalid response (seed 后台502错误数).").l("service_id, environment, api_id")
	fAPIResponses      = counter("edgegate_api_responses_total", "Responses by status class (code label: 1xx to 5xx).").l("service_id, environment, api_id, code")
	fAPILatency        = histogram("edgegate_api_request_duration_seconds", "Time from the request head to the end of the response, gateway total (seed 响应时间).").l("service_id, environment, api_id")
	fAPIBackendLatency = histogram("edgegate_api_backend_duration_seconds", "Time from sending the request to the backend's response head.").l("service_id, environment, api_id")
	fAPIActive         = gauge("edgegate_api_active_requests", "Requests in flight on the API now (seed 并发连接数, per API).").l("service_id, environment, api_id")
)

// Gateway-wide, from edge.Server.Stats and the Each* readers.
var (
	fConns           = gauge("edgegate_connections", "Open client connections (seed 并发连接数).")
	fInflight        = gauge("edgegate_inflight_requests", "Requests being served.")
	fRequests        = counter("edgegate_requests_total", "Request heads served, gateway-made answers included.")
	fGatewayErrors   = counter("edgegate_gateway_errors_total", "Gateway-made 4xx and 5xx answers.")
	fFrontendErrors  = counter("edgegate_frontend_errors_total", "Refusals by IP control, auth and flow control.")
	fConnsRefused    = counter("edgegate_connections_refused_total", "Connections closed at accept by the IP prefilter's accept-time check.")
	fUpstreamDials   = counter("edgegate_upstream_dials_total", "Upstream connections opened.")
	fUpstreamReused  = counter("edgegate_upstream_reused_total", "Requests sent on a pooled upstream connection.")
	fRetries         = counter("edgegate_upstream_retries_total", "Requests retried on another upstream connection.")
	fSwaps           = counter("edgegate_route_swaps_total", "Configuration snapshots installed by the edge.")
	fRevision        = gauge("edgegate_route_revision", "Revision of the configuration snapshot the edge serves.")
	fTLSHandshakes   = counter("edgegate_tls_handshakes_total", "Client TLS handshakes completed.")
	fTLSFailures     = counter("edgegate_tls_handshake_failures_total", "Client TLS handshakes that failed, timed out or found no slot.")
	fUpTLSHandshakes = counter("edgegate_upstream_tls_handshakes_total", "TLS handshakes to HTTPS backends completed.")
	fUpTLSResumed    = counter("edgegate_upstream_tls_resumed_total", "TLS handshakes to HTTPS backends that resumed a session.")
	fUpTLSFailures   = counter("edgegate_upstream_tls_failures_total", "TLS handshakes to HTTPS backends that failed or timed out.")
	fAuthFailures    = counter("edgegate_auth_failures_total", "Authentication refusals by error code.").l("code")
	fLimitRefusals   = counter("edgegate_limit_refusals_total", "Requests refused by a limit, by the 429's code and the rule (strategy, plugin or usage plan id).").l("code, rule")
	fTargetHealthy   = gauge("edgegate_target_healthy", "1 when the backend address is judged healthy (or has no health check), else 0.").l("target")
	fTargetChecked   = gauge("edgegate_target_health_checked", "1 when a health check is configured for the backend address.").l("target")
	fTargetDials     = counter("edgegate_target_dials_total", "Connections opened to the backend address.").l("target")
	fTargetReused    = counter("edgegate_target_reused_total", "Requests sent to the backend address on a pooled connection.").l("target")
	fTargetIdle      = gauge("edgegate_target_idle_connections", "Pooled idle connections to the backend address.").l("target")
)

// Response compression (edge.Server.CompressionStats), for APIs with a
// Compression plugin.
var (
	fZDecisions = counter("edgegate_compression_decisions_total", "Responses of APIs with the Compression plugin, by why they were or were not compressed (reason label: compression.Reason; compressed when reason=\"compressed\").").l("reason")
	fZIn        = counter("edgegate_compression_input_bytes_total", "Identity body bytes fed to the encoders.")
	fZOut       = counter("edgegate_compression_output_bytes_total", "Coded bytes the encoders produced (chunk framing excluded).")
	fZEncoders  = gauge("edgegate_compression_encoders", "Encoders alive in the loops' pools, in use or idle.")
)

// The IP prefilter (bpf.Filter): the accept-time twin always, XDP when
// attached.
var (
	fFwConnsPassed  = counter("edgegate_firewall_connections_passed_total", "Connections the accept-time check passed, by rule.").l("rule")
	fFwConnsRefused = counter("edgegate_firewall_connections_refused_total", "Connections the accept-time check refused, by rule.").l("rule")
	fXDPPassed      = counter("edgegate_xdp_packets_passed_total", "Packets the XDP prefilter passed, by rule (summed over CPUs).").l("rule")
	fXDPDropped     = counter("edgegate_xdp_packets_dropped_total", "Packets the XDP prefilter dropped, by rule (summed over CPUs).").l("rule")
)

// The access log (accesslog.Log.Stats).
var (
	fLogWritten  = counter("edgegate_accesslog_written_total", "Access log lines written.")
	fLogDropped  = counter("edgegate_accesslog_dropped_total", "Access log records dropped because a loop's ring was full (a loop never waits).")
	fLogLost     = counter("edgegate_accesslog_lost_total", "Access log lines the writer could not write (disk errors).")
	fLogSegments = counter("edgegate_accesslog_segments_total", "Access log segments sealed.")
)

// The control plane (admin.Admin).
var (
	fCertExpiry    = gauge("edgegate_certificate_expiry_timestamp_seconds", "When the stored certificate expires (the earliest in its chain), Unix time.").l("certificate_id")
	fStoreSize     = gauge("edgegate_store_size_bytes", "Size of the admin store's file (BuntDB).")
	fAdminRevision = gauge("edgegate_admin_revision", "Revision of the configuration the admin publishes.")
)

// fErrors counts sources that failed to answer a scrape.
var fErrors = counter("edgegate_metrics_errors_total", "Scrapes on which a source failed to answer (source label: certificates, store, firewall); its families are left out.").l("source")

// apiCounters are the per-API counter and gauge families in output order,
// with how each reads an APIStats.
var apiCounters = []struct {
	f   *fam
	get func(*apiRow) uint64
}{
	{fAPIRequests, func(s *apiRow) uint64 { return s.Requests }},
	{fAPIValid, func(s *apiRow) uint64 { return s.Valid }},
	{fAPIRequestBytes, func(s *apiRow) uint64 { return s.RequestBytes }},
	{fAPIResponseBytes, func(s *apiRow) uint64 { return s.ResponseBytes }},
	{fAPIFrontendErrors, func(s *apiRow) uint64 { return s.FrontendErrors }},
	{fAPIBackendErrors, func(s *apiRow) uint64 { return s.BackendErrors }},
	{fAPIBackend404, func(s *apiRow) uint64 { return s.Backend404 }},
	{fAPIBackend502, func(s *apiRow) uint64 { return s.Backend502 }},
}

// Families lists every family the Exporter can write (the README's list
// and the tests iterate it).
func Families() []Family {
	all := []*fam{
		fAPIRequests, fAPIValid, fAPIRequestBytes, fAPIResponseBytes, fAPIFrontendErrors, fAPIBackendErrors,
		fAPIBackend404, fAPIBackend502, fAPIResponses, fAPILatency, fAPIBackendLatency, fAPIActive,
		fConns, fInflight, fRequests, fGatewayErrors, fFrontendErrors, fConnsRefused, fUpstreamDials,
		fUpstreamReused, fRetries, fSwaps, fRevision, fTLSHandshakes, fTLSFailures, fUpTLSHandshakes,
		fUpTLSResumed, fUpTLSFailures, fZDecisions, fZIn, fZOut, fZEncoders, fAuthFailures, fLimitRefusals, fTargetHealthy, fTargetChecked,
		fTargetDials, fTargetReused, fTargetIdle, fFwConnsPassed, fFwConnsRefused, fXDPPassed, fXDPDropped,
		fLogWritten, fLogDropped, fLogLost, fLogSegments, fCertExpiry, fStoreSize, fAdminRevision, fErrors,
	}
	all = append(all, clusterFamilies...)
	out := make([]Family, len(all))
	for i, f := range all {
		out[i] = Family{Name: f.name, Type: f.typ, Labels: f.labels, Help: f.help}
	}
	return out
}

// Family describes one metric family.
type Family struct{ Name, Type, Labels, Help string }

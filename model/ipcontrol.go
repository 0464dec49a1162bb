package model

// IPControl is who may connect or call by address (issue 7): IP
// strategies bound to APIs, and the gateway-wide lists the XDP prefilter
// enforces. IP-control plugins travel in Traffic.Plugins (type IPControl).
type IPControl struct {
	Strategies []IPStrategy `json:"Strategies,omitempty"`
}

// IPStrategy is an IP strategy of a service (seed: IPStrategy).
// StrategyType is WHITE or BLACK; StrategyData the seed's list of IPs and
// CIDRs (and a-b ranges) separated by ';' or line breaks (ipset.Parse). Bindings are the APIs it applies to per
// environment (seed: BindIPStrategy).
type IPStrategy struct {
	StrategyId   string              `json:"StrategyId"`
	ServiceId    string              `json:"ServiceId"`
	StrategyType string              `json:"StrategyType"`
	StrategyData string              `json:"StrategyData"`
	Bindings     []IPStrategyBinding `json:"Bindings,omitempty"`
}

// IPStrategyBinding is one API bound to a strategy in one environment.
type IPStrategyBinding struct {
	Environment string `json:"Environment"`
	ApiId       string `json:"ApiId"`
}

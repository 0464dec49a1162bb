package model

// Traffic is how much may be called and from where across origins
// (issue 6): plugins attached to APIs and environment strategies.
type Traffic struct {
	Plugins    []Plugin      `json:"Plugins,omitempty"`
	Strategies []EnvStrategy `json:"Strategies,omitempty"`
}

// Plugin is a plugin with the APIs it is attached to (seed: Plugin,
// AttachPlugin). PluginType is the seed's wire name: IPControl,
// TrafficControl, TrafficControlByParameter, Cors. PluginData is the JSON
// the operator sent, already validated by the control plane; each type's
// compiler in snapshot/ parses it.
type Plugin struct {
	PluginId    string             `json:"PluginId"`
	PluginName  string             `json:"PluginName,omitempty"`
	PluginType  string             `json:"PluginType"`
	PluginData  string             `json:"PluginData"`
	Attachments []PluginAttachment `json:"Attachments,omitempty"`
}

// PluginAttachment is one API a plugin applies to, in one environment.
type PluginAttachment struct {
	ServiceId   string `json:"ServiceId"`
	Environment string `json:"Environment"`
	ApiId       string `json:"ApiId"`
}

// EnvStrategy is a QPS cap for a service environment (ApiId empty) or one
// API in it (seed: ModifyServiceEnvironmentStrategy,
// ModifyApiEnvironmentStrategy). Strategy -1 means no cap.
type EnvStrategy struct {
	ServiceId   string `json:"ServiceId"`
	Environment string `json:"Environment"`
	ApiId       string `json:"ApiId,omitempty"`
	Strategy    int64  `json:"Strategy"`
}

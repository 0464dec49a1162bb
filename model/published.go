package model

// Published is everything that is live: each service with the APIs that each
// of its environments runs. One Published compiles into one snapshot.
type Published struct {
	// Revision increases with every change the control plane commits.
	Revision uint64 `json:"Revision"`
	// BaseDomain makes each service's default domain:
	// <ServiceId>.<BaseDomain>.
	BaseDomain string             `json:"BaseDomain"`
	Services   []PublishedService `json:"Services"`
	// Access, Traffic and IPControl are nil when nothing of theirs exists.
	Access    *Access    `json:"Access,omitempty"`
	Traffic   *Traffic   `json:"Traffic,omitempty"`
	IPControl *IPControl `json:"IPControl,omitempty"`
}

// PublishedService is one service and its released environments; none
// when it is released nowhere (its host is known: EnvironmentNotFound).
type PublishedService struct {
	Service Service `json:"Service"`
	// Domains are custom domains bound to the service (seed: BindSubDomain).
	Domains      []CustomDomain         `json:"Domains,omitempty"`
	Environments []PublishedEnvironment `json:"Environments"`
}

// CustomDomain routes a host to a service. When IsDefaultMapping is false,
// PathMappings choose the environment by path prefix instead of the first
// path segment (seed: BindSubDomain, PathMappingSet).
type CustomDomain struct {
	SubDomain        string        `json:"SubDomain"`
	IsDefaultMapping bool          `json:"IsDefaultMapping"`
	PathMappingSet   []PathMapping `json:"PathMappingSet,omitempty"`
}

// PathMapping maps a path prefix on a custom domain to an environment.
type PathMapping struct {
	Path        string `json:"Path"`
	Environment string `json:"Environment"`
}

// PublishedEnvironment is an environment (release, prepub, test or a custom
// name) and the frozen APIs of the version it runs.
type PublishedEnvironment struct {
	EnvironmentName string `json:"EnvironmentName"`
	VersionName     string `json:"VersionName,omitempty"`
	Apis            []API  `json:"Apis"`
}

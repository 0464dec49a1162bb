package model

// Signing is the signature keys bound to APIs (Huawei APIG 签名密钥, seed
// 001 `.../signs`, `.../sign-bindings`): the edge signs every request it
// forwards to a bound API's backend (package backendsign). Secrets appear
// in clear, as in Access: a Published lives in memory and on the
// authenticated admin→edge channel only.
type Signing struct {
	Keys     []SignKey     `json:"Keys,omitempty"`
	Bindings []SignBinding `json:"Bindings,omitempty"`
}

// SignKey is one signature key (seed: sign_type hmac, basic or aes;
// sign_algorithm aes-128-cfb or aes-256-cfb for aes).
type SignKey struct {
	SignId        string `json:"SignId"`
	SignType      string `json:"SignType"`
	SignKey       string `json:"SignKey"`
	SignSecret    string `json:"SignSecret"`
	SignAlgorithm string `json:"SignAlgorithm,omitempty"`
}

// SignBinding binds a key to one API in one environment of its service (a
// Huawei publish record); an API has at most one key per environment.
type SignBinding struct {
	SignId      string `json:"SignId"`
	ServiceId   string `json:"ServiceId"`
	Environment string `json:"Environment"`
	ApiId       string `json:"ApiId"`
}

package rules

// meshRules are the rules about certificates (MB4xx), mTLS and identity
// (MB5xx) and external services (MB6xx).
func meshRules() []*Rule {
	return []*Rule{}
}

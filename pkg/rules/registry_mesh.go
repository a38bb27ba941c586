package rules

// meshRules are the rules about certificates (MB4xx), mTLS and identity
// (MB5xx) and external services (MB6xx).
func meshRules() []*Rule {
	return []*Rule{
		SecretTTLExceedsMax,
		SecretTTLTooShort,
		LongJobCertRotation,
		UnknownCertKnob,
		AppReadsCertFiles,
		SecretTTLNotADuration,

		NoSidecarToStrict,
		DRDisableVsStrict,
		PAPortLevelMTLS,
		PADuplicates,
		PADisableAmbient,
		APPrincipalSyntax,
		APJobIdentityMismatch,
		JobDefaultSA,
		APServiceAccountsCompat,
		APNeedsMTLS,
		APSelectorNoWorkload,
		APHTTPFieldsOnTCP,
		APAllowWithoutSelector,

		ExternalHostNoSE,
		SETCPNoAddress,
		StartTLSDBOrigination,
		ServerFirstPermissive,
		IstioMutualToExternal,
		DoubleTLS,
		DRNoServerVerify,
		DRCredentialNameNoSelector,
		DRHostNotFound,
		TLSMaterialMismatch,
	}
}
